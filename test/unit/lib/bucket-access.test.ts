import {
  type AclGrant,
  type BucketAccessInput,
  ELASTICACHE_CANONICAL_USER_ID,
  ELASTICACHE_GOVCLOUD_CANONICAL_USER_ID,
  elastiCacheAccessGaps,
  elastiCacheCanonicalUserId,
  elastiCacheServicePrincipal,
  missingElastiCachePermissions,
} from '../../../handlers/lib/bucket-access';

const BUCKET = 'exports-bucket';
const REGION = 'us-east-1';
const SERVICE = 'us-east-1.elasticache-snapshot.amazonaws.com';
const OWNER_ID = 'aaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999';

const ALL_ACTIONS = [
  's3:PutObject',
  's3:GetObject',
  's3:ListBucket',
  's3:GetBucketAcl',
  's3:ListMultipartUploadParts',
  's3:ListBucketMultipartUploads',
];

const grant = (permission: string, id = ELASTICACHE_CANONICAL_USER_ID): AclGrant => ({
  Grantee: { Type: 'CanonicalUser', ID: id },
  Permission: permission,
});

const ownerFullControl = grant('FULL_CONTROL', OWNER_ID);

const policy = (...statements: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });

const allowService = (overrides: object = {}): object => ({
  Sid: 'ElastiCacheExport',
  Effect: 'Allow',
  Principal: { Service: SERVICE },
  Action: ALL_ACTIONS,
  Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
  ...overrides,
});

const access = (overrides: Partial<BucketAccessInput> = {}): BucketAccessInput => ({
  region: REGION,
  bucket: BUCKET,
  grants: [ownerFullControl],
  ...overrides,
});

describe('ElastiCache identities', () => {
  it('uses the GovCloud canonical user id only in us-gov-west-1', () => {
    // Arrange
    const regions = ['us-gov-west-1', 'us-east-1', 'eu-south-1'];

    // Act
    const ids = regions.map(elastiCacheCanonicalUserId);

    // Assert
    expect(ids).toEqual([
      ELASTICACHE_GOVCLOUD_CANONICAL_USER_ID,
      ELASTICACHE_CANONICAL_USER_ID,
      ELASTICACHE_CANONICAL_USER_ID,
    ]);
  });

  it('names the regional service principal', () => {
    // Arrange
    const region = 'eu-south-1';

    // Act
    const principal = elastiCacheServicePrincipal(region);

    // Assert
    expect(principal).toBe('eu-south-1.elasticache-snapshot.amazonaws.com');
  });
});

describe('access through the bucket ACL', () => {
  it('finds nothing missing when the canonical user has READ, WRITE and READ_ACP', () => {
    // Arrange
    const input = access({ grants: [ownerFullControl, grant('READ'), grant('WRITE'), grant('READ_ACP')] });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual([]);
  });

  it('counts FULL_CONTROL as all three permissions', () => {
    // Arrange
    const input = access({ grants: [ownerFullControl, grant('FULL_CONTROL')] });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual([]);
  });

  it('lists every permission missing in the order READ, WRITE, READ_ACP', () => {
    // Arrange
    const input = access();

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual(['READ', 'WRITE', 'READ_ACP']);
  });

  it('reports only the permission that is not granted', () => {
    // Arrange
    const input = access({ grants: [ownerFullControl, grant('READ'), grant('READ_ACP')] });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual(['WRITE']);
  });

  it('ignores grants to other canonical users', () => {
    // Arrange
    const input = access({ grants: [grant('FULL_CONTROL', OWNER_ID)] });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual(['READ', 'WRITE', 'READ_ACP']);
  });

  it('ignores a grant to a group whose id happens to be missing', () => {
    // Arrange
    const input = access({
      grants: [{ Grantee: { Type: 'Group' }, Permission: 'FULL_CONTROL' }, grant('READ'), grant('WRITE')],
    });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual(['READ_ACP']);
  });

  it.each(['eu-south-1', 'af-south-1', 'ap-east-1', 'me-central-1'])(
    'does not count an ACL grant in the opt-in Region %s, where ElastiCache needs the bucket policy',
    (region) => {
      // Act
      const gaps = elastiCacheAccessGaps(access({ region, grants: [grant('FULL_CONTROL')] }));

      // Assert
      expect(gaps.map((gap) => [gap.permission, gap.aclIgnored])).toEqual([
        ['READ', 'OptInRegion'],
        ['WRITE', 'OptInRegion'],
        ['READ_ACP', 'OptInRegion'],
      ]);
    },
  );

  it.each(['us-east-1', 'eu-north-1', 'ap-northeast-3', 'us-gov-west-1', 'cn-north-1'])(
    'counts an ACL grant in %s, which is not an opt-in Region',
    (region) => {
      const canonicalId = region === 'us-gov-west-1' ? ELASTICACHE_GOVCLOUD_CANONICAL_USER_ID : undefined;
      expect(missingElastiCachePermissions(access({ region, grants: [grant('FULL_CONTROL', canonicalId)] }))).toEqual(
        [],
      );
    },
  );

  it('requires the GovCloud canonical user in us-gov-west-1', () => {
    // Arrange
    const defaultIdGrant = access({ region: 'us-gov-west-1', grants: [grant('FULL_CONTROL')] });
    const govIdGrant = access({
      region: 'us-gov-west-1',
      grants: [grant('FULL_CONTROL', ELASTICACHE_GOVCLOUD_CANONICAL_USER_ID)],
    });

    // Act
    const missingWithDefaultId = missingElastiCachePermissions(defaultIdGrant);
    const missingWithGovId = missingElastiCachePermissions(govIdGrant);

    // Assert
    expect(missingWithDefaultId).toEqual(['READ', 'WRITE', 'READ_ACP']);
    expect(missingWithGovId).toEqual([]);
  });

  it('ignores the ACL when Object Ownership is BucketOwnerEnforced', () => {
    // Arrange
    const input = access({ grants: [grant('FULL_CONTROL')], objectOwnership: 'BucketOwnerEnforced' });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual(['READ', 'WRITE', 'READ_ACP']);
  });

  it('honours the ACL when Object Ownership is BucketOwnerPreferred', () => {
    // Arrange
    const input = access({ grants: [grant('FULL_CONTROL')], objectOwnership: 'BucketOwnerPreferred' });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual([]);
  });
});

describe('access through the bucket policy', () => {
  it('accepts the documented policy for the service principal', () => {
    // Arrange
    const input = access({ policy: policy(allowService()), objectOwnership: 'BucketOwnerEnforced' });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual([]);
  });

  it('accepts a single Action string and a single Statement object', () => {
    // Arrange
    const document = JSON.stringify({
      Statement: { Effect: 'Allow', Principal: { Service: SERVICE }, Action: 's3:*', Resource: '*' },
    });

    // Act
    const missing = missingElastiCachePermissions(access({ policy: document }));

    // Assert
    expect(missing).toEqual([]);
  });

  it('expands wildcards such as s3:Get* and s3:List*', () => {
    // Arrange
    const input = access({
      policy: policy(allowService({ Action: ['s3:Get*', 's3:List*', 's3:PutObject'] })),
    });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual([]);
  });

  it('matches action names without regard to case', () => {
    // Arrange
    const input = access({ policy: policy(allowService({ Action: ALL_ACTIONS.map((a) => a.toLowerCase()) })) });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual([]);
  });

  it('accepts the service principal inside a list of services', () => {
    // Arrange
    const input = access({
      policy: policy(allowService({ Principal: { Service: ['logging.s3.amazonaws.com', SERVICE] } })),
    });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual([]);
  });

  it('accepts a policy that names the canonical user as principal', () => {
    // Arrange
    const input = access({
      policy: policy(allowService({ Principal: { CanonicalUser: ELASTICACHE_CANONICAL_USER_ID } })),
    });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual([]);
  });

  it('does not accept the service principal of another Region', () => {
    // Arrange
    const input = access({
      policy: policy(allowService({ Principal: { Service: 'eu-west-1.elasticache-snapshot.amazonaws.com' } })),
    });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual(['READ', 'WRITE', 'READ_ACP']);
  });

  it('reports the permission whose actions the policy leaves out', () => {
    // Arrange
    const withoutGetBucketAcl = ALL_ACTIONS.filter((action) => action !== 's3:GetBucketAcl');
    const withoutPutObject = ALL_ACTIONS.filter((action) => action !== 's3:PutObject');
    const withoutListBucket = ALL_ACTIONS.filter((action) => action !== 's3:ListBucket');

    // Act
    const results = [withoutGetBucketAcl, withoutPutObject, withoutListBucket].map((actions) =>
      missingElastiCachePermissions(access({ policy: policy(allowService({ Action: actions })) })),
    );

    // Assert
    expect(results).toEqual([['READ_ACP'], ['WRITE'], ['READ']]);
  });

  it('combines ACL grants and policy statements permission by permission', () => {
    // Arrange
    const input = access({
      grants: [ownerFullControl, grant('READ_ACP')],
      policy: policy(
        allowService({
          Action: [
            's3:ListBucket',
            's3:GetObject',
            's3:ListBucketMultipartUploads',
            's3:PutObject',
            's3:ListMultipartUploadParts',
          ],
        }),
      ),
    });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual([]);
  });

  it('ignores Deny statements and statements for other principals when looking for grants', () => {
    // Arrange
    const input = access({
      policy: policy(
        allowService({ Effect: 'Deny', Action: 's3:DeleteBucket' }),
        allowService({ Principal: { AWS: 'arn:aws:iam::123456789012:root' } }),
      ),
    });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual(['READ', 'WRITE', 'READ_ACP']);
  });

  it('lets an explicit Deny to the service principal override an ACL grant', () => {
    // Arrange
    const input = access({
      grants: [grant('FULL_CONTROL')],
      policy: policy({ Effect: 'Deny', Principal: { Service: SERVICE }, Action: 's3:PutObject', Resource: '*' }),
    });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual(['WRITE']);
  });

  it('lets an explicit Deny override an Allow in the same policy', () => {
    // Arrange
    const input = access({
      policy: policy(allowService(), {
        Effect: 'Deny',
        Principal: { Service: [SERVICE] },
        Action: ['s3:GetBucketAcl'],
        Resource: `arn:aws:s3:::${BUCKET}`,
      }),
    });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual(['READ_ACP']);
  });

  it('applies an unconditional Deny to everyone to ElastiCache too', () => {
    // Arrange
    const input = access({
      grants: [grant('FULL_CONTROL')],
      policy: policy({ Effect: 'Deny', Principal: '*', Action: 's3:Get*', Resource: `arn:aws:s3:::${BUCKET}/*` }),
    });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual(['READ']);
  });

  it('does not apply a conditional Deny such as the TLS-only statement', () => {
    // Arrange
    const input = access({
      grants: [grant('FULL_CONTROL')],
      policy: policy({
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:*',
        Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual([]);
  });

  it('keeps a conditional Allow that names the service principal', () => {
    // Arrange
    const input = access({
      policy: policy(allowService({ Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } })),
    });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual([]);
  });

  it('does not count a conditional Allow to everyone', () => {
    // Arrange
    const input = access({
      policy: policy(
        allowService({ Principal: '*', Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abc123' } } }),
      ),
    });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual(['READ', 'WRITE', 'READ_ACP']);
  });

  it('applies a Deny with NotPrincipal to ElastiCache when it is not exempted', () => {
    // Arrange
    const input = access({
      grants: [grant('FULL_CONTROL')],
      policy: policy({
        Effect: 'Deny',
        NotPrincipal: { AWS: 'arn:aws:iam::123456789012:root' },
        Action: 's3:PutObject',
        Resource: `arn:aws:s3:::${BUCKET}/*`,
      }),
    });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual(['WRITE']);
  });

  it('requires object statements to cover the keys the export writes', () => {
    // Arrange
    const prefixOnly = policy(
      allowService({ Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/elasticache/*`] }),
    );

    // Act
    const outsidePrefix = missingElastiCachePermissions(
      access({ policy: prefixOnly, objectKeys: ['nightly-0001.rdb'] }),
    );
    const noKeysGiven = missingElastiCachePermissions(access({ policy: prefixOnly }));

    // Assert
    expect(outsidePrefix).toEqual(['READ', 'WRITE']);
    expect(noKeysGiven).toEqual(['READ', 'WRITE']);
  });

  it('accepts object statements that cover the exact keys', () => {
    // Arrange
    const input = access({
      policy: policy(allowService({ Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/nightly-????.rdb`] })),
      objectKeys: ['nightly-0001.rdb', 'nightly-0002.rdb'],
    });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual([]);
  });

  it('matches resources in the GovCloud partition', () => {
    // Arrange
    const input = access({
      region: 'us-gov-west-1',
      policy: policy(
        allowService({
          Principal: { Service: 'us-gov-west-1.elasticache-snapshot.amazonaws.com' },
          Resource: [`arn:aws-us-gov:s3:::${BUCKET}`, `arn:aws-us-gov:s3:::${BUCKET}/*`],
        }),
      ),
    });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual([]);
  });

  it('treats a policy that is not JSON as granting nothing', () => {
    // Arrange
    const input = access({ policy: '{not json' });

    // Act
    const missing = missingElastiCachePermissions(input);

    // Assert
    expect(missing).toEqual(['READ', 'WRITE', 'READ_ACP']);
  });
});
