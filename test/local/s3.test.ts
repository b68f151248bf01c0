// The emulated S3, driven through the real SDK v3 S3 client: buckets, Regions, ownership, ACLs, policies, objects.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  paginateListBuckets,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type Harness, httpStatusOf, rawRequest, rejectionOf, startHarness } from './emulator-harness';

const ELASTICACHE_ID = '540804c33a284a299d2547575ce1010f2312ef3da9b3a053c8bc45bf233e4353';

let harness: Harness;
let s3: S3Client;
let counter = 0;
/** A fresh, valid bucket name per test. */
const bucketName = (label: string): string => `${label}-${process.pid}-${++counter}`;

beforeAll(async () => {
  harness = await startHarness();
  s3 = harness.s3();
});

afterAll(() => harness.stop());

const createBucket = async (name: string, client = s3, ownership?: 'ObjectWriter' | 'BucketOwnerEnforced') => {
  await client.send(new CreateBucketCommand({ Bucket: name, ...(ownership && { ObjectOwnership: ownership }) }));
  return name;
};

describe('buckets and Regions', () => {
  it('reports a us-east-1 bucket with an empty location constraint', async () => {
    // Arrange
    const name = await createBucket(bucketName('east'));

    // Act
    const location = await s3.send(new GetBucketLocationCommand({ Bucket: name }));

    // Assert
    expect(location.LocationConstraint).toBeUndefined();
  });

  it('creates a bucket in the Region of its location constraint and reports it', async () => {
    // Arrange
    const west = harness.s3({ region: 'eu-west-1' });
    const name = bucketName('west');

    // Act
    await west.send(
      new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }),
    );
    const location = await s3.send(new GetBucketLocationCommand({ Bucket: name }));

    // Assert
    expect(location.LocationConstraint).toBe('eu-west-1');
  });

  it('lets the us-east-1 endpoint create a bucket in another Region', async () => {
    // Arrange
    const name = bucketName('from-east');

    // Act
    await s3.send(
      new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: 'ap-south-1' } }),
    );
    const head = await harness.s3({ region: 'ap-south-1' }).send(new HeadBucketCommand({ Bucket: name }));

    // Assert
    expect(head.BucketRegion).toBe('ap-south-1');
  });

  it('rejects a location constraint that differs from a Regional endpoint', async () => {
    // Arrange
    const west = harness.s3({ region: 'eu-west-1' });

    // Act
    const error = await rejectionOf(
      west.send(
        new CreateBucketCommand({
          Bucket: bucketName('mismatch'),
          CreateBucketConfiguration: { LocationConstraint: 'us-west-2' },
        }),
      ),
    );

    // Assert
    expect(error.name).toBe('IllegalLocationConstraintException');
    expect(httpStatusOf(error)).toBe(400);
  });

  it('rejects an invalid bucket name', async () => {
    // Act
    const error = await rejectionOf(s3.send(new CreateBucketCommand({ Bucket: 'Invalid_Name' })));

    // Assert
    expect(error.name).toBe('InvalidBucketName');
  });

  it("refuses a name another account's bucket already has", async () => {
    // Arrange
    const name = await createBucket(bucketName('taken'));

    // Act
    const error = await rejectionOf(
      harness.s3({ accessKeyId: '111111111111' }).send(new CreateBucketCommand({ Bucket: name })),
    );

    // Assert
    expect(error.name).toBe('BucketAlreadyExists');
    expect(httpStatusOf(error)).toBe(409);
  });

  it('tells the owner that a bucket outside us-east-1 already exists', async () => {
    // Arrange
    const west = harness.s3({ region: 'eu-west-1' });
    const name = bucketName('mine');
    await west.send(
      new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }),
    );

    // Act
    const error = await rejectionOf(
      west.send(
        new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }),
      ),
    );

    // Assert
    expect(error.name).toBe('BucketAlreadyOwnedByYou');
  });

  it('heads an accessible bucket with its Region', async () => {
    // Arrange
    const name = await createBucket(bucketName('head'));

    // Act
    const head = await s3.send(new HeadBucketCommand({ Bucket: name }));

    // Assert
    expect(head.$metadata.httpStatusCode).toBe(200);
    expect(head.BucketRegion).toBe('us-east-1');
  });

  it('answers HeadBucket with 404 for a missing bucket and 403 for another account', async () => {
    // Arrange
    const name = await createBucket(bucketName('private'));

    // Act
    const missing = await rejectionOf(s3.send(new HeadBucketCommand({ Bucket: bucketName('absent') })));
    const foreign = await rejectionOf(
      harness.s3({ accessKeyId: '111111111111' }).send(new HeadBucketCommand({ Bucket: name })),
    );

    // Assert
    expect([missing.name, httpStatusOf(missing)]).toEqual(['NotFound', 404]);
    // A HEAD answer has no body; the SDK names the 403 by itself.
    expect(httpStatusOf(foreign)).toBe(403);
  });

  it('redirects requests signed for another Region than the bucket', async () => {
    // Arrange
    const name = bucketName('elsewhere');
    await s3.send(
      new CreateBucketCommand({ Bucket: name, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }),
    );

    // Act
    const list = await rejectionOf(s3.send(new ListObjectsV2Command({ Bucket: name })));
    const head = await rejectionOf(s3.send(new HeadBucketCommand({ Bucket: name })));

    // Assert
    expect([list.name, httpStatusOf(list)]).toEqual(['PermanentRedirect', 301]);
    expect(httpStatusOf(head)).toBe(301);
  });

  it("denies another account's requests on a bucket", async () => {
    // Arrange
    const name = await createBucket(bucketName('denied'));
    const stranger = harness.s3({ accessKeyId: '111111111111' });

    // Act
    const acl = await rejectionOf(stranger.send(new GetBucketAclCommand({ Bucket: name })));
    const location = await rejectionOf(stranger.send(new GetBucketLocationCommand({ Bucket: name })));
    const put = await rejectionOf(stranger.send(new PutObjectCommand({ Bucket: name, Key: 'x', Body: 'x' })));

    // Assert
    for (const error of [acl, location, put]) {
      expect([error.name, httpStatusOf(error)]).toEqual(['AccessDenied', 403]);
    }
  });

  it('answers NoSuchBucket with the bucket name for a missing bucket', async () => {
    // Arrange
    const name = bucketName('nowhere');

    // Act
    const error = await rejectionOf(s3.send(new ListObjectsV2Command({ Bucket: name })));

    // Assert
    expect(error.name).toBe('NoSuchBucket');
    expect(error.BucketName).toBe(name);
    expect(httpStatusOf(error)).toBe(404);
  });

  it('lists only the caller’s buckets, page by page', async () => {
    // Arrange
    const account = harness.s3({ accessKeyId: '333333333333' });
    const names = [bucketName('page-a'), bucketName('page-b'), bucketName('page-c')];
    for (const name of names) await createBucket(name, account);

    // Act
    const listed: string[] = [];
    for await (const page of paginateListBuckets({ client: account }, { MaxBuckets: 2 })) {
      listed.push(...(page.Buckets ?? []).map((bucket) => bucket.Name ?? ''));
    }

    // Assert
    expect(listed.sort()).toEqual([...names].sort());
  });

  it('deletes an empty bucket and refuses a bucket with objects', async () => {
    // Arrange
    const empty = await createBucket(bucketName('empty'));
    const full = await createBucket(bucketName('full'));
    await s3.send(new PutObjectCommand({ Bucket: full, Key: 'k', Body: 'v' }));

    // Act
    await s3.send(new DeleteBucketCommand({ Bucket: empty }));
    const refused = await rejectionOf(s3.send(new DeleteBucketCommand({ Bucket: full })));
    const buckets = await s3.send(new ListBucketsCommand({}));

    // Assert
    expect(refused.name).toBe('BucketNotEmpty');
    expect(buckets.Buckets?.map((bucket) => bucket.Name)).not.toContain(empty);
  });
});

describe('ownership controls and ACLs', () => {
  it('gives new buckets ACLs disabled (BucketOwnerEnforced), as S3 does', async () => {
    // Arrange
    const name = await createBucket(bucketName('enforced'));

    // Act
    const controls = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: name }));
    const error = await rejectionOf(
      s3.send(new PutBucketAclCommand({ Bucket: name, GrantRead: `id="${ELASTICACHE_ID}"` })),
    );

    // Assert
    expect(controls.OwnershipControls?.Rules?.[0]?.ObjectOwnership).toBe('BucketOwnerEnforced');
    expect([error.name, httpStatusOf(error)]).toEqual(['AccessControlListNotSupported', 400]);
  });

  it('accepts grant headers once ACLs are enabled and reports them', async () => {
    // Arrange
    const name = await createBucket(bucketName('grants'));
    await s3.send(
      new PutBucketOwnershipControlsCommand({
        Bucket: name,
        OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] },
      }),
    );
    const owner = (await s3.send(new GetBucketAclCommand({ Bucket: name }))).Owner?.ID ?? '';

    // Act
    await s3.send(
      new PutBucketAclCommand({
        Bucket: name,
        GrantFullControl: `id="${owner}"`,
        GrantRead: `id="${ELASTICACHE_ID}"`,
        GrantWrite: `id="${ELASTICACHE_ID}"`,
        GrantReadACP: `id="${ELASTICACHE_ID}"`,
      }),
    );
    const acl = await s3.send(new GetBucketAclCommand({ Bucket: name }));

    // Assert
    expect(acl.Grants).toEqual(
      expect.arrayContaining([
        { Grantee: expect.objectContaining({ Type: 'CanonicalUser', ID: owner }), Permission: 'FULL_CONTROL' },
        { Grantee: { Type: 'CanonicalUser', ID: ELASTICACHE_ID }, Permission: 'READ' },
        { Grantee: { Type: 'CanonicalUser', ID: ELASTICACHE_ID }, Permission: 'WRITE' },
        { Grantee: { Type: 'CanonicalUser', ID: ELASTICACHE_ID }, Permission: 'READ_ACP' },
      ]),
    );
    expect(acl.Grants).toHaveLength(4);
  });

  it('accepts an AccessControlPolicy document', async () => {
    // Arrange
    const name = await createBucket(bucketName('policy-doc'), s3, 'ObjectWriter');
    const { Owner } = await s3.send(new GetBucketAclCommand({ Bucket: name }));

    // Act
    await s3.send(
      new PutBucketAclCommand({
        Bucket: name,
        AccessControlPolicy: {
          Owner,
          Grants: [
            { Grantee: { Type: 'CanonicalUser', ID: Owner?.ID }, Permission: 'FULL_CONTROL' },
            { Grantee: { Type: 'CanonicalUser', ID: ELASTICACHE_ID }, Permission: 'FULL_CONTROL' },
            { Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/s3/LogDelivery' }, Permission: 'WRITE' },
          ],
        },
      }),
    );
    const acl = await s3.send(new GetBucketAclCommand({ Bucket: name }));

    // Assert
    expect(
      acl.Grants?.map((grant) => [grant.Grantee?.Type, grant.Grantee?.ID ?? grant.Grantee?.URI, grant.Permission]),
    ).toEqual([
      ['CanonicalUser', Owner?.ID, 'FULL_CONTROL'],
      ['CanonicalUser', ELASTICACHE_ID, 'FULL_CONTROL'],
      ['Group', 'http://acs.amazonaws.com/groups/s3/LogDelivery', 'WRITE'],
    ]);
  });

  it('expands a canned ACL', async () => {
    // Arrange
    const name = await createBucket(bucketName('canned'), s3, 'ObjectWriter');

    // Act
    await s3.send(new PutBucketAclCommand({ Bucket: name, ACL: 'public-read' }));
    const acl = await s3.send(new GetBucketAclCommand({ Bucket: name }));

    // Assert
    expect(acl.Grants?.map((grant) => grant.Permission)).toEqual(['FULL_CONTROL', 'READ']);
    expect(acl.Grants?.[1]?.Grantee?.URI).toBe('http://acs.amazonaws.com/groups/global/AllUsers');
  });

  it('rejects a grant to a malformed canonical id', async () => {
    // Arrange
    const name = await createBucket(bucketName('bad-id'), s3, 'ObjectWriter');

    // Act
    const error = await rejectionOf(s3.send(new PutBucketAclCommand({ Bucket: name, GrantRead: 'id="not-an-id"' })));

    // Assert
    expect(error.name).toBe('InvalidArgument');
  });

  it('refuses to disable ACLs while the ACL grants someone else', async () => {
    // Arrange
    const name = await createBucket(bucketName('disable'), s3, 'ObjectWriter');
    await s3.send(new PutBucketAclCommand({ Bucket: name, GrantRead: `id="${ELASTICACHE_ID}"` }));

    // Act
    const error = await rejectionOf(
      s3.send(
        new PutBucketOwnershipControlsCommand({
          Bucket: name,
          OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        }),
      ),
    );

    // Assert
    expect(error.name).toBe('InvalidBucketAclWithObjectOwnership');
  });
});

describe('bucket policies', () => {
  it('stores and returns a policy document', async () => {
    // Arrange
    const name = await createBucket(bucketName('policy'));
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'us-east-1.elasticache-snapshot.amazonaws.com' },
          Action: ['s3:PutObject', 's3:GetObject', 's3:ListBucket', 's3:GetBucketAcl'],
          Resource: [`arn:aws:s3:::${name}`, `arn:aws:s3:::${name}/*`],
        },
      ],
    });

    // Act
    await s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: policy }));
    const stored = await s3.send(new GetBucketPolicyCommand({ Bucket: name }));

    // Assert
    expect(JSON.parse(stored.Policy ?? '{}')).toEqual(JSON.parse(policy));
  });

  it('answers NoSuchBucketPolicy when the bucket has none', async () => {
    // Arrange
    const name = await createBucket(bucketName('no-policy'));

    // Act
    const error = await rejectionOf(s3.send(new GetBucketPolicyCommand({ Bucket: name })));

    // Assert
    expect([error.name, httpStatusOf(error)]).toEqual(['NoSuchBucketPolicy', 404]);
  });

  it('rejects a policy that is not JSON', async () => {
    // Arrange
    const name = await createBucket(bucketName('bad-policy'));

    // Act
    const error = await rejectionOf(s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: 'not json' })));

    // Assert
    expect(error.name).toBe('MalformedPolicy');
  });
});

describe('objects', () => {
  let bucket: string;

  beforeAll(async () => {
    bucket = await createBucket(bucketName('objects'));
  });

  it('stores an object as a real file and returns its bytes, type and metadata', async () => {
    // Arrange
    const body = Buffer.from('snapshot bytes \u00e9');

    // Act
    const put = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'dir/file.bin',
        Body: body,
        ContentType: 'application/x-test',
        Metadata: { origin: 'test' },
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'dir/file.bin' }));
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);
    const file = harness.aws.s3.objectFile(bucket, 'dir/file.bin');

    // Assert
    expect(bytes.equals(body)).toBe(true);
    expect(got.ContentType).toBe('application/x-test');
    expect(got.Metadata).toEqual({ origin: 'test' });
    expect(got.ETag).toBe(put.ETag);
    expect(file?.endsWith(`${bucket}/dir/file.bin`)).toBe(true);
    expect(fs.readFileSync(file ?? '').equals(body)).toBe(true);
  });

  it('decodes a streamed aws-chunked upload with a trailing checksum', async () => {
    // Arrange
    const parts = [Buffer.from('first part, '), Buffer.from('second part')];

    // Act
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'streamed.txt',
        Body: Readable.from(parts),
        ContentLength: 23,
        ChecksumAlgorithm: 'CRC32',
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'streamed.txt' }));

    // Assert
    expect(await got.Body?.transformToString()).toBe('first part, second part');
    expect(got.ContentLength).toBe(23);
  });

  it('rejects an upload whose checksum does not match', async () => {
    // Act
    const error = await rejectionOf(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'corrupt.txt', Body: 'data', ChecksumCRC32: 'AAAAAA==' })),
    );

    // Assert
    expect(error.name).toBe('BadDigest');
  });

  it('rejects a checksum value that is not a base64 digest of the right length', async () => {
    // Act
    const error = await rejectionOf(
      s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'bad-crc32c.txt', Body: 'data', ChecksumCRC32C: 'bogus' })),
    );

    // Assert
    expect(error.name).toBe('InvalidRequest');
    expect(error.message).toBe('Value for x-amz-checksum-crc32c header is invalid.');
  });

  it('rejects a trailing checksum with a control character instead of echoing it', async () => {
    // Arrange
    const body = '5\r\nhello\r\n0\r\nx-amz-checksum-crc32c:ab\u0001cd\r\n\r\n';

    // Act
    const response = await rawRequest(harness.aws.url, {
      method: 'PUT',
      path: `/${bucket}/trailer.txt`,
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x',
        'content-encoding': 'aws-chunked',
        'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
        'x-amz-trailer': 'x-amz-checksum-crc32c',
        'x-amz-decoded-content-length': '5',
      },
      body,
    });

    // Assert
    expect(response.status).toBe(400);
    expect(response.body).toContain('<Code>InvalidRequest</Code>');
    expect(harness.aws.s3.store.headObject(bucket, 'trailer.txt')).toBeUndefined();
  });

  it('checks a signed payload hash against the body, as S3 does', async () => {
    // Arrange
    const put = (key: string, hash: string) =>
      rawRequest(harness.aws.url, {
        method: 'PUT',
        path: `/${bucket}/${key}`,
        sign: { service: 's3' },
        headers: { 'x-amz-content-sha256': hash },
        body: 'payload',
      });
    const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

    // Act
    const matching = await put('hashed.txt', sha256('payload'));
    const other = await put('mis-hashed.txt', sha256('something else'));

    // Assert
    expect(matching.status).toBe(200);
    expect(other.status).toBe(400);
    expect(other.body).toContain(
      '<Code>XAmzContentSHA256Mismatch</Code><Message>The provided &apos;x-amz-content-sha256&apos; header does not match what was computed.</Message>',
    );
    expect(harness.aws.s3.store.headObject(bucket, 'mis-hashed.txt')).toBeUndefined();
  });

  it('heads an object with its size and answers NotFound for a missing one', async () => {
    // Arrange
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'sized.txt', Body: '12345' }));

    // Act
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'sized.txt' }));
    const missing = await rejectionOf(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: 'nothing.txt' })));

    // Assert
    expect(head.ContentLength).toBe(5);
    expect([missing.name, httpStatusOf(missing)]).toEqual(['NotFound', 404]);
  });

  it('answers NoSuchKey with the key for a missing object', async () => {
    // Act
    const error = await rejectionOf(s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'gone.txt' })));

    // Assert
    expect(error.name).toBe('NoSuchKey');
    expect(error.Key).toBe('gone.txt');
  });

  it('deletes objects one by one and in batches', async () => {
    // Arrange
    for (const key of ['del/a', 'del/b', 'del/c']) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
    }

    // Act
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'del/a' }));
    const batch = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'del/b' }, { Key: 'del/c' }] } }),
    );
    const left = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'del/' }));

    // Assert
    expect(batch.Deleted?.map((deleted) => deleted.Key)).toEqual(['del/b', 'del/c']);
    expect(left.KeyCount).toBe(0);
    expect(left.Contents).toBeUndefined();
  });

  it('keeps keys that cannot be paths (a/ and a/b, dots, unicode) apart', async () => {
    // Arrange
    const keys = ['odd/', 'odd/child', '../escape', 'odd/ü €.txt'];

    // Act
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: `body of ${key}` }));
    const bodies = await Promise.all(
      keys.map(async (key) =>
        (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString(),
      ),
    );

    // Assert
    expect(bodies).toEqual(keys.map((key) => `body of ${key}`));
    for (const key of keys) expect(harness.aws.s3.objectFile(bucket, key)?.startsWith(harness.dataDir)).toBe(true);
  });
});

describe('ListObjectsV2', () => {
  let bucket: string;
  const keys = ['a/1.rdb', 'a/2.rdb', 'b/1.rdb', 'b/2.rdb', 'c.rdb', 'd.rdb', 'e.rdb'];

  beforeAll(async () => {
    bucket = await createBucket(bucketName('listing'));
    for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
  });

  it('pages through every key with continuation tokens', async () => {
    // Act
    const pages: string[][] = [];
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, MaxKeys: 3 })) {
      pages.push((page.Contents ?? []).map((object) => object.Key ?? ''));
    }

    // Assert
    expect(pages).toEqual([keys.slice(0, 3), keys.slice(3, 6), keys.slice(6)]);
  });

  it('keeps UTF-8 binary order as objects are put, replaced and deleted after a listing', async () => {
    // Arrange
    const name = await createBucket(bucketName('ordering'));
    const put = (key: string, body = key) => s3.send(new PutObjectCommand({ Bucket: name, Key: key, Body: body }));
    for (const key of ['m', 'c']) await put(key);
    const first = await s3.send(new ListObjectsV2Command({ Bucket: name }));

    // Act: after the listing, keys before, between and after the listed ones; one replaced, one deleted.
    for (const key of ['z', 'a', 'é', 'n', 'Z']) await put(key);
    await put('m', 'replaced');
    await s3.send(new DeleteObjectCommand({ Bucket: name, Key: 'c' }));
    const second = await s3.send(new ListObjectsV2Command({ Bucket: name }));

    // Assert ('Z' < 'a' < 'z' < 'é' in UTF-8 bytes)
    expect(first.Contents?.map((object) => object.Key)).toEqual(['c', 'm']);
    expect(second.Contents?.map((object) => [object.Key, object.Size])).toEqual([
      ['Z', 1],
      ['a', 1],
      ['m', 8],
      ['n', 1],
      ['z', 1],
      ['é', 2],
    ]);
  });

  it('filters by prefix and reports sizes and dates', async () => {
    // Act
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'b/' }));

    // Assert
    expect(page.Contents?.map((object) => [object.Key, object.Size])).toEqual([
      ['b/1.rdb', 7],
      ['b/2.rdb', 7],
    ]);
    expect(page.Contents?.[0]?.LastModified).toBeInstanceOf(Date);
    expect(page.KeyCount).toBe(2);
  });

  it('groups keys by delimiter into common prefixes, counted against max keys', async () => {
    // Act
    const first = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/', MaxKeys: 2 }));
    const second = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Delimiter: '/', ContinuationToken: first.NextContinuationToken }),
    );

    // Assert
    expect(first.CommonPrefixes).toEqual([{ Prefix: 'a/' }, { Prefix: 'b/' }]);
    expect(first.Contents).toBeUndefined();
    expect(first.IsTruncated).toBe(true);
    expect(second.Contents?.map((object) => object.Key)).toEqual(['c.rdb', 'd.rdb', 'e.rdb']);
    expect(second.IsTruncated).toBe(false);
  });

  it('starts after a given key', async () => {
    // Act
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, StartAfter: 'c.rdb' }));

    // Assert
    expect(page.Contents?.map((object) => object.Key)).toEqual(['d.rdb', 'e.rdb']);
  });
});

describe('persistence and unsupported operations', () => {
  it('finds buckets and objects again after a restart on the same data folder', async () => {
    // Arrange
    const first = await startHarness({ dataDir: `${harness.dataDir}-restart` });
    const name = bucketName('durable');
    await first.s3().send(new CreateBucketCommand({ Bucket: name }));
    await first.s3().send(new PutObjectCommand({ Bucket: name, Key: 'kept/object.rdb', Body: 'REDIS0011-ish' }));
    await first.stop();

    // Act
    const second = await startHarness({ dataDir: `${harness.dataDir}-restart` });
    const got = await second.s3().send(new GetObjectCommand({ Bucket: name, Key: 'kept/object.rdb' }));
    const body = await got.Body?.transformToString();
    const controls = await second.s3().send(new GetBucketOwnershipControlsCommand({ Bucket: name }));
    await second.stop();
    fs.rmSync(`${harness.dataDir}-restart`, { recursive: true, force: true });

    // Assert
    expect(body).toBe('REDIS0011-ish');
    expect(controls.OwnershipControls?.Rules?.[0]?.ObjectOwnership).toBe('BucketOwnerEnforced');
  });

  it('keeps a deleted object deleted and a replaced one replaced across a restart, one journal line per change', async () => {
    // Arrange
    const dataDir = `${harness.dataDir}-journal`;
    const first = await startHarness({ dataDir });
    const name = bucketName('journal');
    await first.s3().send(new CreateBucketCommand({ Bucket: name }));
    for (const key of ['a.rdb', 'b.rdb', 'c.rdb']) {
      await first.s3().send(new PutObjectCommand({ Bucket: name, Key: key, Body: `first ${key}` }));
    }
    await first.s3().send(new PutObjectCommand({ Bucket: name, Key: 'b.rdb', Body: 'second b.rdb' }));
    await first.s3().send(new DeleteObjectCommand({ Bucket: name, Key: 'a.rdb' }));
    await first.stop();
    const journal = fs.readFileSync(`${dataDir}/s3-meta/${name}.jsonl`, 'utf8').trim().split('\n');

    // Act
    const second = await startHarness({ dataDir });
    const listed = await second.s3().send(new ListObjectsV2Command({ Bucket: name }));
    const b = await second.s3().send(new GetObjectCommand({ Bucket: name, Key: 'b.rdb' }));
    const body = await b.Body?.transformToString();
    await second.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });

    // Assert
    expect(listed.Contents?.map((object) => object.Key)).toEqual(['b.rdb', 'c.rdb']);
    expect(body).toBe('second b.rdb');
    // The bucket (its version line, then its ownership controls), then five changes: no line rewritten.
    expect(journal.slice(-5).map((line) => Object.keys(JSON.parse(line))[0])).toEqual([
      'set',
      'set',
      'set',
      'set',
      'delete',
    ]);
  });

  it('reads a bucket saved in the previous format (s3-meta/<bucket>.json) and turns it into a journal', async () => {
    // Arrange
    const dataDir = `${harness.dataDir}-migrate`;
    const first = await startHarness({ dataDir });
    const name = bucketName('migrate');
    await first.s3().send(new CreateBucketCommand({ Bucket: name }));
    await first.s3().send(new PutObjectCommand({ Bucket: name, Key: 'old.rdb', Body: 'saved before' }));
    await first.stop();
    // The same bucket as the previous format wrote it: one document of the bucket and all its objects.
    const journalFile = `${dataDir}/s3-meta/${name}.jsonl`;
    const lines = fs
      .readFileSync(journalFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const bucket = lines.filter((line) => 'head' in line).at(-1).head;
    const objects = lines.filter((line) => 'set' in line).map((line) => line.value);
    fs.rmSync(journalFile);
    fs.writeFileSync(`${dataDir}/s3-meta/${name}.json`, JSON.stringify({ version: 1, value: { bucket, objects } }));

    // Act
    const second = await startHarness({ dataDir });
    const got = await second.s3().send(new GetObjectCommand({ Bucket: name, Key: 'old.rdb' }));
    const body = await got.Body?.transformToString();
    await second.stop();
    const files = fs.readdirSync(`${dataDir}/s3-meta`);
    fs.rmSync(dataDir, { recursive: true, force: true });

    // Assert
    expect(body).toBe('saved before');
    expect(files).toContain(`${name}.jsonl`);
    expect(files).not.toContain(`${name}.json`);
  });

  it('answers an operation it does not emulate with 501 NotImplemented naming it', async () => {
    // Arrange
    const name = await createBucket(bucketName('tagging'));

    // Act
    const error = await rejectionOf(s3.send(new GetBucketTaggingCommand({ Bucket: name })));

    // Assert
    expect(error.name).toBe('NotImplemented');
    expect(httpStatusOf(error)).toBe(501);
    expect(error.message).toContain('GetBucketTagging');
  });
});
