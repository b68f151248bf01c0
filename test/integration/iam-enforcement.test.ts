// The local stack holds each function to its packaged role: a call the role denies is refused with the error the
// service returns for it, and the export ends the way it would on AWS. First the seed doc's permission error from a
// real missing permission (serverless.yml with startExport's CopySnapshot statement deleted, packaged), then one
// statement taken away from the derived roles per service, on one stack. A person's calls are never limited.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DescribeSnapshotsCommand } from '@aws-sdk/client-elasticache';
import { isMap, isSeq, parseDocument } from 'yaml';
import {
  type DerivedRoles,
  deriveRoles,
  type RecordedCall,
  roleStatements,
  withoutStatement,
} from '../../local/aws/iam/index';
import type { Notification, StackHarness } from './stack-harness';
import { startStackHarness } from './stack-harness';

const SOURCE_SNAPSHOT = 'demo-cache-snapshot';
const SEED_MESSAGE = 'The authenticated user does not have sufficient permissions to perform the desired activity.';
const SEED_SOLUTION = 'Contact your system administrator to get the needed permissions.';

/** serverless.yml in a packaged copy of the service, with the startExport role's CopySnapshot statement deleted. */
const deleteCopySnapshotStatement = (serviceDir: string): void => {
  const file = path.join(serviceDir, 'serverless.yml');
  const document = parseDocument(readFileSync(file, 'utf8'));
  // resources is a list: the fixed resources first, then the schedules' (serverless.yml).
  const statements = document.getIn([
    'resources',
    0,
    'Resources',
    'StartExportRole',
    'Properties',
    'Policies',
    0,
    'PolicyDocument',
    'Statement',
  ]);
  if (!isSeq(statements)) throw new Error('serverless.yml: StartExportRole has no statement list');
  const index = statements.items.findIndex(
    (item) => isMap(item) && JSON.stringify(item.toJSON()).includes('elasticache:CopySnapshot'),
  );
  if (index === -1) throw new Error('serverless.yml: StartExportRole grants no elasticache:CopySnapshot');
  statements.items.splice(index, 1);
  writeFileSync(file, document.toString());
};

/** The id of the one statement of a function's role (or the state machine's) that grants `action`. */
const statementGranting = (roles: DerivedRoles, principal: string, action: string): string => {
  const role = principal.startsWith('stateMachine:')
    ? roles.stateMachines[principal.slice('stateMachine:'.length)]
    : roles.functions[principal];
  if (!role) throw new Error(`No principal ${principal}`);
  const found = roleStatements(role).filter(({ statement }) => JSON.stringify(statement.Action).includes(action));
  if (found.length !== 1 || !found[0]) throw new Error(`${principal}: ${found.length} statements grant ${action}`);
  return found[0].id;
};

const structured = (notification: Notification | undefined): { default?: string } =>
  JSON.parse(notification?.message ?? '{}') as { default?: string };

// One stack for the file: the handlers keep the SDK clients of the first stack of the process (local/start.ts).
let harness: StackHarness;
let packaged: DerivedRoles;
/** The roles of serverless.yml without startExport's CopySnapshot statement, packaged. */
let withoutCopySnapshot: DerivedRoles;

beforeAll(async () => {
  harness = await startStackHarness();
  const iam = harness.stack.iam;
  if (!iam) throw new Error('The stack runs with LOCAL_IAM=off');
  packaged = iam.roles;
  withoutCopySnapshot = await deriveRoles({
    stage: 'local',
    region: harness.stack.config.region,
    accountId: harness.stack.config.accountId,
    env: { ALLOWED_TARGET_BUCKETS: harness.stack.config.allowedTargetBuckets.join(',') },
    edit: deleteCopySnapshotStatement,
  });
}, 60_000);

afterEach(async () => {
  // The safety net reports each failed export after it ends, with the roles the case set: let it finish first.
  await harness.safetyNetIdle();
  harness.stack.iam?.useRoles(packaged);
  harness.stack.iam?.clearCalls();
});

afterAll(async () => {
  await harness?.stop();
});

describe('the seed doc permission error, from a permission serverless.yml does not grant', () => {
  it('fails the export with InsufficientPermissions, the seed message and its Solution, notified once', async () => {
    // Arrange
    harness.stack.iam?.useRoles(withoutCopySnapshot);

    // Act
    const accepted = await harness.postExport({
      sourceSnapshotName: SOURCE_SNAPSHOT,
      targetSnapshotName: 'no-copy-grant',
    });
    const { final } = await harness.followExport(accepted.body.exportId);
    const notifications = await harness.notificationsFor(accepted.body.exportId);

    // Assert
    expect(final.status).toBe('FAILED');
    expect(final.outcome?.error).toMatchObject({
      code: 'InsufficientPermissions',
      message: SEED_MESSAGE,
      solution: SEED_SOLUTION,
      awsErrorCode: 'AccessDenied',
      requestId: expect.any(String),
    });
    expect(notifications).toHaveLength(1);
    expect(structured(notifications[0]).default).toContain(SEED_SOLUTION);
    expect(harness.stack.iam?.calls()).toContainEqual(
      expect.objectContaining({ principal: 'startExport', action: 'elasticache:CopySnapshot', allowed: false }),
    );
  });
});

describe('a call the role denies, refused as each service refuses it', () => {
  /** Takes the statement granting `action` away from `principal`, then requests an export and follows it. */
  const exportWithout = async (principal: string, action: string, targetSnapshotName: string) => {
    harness.stack.iam?.useRoles(withoutStatement(packaged, statementGranting(packaged, principal, action)));
    const accepted = await harness.postExport({ sourceSnapshotName: SOURCE_SNAPSHOT, targetSnapshotName });
    const followed = accepted.status === 202 ? await harness.followExport(accepted.body.exportId) : undefined;
    const denied = (harness.stack.iam?.calls() ?? []).filter((call: RecordedCall) => !call.allowed);
    return { accepted, final: followed?.final, denied };
  };

  it("refuses CopySnapshot's caller S3 permissions with the guide's message (ElastiCache, InvalidParameterValue)", async () => {
    // Act
    const { final, denied } = await exportWithout('startExport', 's3:PutObject', 'no-object-grant');

    // Assert
    expect(final?.outcome?.error).toMatchObject({
      code: 'CallerS3AccessNotValidated',
      message: 'Elasticache was unable to validate the authenticated user has access on the S3 bucket.',
      awsErrorCode: 'InvalidParameterValue',
    });
    expect(denied.map((call) => [call.principal, call.operation, call.action])).toContainEqual([
      'startExport',
      'CopySnapshot',
      's3:PutObject',
    ]);
  });

  it("refuses DescribeSnapshots with AccessDenied and IAM's message (ElastiCache)", async () => {
    // Act
    const { final } = await exportWithout('validateExport', 'elasticache:DescribeSnapshots', 'no-describe-grant');

    // Assert
    expect(final?.outcome?.error?.code).toBe('AccessDenied');
    expect(final?.outcome?.error?.awsErrorCode).toBe('AccessDenied');
    expect(final?.outcome?.error?.message).toMatch(
      /^User: arn:aws:sts::000000000000:assumed-role\/ValidateExportRole\/elasticache-snapshot-export-local-validateExport is not authorized to perform: elasticache:DescribeSnapshots on resource: arn:aws:elasticache:us-east-1:000000000000:snapshot:demo-cache-snapshot because no identity-based policy allows the elasticache:DescribeSnapshots action/,
    );
  });

  it('refuses ListBuckets with AccessDenied 403 (S3)', async () => {
    // Act
    const { final } = await exportWithout('validateExport', 's3:ListAllMyBuckets', 'no-list-grant');

    // Assert
    expect(final?.outcome?.error?.awsErrorCode).toBe('AccessDenied');
    expect(final?.outcome?.error?.message).toContain(
      'is not authorized to perform: s3:ListAllMyBuckets on resource: "*"',
    );
  });

  it('refuses Publish with AuthorizationError (SNS): the workflow fails, and the safety net (its own role) reports the verified export', async () => {
    // Act
    const { accepted, final, denied } = await exportWithout('publishOutcome', 'sns:Publish', 'no-publish-grant');
    await harness.safetyNetIdle();
    const notifications = await harness.notificationsFor(accepted.body.exportId);

    // Assert
    expect(final?.status).toBe('FAILED');
    expect(denied.map((call) => call.action)).toContain('sns:Publish');
    expect(notifications.map((notification) => notification.messageAttributes.status?.StringValue)).toEqual([
      'SUCCEEDED',
    ]);
    expect(notifications[0]?.message).toContain('The export itself succeeded and was verified');
  });

  it('refuses StartExecution with AccessDeniedException (Step Functions): POST /exports answers 500', async () => {
    // Act
    const { accepted, denied } = await exportWithout('requestExport', 'states:StartExecution', 'no-start-grant');

    // Assert
    expect(accepted.status).toBe(500);
    expect(accepted.body.error?.code).toBe('InternalError');
    expect(denied.map((call) => call.action)).toEqual(['states:StartExecution']);
  });

  it("fails the Task when the state machine's role may not invoke the function (Lambda.AWSLambdaException)", async () => {
    // Act
    const { final, denied } = await exportWithout(
      'stateMachine:exportSnapshot-local',
      'lambda:InvokeFunction',
      'no-invoke',
    );

    // Assert: the whole statement is gone, so no task runs and PublishFailure cannot run either; the safety net,
    // outside the state machine, still reports it.
    await harness.safetyNetIdle();
    expect(final?.status).toBe('FAILED');
    expect(
      (await harness.notificationsFor(final?.exportId ?? '')).map((n) => n.messageAttributes.errorCode?.StringValue),
    ).toHaveLength(1);
    expect(denied[0]).toMatchObject({
      principal: 'stateMachine:exportSnapshot-local',
      action: 'lambda:InvokeFunction',
    });
  });

  it("never limits a person's own calls, whatever the roles say", async () => {
    // Arrange: startExport and validateExport lose DescribeSnapshots.
    harness.stack.iam?.useRoles(
      withoutStatement(
        withoutStatement(packaged, statementGranting(packaged, 'validateExport', 'elasticache:DescribeSnapshots')),
        statementGranting(packaged, 'startExport', 'elasticache:DescribeSnapshots'),
      ),
    );

    // Act
    const { Snapshots } = await harness
      .elastiCache()
      .send(new DescribeSnapshotsCommand({ SnapshotName: SOURCE_SNAPSHOT }));

    // Assert
    expect(Snapshots?.[0]?.SnapshotName).toBe(SOURCE_SNAPSHOT);
    expect(harness.stack.iam?.calls()).toEqual([]);
  });
});
