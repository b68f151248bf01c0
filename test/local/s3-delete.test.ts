// S3 DeleteObject and DeleteObjects through the real SDK v3 client (which sends a CRC32 checksum of the DeleteObjects
// body) and raw requests for what the SDK never sends: no checksum, a wrong one. Missing keys count as deleted, quiet
// mode lists only errors, a key a project function may not delete is an AccessDenied <Error>, and deletions persist.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { startInvocationTrace } from '../../local/aws/iam/attribution';
import { createLocalIam, type DerivedRoles } from '../../local/aws/iam/index';
import { type Harness, httpStatusOf, rawRequest, rejectionOf, startHarness } from './emulator-harness';

let harness: Harness;
let s3: S3Client;
let counter = 0;
const bucketName = (label: string): string => `${label}-${process.pid}-${++counter}`;

beforeAll(async () => {
  harness = await startHarness();
  s3 = harness.s3();
});

afterAll(() => harness.stop());

/** A bucket holding `keys`, each with its key as content. */
const bucketWith = async (keys: string[], client = s3, bucket = bucketName('deletions')): Promise<string> => {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const key of keys) await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: key }));
  return bucket;
};

const keysIn = async (bucket: string, client = s3): Promise<string[]> =>
  ((await client.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((object) => object.Key ?? '');

const deleteBody = (keys: string[], quiet = false): string =>
  `<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${keys
    .map((key) => `<Object><Key>${key}</Key></Object>`)
    .join('')}${quiet ? '<Quiet>true</Quiet>' : ''}</Delete>`;

const crc32Of = (body: string): string => {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(zlib.crc32(Buffer.from(body)) >>> 0);
  return value.toString('base64');
};

const md5Of = (body: string): string => createHash('md5').update(body).digest('base64');

/** A signed POST /bucket?delete with the headers given (the raw answer). */
const rawDeleteObjects = (bucket: string, body: string, headers: Record<string, string>) =>
  rawRequest(harness.aws.url, {
    method: 'POST',
    path: `/${bucket}?delete`,
    headers: { 'content-type': 'application/xml', ...headers },
    body,
    sign: { service: 's3' },
  });

const codeOf = (xml: string): string | undefined => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];
const messageOf = (xml: string): string | undefined => /<Message>([^<]*)<\/Message>/.exec(xml)?.[1];

describe('DeleteObject', () => {
  it('deletes an object and answers 204 for a key that does not exist', async () => {
    // Arrange
    const bucket = await bucketWith(['old/a.rdb']);

    // Act
    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'old/a.rdb' }));
    const missing = await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'never/there.rdb' }));

    // Assert
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect(missing.$metadata.httpStatusCode).toBe(204);
    expect(await keysIn(bucket)).toEqual([]);
  });

  it('answers NoSuchBucket for a bucket that does not exist', async () => {
    // Act
    const error = await rejectionOf(s3.send(new DeleteObjectCommand({ Bucket: bucketName('absent'), Key: 'a' })));

    // Assert
    expect([error.name, httpStatusOf(error)]).toEqual(['NoSuchBucket', 404]);
  });
});

describe('DeleteObjects', () => {
  it('deletes every key the SDK sends (with its CRC32 checksum) and lists missing ones as deleted', async () => {
    // Arrange
    const bucket = await bucketWith(['exports/a-0001.rdb', 'exports/a-0002.rdb', 'keep.rdb']);

    // Act
    const result = await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: {
          Objects: [{ Key: 'exports/a-0001.rdb' }, { Key: 'exports/a-0002.rdb' }, { Key: 'exports/gone.rdb' }],
        },
      }),
    );

    // Assert
    expect(result.Deleted?.map((deleted) => deleted.Key)).toEqual([
      'exports/a-0001.rdb',
      'exports/a-0002.rdb',
      'exports/gone.rdb',
    ]);
    expect(result.Errors).toBeUndefined();
    expect(await keysIn(bucket)).toEqual(['keep.rdb']);
  });

  it('lists nothing in quiet mode when every key is deleted', async () => {
    // Arrange
    const bucket = await bucketWith(['q/1', 'q/2']);

    // Act
    const result = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'q/1' }, { Key: 'q/2' }], Quiet: true } }),
    );

    // Assert
    expect(result.Deleted).toBeUndefined();
    expect(result.Errors).toBeUndefined();
    expect(await keysIn(bucket)).toEqual([]);
  });

  it('deletes keys exactly as named, spaces and XML special characters included', async () => {
    // Arrange
    const keys = [' padded ', 'a&b<c>"d\'.rdb'];
    const bucket = await bucketWith([...keys, 'padded']);

    // Act
    const result = await s3.send(
      new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })) } }),
    );

    // Assert
    expect(result.Deleted?.map((deleted) => deleted.Key)).toEqual(keys);
    expect(await keysIn(bucket)).toEqual(['padded']);
  });

  it('accepts a Content-MD5 in place of a flexible checksum', async () => {
    // Arrange
    const bucket = await bucketWith(['md5/a']);
    const body = deleteBody(['md5/a']);

    // Act
    const response = await rawDeleteObjects(bucket, body, { 'content-md5': md5Of(body) });

    // Assert
    expect(response.status).toBe(200);
    expect(response.body).toContain('<Deleted><Key>md5/a</Key></Deleted>');
    expect(await keysIn(bucket)).toEqual([]);
  });

  it('refuses a request with neither Content-MD5 nor a checksum, and deletes nothing', async () => {
    // Arrange
    const bucket = await bucketWith(['kept/a']);

    // Act
    const response = await rawDeleteObjects(bucket, deleteBody(['kept/a']), {});

    // Assert
    expect([response.status, codeOf(response.body), messageOf(response.body)]).toEqual([
      400,
      'InvalidRequest',
      'Missing required header for this request: Content-MD5',
    ]);
    expect(await keysIn(bucket)).toEqual(['kept/a']);
  });

  it.each([
    [
      'a CRC32 of another body',
      { 'x-amz-checksum-crc32': crc32Of('something else'), 'x-amz-sdk-checksum-algorithm': 'CRC32' },
      'BadDigest',
      'The CRC32 you specified did not match the calculated checksum.',
    ],
    [
      'a Content-MD5 of another body',
      { 'content-md5': md5Of('something else') },
      'BadDigest',
      'The Content-MD5 you specified did not match what we received.',
    ],
    ['a Content-MD5 that is no MD5', { 'content-md5': 'bm90IGFuIG1kNQ==' }, 'InvalidDigest', undefined],
    [
      'an announced algorithm without its checksum',
      { 'x-amz-sdk-checksum-algorithm': 'CRC32' },
      'InvalidRequest',
      'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.',
    ],
    ['a checksum that is not base64 of its length', { 'x-amz-checksum-sha256': 'AAAA' }, 'InvalidRequest', undefined],
  ])('refuses %s and deletes nothing', async (_case, headers, code, message) => {
    // Arrange
    const bucket = await bucketWith(['kept/b']);

    // Act
    const response = await rawDeleteObjects(bucket, deleteBody(['kept/b']), headers);

    // Assert
    expect([response.status, codeOf(response.body)]).toEqual([400, code]);
    if (message) expect(messageOf(response.body)).toBe(message);
    expect(await keysIn(bucket)).toEqual(['kept/b']);
  });

  it('accepts a SHA-256 checksum of the body', async () => {
    // Arrange
    const bucket = await bucketWith(['sha/a']);
    const body = deleteBody(['sha/a'], true);

    // Act
    const response = await rawDeleteObjects(bucket, body, {
      'x-amz-checksum-sha256': createHash('sha256').update(body).digest('base64'),
    });

    // Assert
    expect(response.status).toBe(200);
    expect(response.body).not.toContain('<Deleted>');
    expect(await keysIn(bucket)).toEqual([]);
  });

  it('refuses more than 1,000 keys, and an empty list, as MalformedXML', async () => {
    // Arrange
    const bucket = await bucketWith([]);
    const many = Array.from({ length: 1001 }, (_, index) => ({ Key: `k/${index}` }));

    // Act
    const tooMany = await rejectionOf(s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: many } })));
    const none = await rejectionOf(s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [] } })));

    // Assert
    expect([tooMany.name, httpStatusOf(tooMany)]).toEqual(['MalformedXML', 400]);
    expect(none.name).toBe('MalformedXML');
  });

  it('deletes 1,000 keys in one request', async () => {
    // Arrange
    const bucket = await bucketWith(['k/0', 'k/999']);
    const keys = Array.from({ length: 1000 }, (_, index) => ({ Key: `k/${index}` }));

    // Act
    const result = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }));

    // Assert
    expect(result.Deleted).toHaveLength(1000);
    expect(await keysIn(bucket)).toEqual([]);
  });
});

describe('deletions and IAM', () => {
  it("answers a key the function's role may not delete with an AccessDenied error and deletes the others", async () => {
    // Arrange: a function allowed to delete under exports/ only, its requests known by their trace id.
    const accountId = '000000000000';
    const bucket = bucketName('guarded');
    const role = {
      functionKey: 'pruneExports',
      functionName: 'svc-local-pruneExports',
      functionArn: `arn:aws:lambda:us-east-1:${accountId}:function:svc-local-pruneExports`,
      logGroupName: '/aws/lambda/svc-local-pruneExports',
      roleLogicalId: 'PruneExportsRole',
      principalArn: `arn:aws:sts::${accountId}:assumed-role/PruneExportsRole/svc-local-pruneExports`,
      policies: [
        {
          name: 'prune',
          document: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 's3:DeleteObject', Resource: `arn:aws:s3:::${bucket}/exports/*` }],
          },
        },
      ],
    };
    const roles: DerivedRoles = {
      stage: 'local',
      region: 'us-east-1',
      accountId,
      partition: 'aws',
      functions: { pruneExports: role },
      stateMachines: {},
      schedules: {},
      otherRoles: [],
      packagingSeconds: 0,
    };
    const iam = await createLocalIam({ stage: 'local', region: 'us-east-1', accountId, roles, warn: () => {} });
    const guarded = await startHarness({ iam });
    await bucketWith(['exports/old-0001.rdb', 'other/keep.rdb'], guarded.s3(), bucket);
    const trace = startInvocationTrace({ functionKey: 'pruneExports', project: true, requestId: 'r-1' });
    const client = guarded.s3();
    client.middlewareStack.add(
      (next) => (args) => {
        (args.request as { headers: Record<string, string> }).headers['x-amzn-trace-id'] = trace.traceId;
        return next(args);
      },
      { step: 'build', name: 'traceId' },
    );

    try {
      // Act
      const result = await client.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: [{ Key: 'exports/old-0001.rdb' }, { Key: 'other/keep.rdb' }] },
        }),
      );
      const single = await rejectionOf(client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'other/keep.rdb' })));

      // Assert
      expect(result.$metadata.httpStatusCode).toBe(200);
      expect(result.Deleted?.map((deleted) => deleted.Key)).toEqual(['exports/old-0001.rdb']);
      expect(result.Errors).toEqual([{ Key: 'other/keep.rdb', Code: 'AccessDenied', Message: 'Access Denied' }]);
      expect([single.name, httpStatusOf(single)]).toEqual(['AccessDenied', 403]);
      expect(await keysIn(bucket, guarded.s3())).toEqual(['other/keep.rdb']);
      expect(
        iam
          .calls()
          .filter((call) => call.operation === 'DeleteObjects')
          .map((call) => [call.action, call.resource, call.allowed]),
      ).toEqual([
        ['s3:DeleteObject', `arn:aws:s3:::${bucket}/exports/old-0001.rdb`, true],
        ['s3:DeleteObject', `arn:aws:s3:::${bucket}/other/keep.rdb`, false],
      ]);
    } finally {
      trace.end();
      iam.close();
      await guarded.stop();
    }
  });
});

describe('deletions after a restart', () => {
  it('keeps deleted objects deleted and the others in place', async () => {
    // Arrange
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-aws-s3-delete-'));
    const before = await startHarness({ dataDir });
    const bucket = await bucketWith(['a', 'b', 'c', 'd'], before.s3());
    await before.s3().send(new DeleteObjectCommand({ Bucket: bucket, Key: 'a' }));
    await before
      .s3()
      .send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: [{ Key: 'b' }, { Key: 'c' }] } }));
    await before.stop();

    // Act
    const after = await startHarness({ dataDir });
    const left = await keysIn(bucket, after.s3());
    await after.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });

    // Assert
    expect(left).toEqual(['d']);
  });
});
