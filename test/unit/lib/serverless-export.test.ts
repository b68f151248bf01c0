// The serverless slice of an export (issue 10): the request field, the ElastiCache adapter's serverless calls, the
// checks ValidateExport and the dry run make, StartExport's ExportServerlessCacheSnapshot and CheckExport's polling.
import {
  DescribeServerlessCacheSnapshotsCommand,
  DescribeSnapshotsCommand,
  ElastiCacheClient,
  ExportServerlessCacheSnapshotCommand,
  InvalidServerlessCacheSnapshotStateFault,
  type ServerlessCacheSnapshot,
  ServerlessCacheSnapshotNotFoundFault,
  ServiceLinkedRoleNotFoundFault,
} from '@aws-sdk/client-elasticache';
import {
  type BucketLocationConstraint,
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  type Grant,
  ListBucketsCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { checkExport as checkExportState } from '../../../handlers/check-export';
import {
  exportServerlessSnapshotToBucket,
  findServerlessSnapshot,
  toServerlessSnapshotSummary,
} from '../../../handlers/lib/aws/elasticache';
import { ELASTICACHE_CANONICAL_USER_ID } from '../../../handlers/lib/bucket-access';
import { type ExportRequest, type ExportState, normalizeExportRequest } from '../../../handlers/lib/contracts';
import { catalogueEntryFor } from '../../../handlers/lib/error-catalogue';
import { ExportRejectedError, InvalidRequestError } from '../../../handlers/lib/errors';
import { checkExport, type ExportCheckResult } from '../../../handlers/lib/export-checks';
import { describedRequest } from '../../../handlers/lib/exports-api';
import { exportIdFor, serverlessExportKeys } from '../../../handlers/lib/naming';
import { startExport } from '../../../handlers/start-export';
import { exportState, pollState } from '../../support/builders';
import { rejectionOf } from '../../support/rejection';

const elastiCacheMock = mockClient(ElastiCacheClient);
const s3Mock = mockClient(S3Client);

const BUCKET = 'exports-bucket';
const SNAPSHOT = 'orders-sls-snapshot';
const NOW = new Date('2026-11-25T03:10:00.000Z');

const serverlessSnapshot = (overrides: Partial<ServerlessCacheSnapshot> = {}): ServerlessCacheSnapshot => ({
  ServerlessCacheSnapshotName: SNAPSHOT,
  Status: 'available',
  SnapshotType: 'manual',
  ServerlessCacheConfiguration: { ServerlessCacheName: 'orders-sls', Engine: 'valkey', MajorEngineVersion: '8' },
  ...overrides,
});

const givenServerlessSnapshot = (snapshot: ServerlessCacheSnapshot): void => {
  elastiCacheMock.on(DescribeServerlessCacheSnapshotsCommand).resolves({ ServerlessCacheSnapshots: [snapshot] });
};

const serverlessRequest = (overrides: Partial<ExportRequest> = {}): ExportRequest => ({
  serverlessCacheSnapshotName: SNAPSHOT,
  targetSnapshotName: SNAPSHOT,
  targetBucket: BUCKET,
  ...overrides,
});

const serverlessState = (overrides: Partial<ExportState> = {}): ExportState =>
  exportState({
    input: { serverlessCacheSnapshotName: SNAPSHOT, targetBucket: BUCKET },
    request: serverlessRequest(),
    sourceSnapshotName: SNAPSHOT,
    targetSnapshotName: SNAPSHOT,
    snapshot: { kind: 'serverless', snapshotName: SNAPSHOT, engine: 'valkey', numNodeGroups: 1 },
    ...overrides,
  });

const grant = (permission: Grant['Permission']): Grant => ({
  Grantee: { Type: 'CanonicalUser', ID: ELASTICACHE_CANONICAL_USER_ID },
  Permission: permission,
});

const givenUsableBucket = (objects: string[] = []): void => {
  s3Mock.on(ListBucketsCommand).resolves({ Buckets: [{ Name: BUCKET }] });
  s3Mock.on(GetBucketLocationCommand).resolves({ LocationConstraint: '' as BucketLocationConstraint });
  s3Mock
    .on(GetBucketOwnershipControlsCommand)
    .resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] } });
  s3Mock.on(GetBucketAclCommand).resolves({ Grants: [grant('READ'), grant('WRITE'), grant('READ_ACP')] });
  s3Mock.on(GetBucketPolicyCommand).rejects(
    new S3ServiceException({
      name: 'NoSuchBucketPolicy',
      $fault: 'client',
      message: 'none',
      $metadata: { httpStatusCode: 404 },
    }),
  );
  s3Mock.on(ListObjectsV2Command).resolves({ Contents: objects.map((key) => ({ Key: key, Size: 10 })) });
};

const checkDeps = () => ({
  elastiCache: new ElastiCacheClient({ maxAttempts: 1 }),
  s3: new S3Client({ maxAttempts: 1 }),
  allowedTargetBuckets: [BUCKET],
  region: 'us-east-1',
});

const codesOf = (result: ExportCheckResult): string[] =>
  result.problems.map(
    (problem) =>
      catalogueEntryFor({ errorName: 'ExportRejectedError', message: problem.message, details: problem.details }).code,
  );

beforeEach(() => {
  elastiCacheMock.reset();
  s3Mock.reset();
});

describe('serverlessCacheSnapshotName in a request', () => {
  it('names the export after the snapshot, lowercased, as ExportServerlessCacheSnapshot names its objects', () => {
    // Act
    const request = normalizeExportRequest(
      { serverlessCacheSnapshotName: 'Orders-SLS-Snapshot', targetBucket: BUCKET },
      { now: NOW },
    );

    // Assert
    expect(request).toEqual({
      serverlessCacheSnapshotName: 'Orders-SLS-Snapshot',
      targetSnapshotName: 'orders-sls-snapshot',
      targetBucket: BUCKET,
    });
    expect(exportIdFor(request.targetBucket, request.targetSnapshotName)).toMatch(
      /^orders-sls-snapshot-exports-bucket-/,
    );
  });

  it('accepts its own normalized form again, as ValidateExport reads the execution input', () => {
    // Arrange
    const first = normalizeExportRequest({ serverlessCacheSnapshotName: SNAPSHOT, targetBucket: BUCKET }, { now: NOW });

    // Act
    const again = normalizeExportRequest(first, { now: NOW, source: 'execution' });

    // Assert
    expect(again).toEqual(first);
  });

  it.each([
    [{ serverlessCacheSnapshotName: SNAPSHOT, sourceSnapshotName: 'nightly' }, '$'],
    [{ serverlessCacheSnapshotName: SNAPSHOT, freshSnapshot: true }, 'freshSnapshot'],
    [{ serverlessCacheSnapshotName: SNAPSHOT, targetSnapshotName: 'other-name' }, 'targetSnapshotName'],
  ])('refuses %j at %s', (body, path) => {
    // Act
    const error = (() => {
      try {
        normalizeExportRequest({ ...body, targetBucket: BUCKET }, { now: NOW });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();

    // Assert
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect((error as InvalidRequestError).issues.map((issue) => issue.path)).toContain(path);
  });

  it('is listed by GET /exports as a serverlessCacheSnapshot source', () => {
    // Act
    const described = describedRequest(
      JSON.stringify({ serverlessCacheSnapshotName: SNAPSHOT, targetSnapshotName: SNAPSHOT, targetBucket: BUCKET }),
    );

    // Assert
    expect(described.source).toEqual({ kind: 'serverlessCacheSnapshot', name: SNAPSHOT });
  });
});

describe('the ElastiCache adapter, serverless calls', () => {
  it('finds a serverless snapshot by name, whatever the case of the name', async () => {
    // Arrange
    elastiCacheMock
      .on(DescribeServerlessCacheSnapshotsCommand, { ServerlessCacheSnapshotName: 'Orders-SLS-Snapshot' })
      .resolves({ ServerlessCacheSnapshots: [serverlessSnapshot()] });

    // Act
    const found = await findServerlessSnapshot(new ElastiCacheClient({}), 'Orders-SLS-Snapshot');

    // Assert
    expect(found?.ServerlessCacheSnapshotName).toBe(SNAPSHOT);
  });

  it('answers undefined for ServerlessCacheSnapshotNotFoundFault', async () => {
    // Arrange
    elastiCacheMock
      .on(DescribeServerlessCacheSnapshotsCommand)
      .rejects(new ServerlessCacheSnapshotNotFoundFault({ message: 'gone', $metadata: {} }));

    // Act
    const found = await findServerlessSnapshot(new ElastiCacheClient({}), SNAPSHOT);

    // Assert
    expect(found).toBeUndefined();
  });

  it('sends ExportServerlessCacheSnapshot with the snapshot and the bucket', async () => {
    // Arrange
    elastiCacheMock.on(ExportServerlessCacheSnapshotCommand).resolves({});

    // Act
    await exportServerlessSnapshotToBucket(new ElastiCacheClient({}), { snapshotName: SNAPSHOT, targetBucket: BUCKET });

    // Assert
    expect(elastiCacheMock).toHaveReceivedCommandWith(ExportServerlessCacheSnapshotCommand, {
      ServerlessCacheSnapshotName: SNAPSHOT,
      S3BucketName: BUCKET,
    });
  });

  it('maps ServiceLinkedRoleNotFoundFault to its catalogue entry', async () => {
    // Arrange
    elastiCacheMock
      .on(ExportServerlessCacheSnapshotCommand)
      .rejects(new ServiceLinkedRoleNotFoundFault({ message: 'no role', $metadata: {} }));

    // Act
    const error = await rejectionOf(
      exportServerlessSnapshotToBucket(new ElastiCacheClient({}), { snapshotName: SNAPSHOT, targetBucket: BUCKET }),
    );

    // Assert
    expect(error).toBeInstanceOf(ExportRejectedError);
    const rejected = error as ExportRejectedError;
    expect(
      catalogueEntryFor({ errorName: rejected.name, message: rejected.message, details: rejected.details }).code,
    ).toBe('ServiceLinkedRoleNotFound');
  });

  it('describes a serverless snapshot as the state carries it', () => {
    // Act
    const summary = toServerlessSnapshotSummary(serverlessSnapshot());

    // Assert
    expect(summary).toEqual({
      kind: 'serverless',
      snapshotName: SNAPSHOT,
      engine: 'valkey',
      engineVersion: '8',
      serverlessCacheName: 'orders-sls',
      numNodeGroups: 1,
    });
  });
});

describe('checkExport (export-checks) for a serverless snapshot', () => {
  it('finds no problem with an available valkey snapshot and a prepared bucket', async () => {
    // Arrange
    givenServerlessSnapshot(serverlessSnapshot());
    givenUsableBucket();

    // Act
    const result = await checkExport(serverlessRequest(), checkDeps(), { exportId: 'x' });

    // Assert
    expect(result.problems).toEqual([]);
    expect(result.summary).toMatchObject({ kind: 'serverless', snapshotName: SNAPSHOT });
    expect(elastiCacheMock).not.toHaveReceivedCommand(DescribeSnapshotsCommand);
  });

  it('reports an unknown snapshot as ServerlessSnapshotNotFound, and still checks the bucket', async () => {
    // Arrange
    elastiCacheMock
      .on(DescribeServerlessCacheSnapshotsCommand)
      .rejects(new ServerlessCacheSnapshotNotFoundFault({ message: 'gone', $metadata: {} }));
    givenUsableBucket();

    // Act
    const result = await checkExport(serverlessRequest(), checkDeps(), { exportId: 'x' });

    // Assert
    expect(codesOf(result)).toEqual(['ServerlessSnapshotNotFound']);
  });

  it('reports a snapshot that is not available, and a memcached one, with their entries', async () => {
    // Arrange
    givenServerlessSnapshot(
      serverlessSnapshot({
        Status: 'creating',
        ServerlessCacheConfiguration: { ServerlessCacheName: 'sessions', Engine: 'memcached' },
      }),
    );
    givenUsableBucket();

    // Act
    const result = await checkExport(serverlessRequest(), checkDeps(), { exportId: 'x' });

    // Assert
    expect(codesOf(result)).toEqual(['UnsupportedEngine', 'InvalidServerlessCacheSnapshotState']);
  });

  it('finds the keys the serverless export will write already taken', async () => {
    // Arrange
    givenServerlessSnapshot(serverlessSnapshot());
    givenUsableBucket(serverlessExportKeys(SNAPSHOT));

    // Act
    const result = await checkExport(serverlessRequest(), checkDeps(), { exportId: 'x' });

    // Assert
    expect(codesOf(result)).toEqual(['S3ObjectAlreadyExists']);
  });
});

describe('StartExport and CheckExport for a serverless snapshot', () => {
  // The objects' bytes are verified in test/unit/lib/export-verification.test.ts and test/integration/export-verification.test.ts; here only presence and size.
  const taskDeps = () => ({
    elastiCache: new ElastiCacheClient({}),
    s3: new S3Client({}),
    now: () => NOW,
    verifyMode: 'off' as const,
  });

  it('starts ExportServerlessCacheSnapshot, not CopySnapshot', async () => {
    // Arrange
    elastiCacheMock.on(ExportServerlessCacheSnapshotCommand).resolves({});

    // Act
    await startExport(serverlessState(), taskDeps());

    // Assert
    expect(elastiCacheMock).toHaveReceivedCommandWith(ExportServerlessCacheSnapshotCommand, {
      ServerlessCacheSnapshotName: SNAPSHOT,
      S3BucketName: BUCKET,
    });
  });

  it('resumes polling when a retry finds the snapshot already exporting', async () => {
    // Arrange
    elastiCacheMock
      .on(ExportServerlessCacheSnapshotCommand)
      .rejects(new InvalidServerlessCacheSnapshotStateFault({ message: 'not available', $metadata: {} }));
    givenServerlessSnapshot(serverlessSnapshot({ Status: 'exporting' }));

    // Act
    const result = await startExport(serverlessState(), taskDeps(), 1);

    // Assert
    expect(result.snapshot.kind).toBe('serverless');
  });

  it('fails a first attempt that finds the snapshot exported by another request', async () => {
    // Arrange
    elastiCacheMock
      .on(ExportServerlessCacheSnapshotCommand)
      .rejects(new InvalidServerlessCacheSnapshotStateFault({ message: 'not available', $metadata: {} }));
    givenServerlessSnapshot(serverlessSnapshot({ Status: 'exporting' }));

    // Act
    const error = await rejectionOf(startExport(serverlessState(), taskDeps(), 0));

    // Assert
    expect((error as ExportRejectedError).details.code).toBe('SnapshotBusy');
  });

  it('keeps polling while the serverless snapshot is exporting', async () => {
    // Arrange
    givenServerlessSnapshot(serverlessSnapshot({ Status: 'exporting' }));

    // Act
    const result = await checkExportState(serverlessState(), taskDeps());

    // Assert
    expect(result.poll.status).toBe('exporting');
    expect(elastiCacheMock).not.toHaveReceivedCommand(DescribeSnapshotsCommand);
  });

  it('verifies the objects once the serverless snapshot is available again', async () => {
    // Arrange
    givenServerlessSnapshot(serverlessSnapshot());
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: `${SNAPSHOT}-0001.rdb`, Size: 42 }] });

    // Act
    const result = await checkExportState(serverlessState({ poll: pollState() }), taskDeps());

    // Assert
    expect(result.poll.status).toBe('exported');
    expect(result.objects).toEqual([{ key: `${SNAPSHOT}-0001.rdb`, size: 42 }]);
  });
});
