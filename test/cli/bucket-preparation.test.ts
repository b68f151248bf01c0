// prepare-bucket without AWS: the statement and grants built from the service's bucket facts, how they are merged
// into what a bucket has, the printed plan, and that the README's "Preparing a bucket" blocks say the same.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ACL_OBJECT_OWNERSHIP,
  exportStatement,
  mergeGrants,
  mergePolicy,
  STATEMENT_SID,
} from '../../cli/bucket-preparation';
import {
  ELASTICACHE_CANONICAL_USER_ID,
  ELASTICACHE_GOVCLOUD_CANONICAL_USER_ID,
} from '../../handlers/lib/bucket-access';
import { SERVICE_DIR } from '../infrastructure/serverless-package';
import { jsonOf, runCli } from './run-cli';

const readmeBlock = (route: 'policy' | 'acl'): string => {
  const readme = readFileSync(path.join(SERVICE_DIR, 'README.md'), 'utf8');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf(`<!-- prepare-bucket: ${route} `)));
  return block?.[1] ?? '';
};

describe('exportStatement', () => {
  it("grants the README's statement: the Region's service principal, the six actions, the bucket and its objects", () => {
    // Arrange: the README's policy with its shell variables filled in.
    const filled = readmeBlock('policy').replaceAll(`'"$REGION"'`, 'us-east-1').replaceAll(`'"$BUCKET"'`, 'my-bucket');
    const readmePolicy = JSON.parse(/--policy '(\{[\s\S]*\})'/.exec(filled)?.[1] ?? '{}');
    const [readmeStatement] = readmePolicy.Statement;

    // Act
    const statement = exportStatement('my-bucket', 'us-east-1');

    // Assert
    expect({ ...statement, Action: [...(statement.Action as string[])].sort() }).toEqual({
      ...readmeStatement,
      Action: [...readmeStatement.Action].sort(),
    });
  });

  it('names the ARNs in the partition of the Region', () => {
    // Act
    const gov = exportStatement('b', 'us-gov-west-1');
    const china = exportStatement('b', 'cn-north-1');

    // Assert
    expect(gov.Resource).toEqual(['arn:aws-us-gov:s3:::b', 'arn:aws-us-gov:s3:::b/*']);
    expect(gov.Principal).toEqual({ Service: 'us-gov-west-1.elasticache-snapshot.amazonaws.com' });
    expect(china.Resource).toEqual(['arn:aws-cn:s3:::b', 'arn:aws-cn:s3:::b/*']);
  });
});

describe('mergePolicy', () => {
  const ours = exportStatement('my-bucket', 'eu-west-1');

  it('writes a policy of its own statement when the bucket has none', () => {
    // Act
    const merged = mergePolicy(undefined, ours);

    // Assert
    expect(merged).toEqual({ document: { Version: '2012-10-17', Statement: [ours] }, changed: true });
  });

  it('appends its statement and leaves every other statement, the Id and the Version as they were', () => {
    // Arrange
    const other = {
      Sid: 'ReadOnlyAnalytics',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:root' },
      Action: 's3:GetObject',
      Resource: 'arn:aws:s3:::my-bucket/*',
    };
    const existing = JSON.stringify({ Version: '2008-10-17', Id: 'keep-me', Statement: other });

    // Act
    const merged = mergePolicy(existing, ours);

    // Assert
    expect(merged).toEqual({
      document: { Version: '2008-10-17', Id: 'keep-me', Statement: [other, ours] },
      changed: true,
    });
  });

  it('widens a statement with its Sid to what it needs, keeping its extra actions, principals and condition', () => {
    // Arrange
    const narrow = {
      Sid: STATEMENT_SID,
      Effect: 'Allow',
      Principal: { Service: 'eu-west-1.elasticache-snapshot.amazonaws.com', AWS: 'arn:aws:iam::111122223333:root' },
      Action: ['s3:PutObject', 's3:DeleteObject'],
      Resource: 'arn:aws:s3:::my-bucket/*',
      Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } },
    };

    // Act
    const merged = mergePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [narrow] }), ours);

    // Assert
    const [widened] = merged.document.Statement;
    expect(merged.changed).toBe(true);
    expect(widened?.Condition).toEqual(narrow.Condition);
    expect(widened?.Principal).toEqual(narrow.Principal);
    expect(widened?.Action).toEqual(expect.arrayContaining(['s3:DeleteObject', ...(ours.Action as string[])]));
    expect(widened?.Resource).toEqual(['arn:aws:s3:::my-bucket/*', 'arn:aws:s3:::my-bucket']);
  });

  it('changes nothing when its statement is there already', () => {
    // Act
    const merged = mergePolicy(JSON.stringify({ Version: '2012-10-17', Statement: [ours] }), ours);

    // Assert
    expect(merged.changed).toBe(false);
  });

  it('refuses to touch a policy that is not JSON, or a Deny under its Sid', () => {
    // Assert
    expect(() => mergePolicy('{not json', ours)).toThrow('The bucket policy is not JSON');
    expect(() =>
      mergePolicy(
        JSON.stringify({ Statement: [{ Sid: STATEMENT_SID, Effect: 'Deny', Principal: '*', Action: 's3:*' }] }),
        ours,
      ),
    ).toThrow('is a Deny; it is left as it is');
  });
});

describe('mergeGrants', () => {
  const owner = { Grantee: { Type: 'CanonicalUser', ID: 'owner-id' }, Permission: 'FULL_CONTROL' };

  it("adds READ, WRITE and READ_ACP for ElastiCache and keeps the owner's FULL_CONTROL and every other grant", () => {
    // Arrange
    const logDelivery = {
      Grantee: { Type: 'Group', URI: 'http://acs.amazonaws.com/groups/s3/LogDelivery' },
      Permission: 'WRITE',
    };

    // Act
    const merged = mergeGrants([owner, logDelivery], 'us-east-1');

    // Assert
    const elastiCache = { Type: 'CanonicalUser', ID: ELASTICACHE_CANONICAL_USER_ID };
    expect(merged).toEqual({
      grants: [
        owner,
        logDelivery,
        { Grantee: elastiCache, Permission: 'READ' },
        { Grantee: elastiCache, Permission: 'WRITE' },
        { Grantee: elastiCache, Permission: 'READ_ACP' },
      ],
      added: ['READ', 'WRITE', 'READ_ACP'],
    });
  });

  it("adds only what is missing, to GovCloud's own canonical ID, and nothing when ElastiCache has FULL_CONTROL", () => {
    // Arrange
    const read = { Grantee: { Type: 'CanonicalUser', ID: ELASTICACHE_GOVCLOUD_CANONICAL_USER_ID }, Permission: 'READ' };
    const full = { Grantee: { Type: 'CanonicalUser', ID: ELASTICACHE_CANONICAL_USER_ID }, Permission: 'FULL_CONTROL' };

    // Act
    const gov = mergeGrants([owner, read], 'us-gov-west-1');
    const covered = mergeGrants([owner, full], 'eu-west-1');

    // Assert
    expect(gov.added).toEqual(['WRITE', 'READ_ACP']);
    expect(gov.grants.slice(2).map((grant) => grant.Grantee?.ID)).toEqual([
      ELASTICACHE_GOVCLOUD_CANONICAL_USER_ID,
      ELASTICACHE_GOVCLOUD_CANONICAL_USER_ID,
    ]);
    expect(covered).toEqual({ grants: [owner, full], added: [] });
  });
});

describe('prepare-bucket without --apply', () => {
  it('prints the statement and the put-bucket-policy command for the bucket and Region, calling nothing', async () => {
    // Act: no endpoint is reachable here; nothing may be called.
    const result = await runCli(['prepare-bucket', 'my-exports', '--region', 'eu-west-1'], { env: {} });

    // Assert
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('service principal eu-west-1.elasticache-snapshot.amazonaws.com');
    expect(result.stdout).toContain(`  "Sid": "${STATEMENT_SID}",`);
    expect(result.stdout).toContain(
      `aws s3api put-bucket-policy \\\n  --bucket my-exports \\\n  --region eu-west-1 \\\n  --policy '${JSON.stringify({ Version: '2012-10-17', Statement: [exportStatement('my-exports', 'eu-west-1')] })}'`,
    );
    expect(result.stdout).toContain('--create-bucket-configuration LocationConstraint=eu-west-1');
    expect(result.stdout).toContain('elasticache-export prepare-bucket my-exports --region eu-west-1 --apply');
  });

  it("prints the README's ACL commands with ElastiCache's canonical ID and the owner's full control given again", async () => {
    // Arrange
    const readme = readmeBlock('acl');

    // Act
    const result = await runCli(['--json', 'prepare-bucket', 'my-exports', '--region', 'us-east-1', '--acl'], {
      env: {},
    });

    // Assert
    expect(result.code).toBe(0);
    const plan = jsonOf<{ commands: string[]; objectOwnership: string }>(result);
    expect(readme).toContain(`ObjectOwnership=${plan.objectOwnership}`);
    expect(plan.objectOwnership).toBe(ACL_OBJECT_OWNERSHIP);
    expect(readme).toContain(`ELASTICACHE=id=${ELASTICACHE_CANONICAL_USER_ID}`);
    expect(plan.commands).toEqual([
      `aws s3api put-bucket-ownership-controls \\\n  --bucket my-exports \\\n  --region us-east-1 \\\n  --ownership-controls 'Rules=[{ObjectOwnership=${ACL_OBJECT_OWNERSHIP}}]'`,
      'OWNER=$(aws s3api get-bucket-acl --bucket my-exports --region us-east-1 --query Owner.ID --output text)',
      [
        'aws s3api put-bucket-acl \\',
        '  --bucket my-exports \\',
        '  --region us-east-1 \\',
        '  --grant-full-control id="$OWNER" \\',
        `  --grant-read id=${ELASTICACHE_CANONICAL_USER_ID} \\`,
        `  --grant-write id=${ELASTICACHE_CANONICAL_USER_ID} \\`,
        `  --grant-read-acp id=${ELASTICACHE_CANONICAL_USER_ID}`,
      ].join('\n'),
    ]);
  });

  it('refuses --acl in an opt-in Region, where only a bucket policy counts (exit 2)', async () => {
    // Act
    const result = await runCli(['prepare-bucket', 'my-exports', '--region', 'ap-east-1', '--acl'], { env: {} });

    // Assert
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'ap-east-1 is an opt-in Region: ElastiCache exports there only through a bucket policy',
    );
  });
});
