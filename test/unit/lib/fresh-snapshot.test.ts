import {
  CacheClusterNotFoundFault,
  CreateSnapshotCommand,
  DeleteSnapshotCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  ElastiCacheClient,
  ElastiCacheServiceException,
  InvalidCacheClusterStateFault,
  InvalidReplicationGroupStateFault,
  InvalidSnapshotStateFault,
  type ReplicationGroup,
  ReplicationGroupNotFoundFault,
  type Snapshot,
  SnapshotAlreadyExistsFault,
  SnapshotNotFoundFault,
  SnapshotQuotaExceededFault,
} from '@aws-sdk/client-elasticache';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  type ExecutionStatus,
  SFNClient,
  SFNServiceException,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import type { ExportRequest, ExportState } from '../../../handlers/lib/contracts';
import { AwsThrottledError, ExportRejectedError } from '../../../handlers/lib/errors';
import { checkFreshSource } from '../../../handlers/lib/fresh-snapshot';
import { type TakeSnapshotDeps, takeFreshSnapshot } from '../../../handlers/lib/take-snapshot';
import { exportState, pollState } from '../../support/builders';
import { rejectionOf } from '../../support/rejection';

const elastiCacheMock = mockClient(ElastiCacheClient);
const sfnMock = mockClient(SFNClient);

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:exportSnapshot-test';
const EXPORT_ID = 'nightly-20261125-023000-exports-bucket-0123456789ab';
const FRESH_NAME = `export-${EXPORT_ID}`;
const OTHER_ID = 'nightly-20261124-023000-exports-bucket-ba9876543210';
const LEFTOVER = `export-${OTHER_ID}`;
const executionArnOf = (exportId: string): string =>
  `arn:aws:states:us-east-1:123456789012:execution:exportSnapshot-test:${exportId}`;

// maxAttempts 1: the SDK's own retries would only slow the error tests down.
const deps = (): TakeSnapshotDeps => ({
  elastiCache: new ElastiCacheClient({ maxAttempts: 1 }),
  sfn: new SFNClient({ maxAttempts: 1 }),
  stateMachineArn: STATE_MACHINE_ARN,
});

const groupRequest = (overrides: Partial<ExportRequest> = {}): ExportRequest => ({
  replicationGroupId: 'orders',
  targetSnapshotName: 'nightly-20261125-023000',
  targetBucket: 'exports-bucket',
  freshSnapshot: true,
  ...overrides,
});

const clusterRequest = (): ExportRequest => ({
  cacheClusterId: 'sessions-001',
  targetSnapshotName: 'nightly-20261125-023000',
  targetBucket: 'exports-bucket',
  freshSnapshot: true,
});

/** The state ValidateExport hands CreateSnapshot for a fresh snapshot of `request`'s source. */
const freshState = (request: ExportRequest = groupRequest()): ExportState =>
  exportState({
    exportId: EXPORT_ID,
    input: request,
    request,
    sourceSnapshotName: FRESH_NAME,
    targetSnapshotName: request.targetSnapshotName,
    poll: pollState({ status: 'snapshotting' }),
    fresh: { snapshotName: FRESH_NAME, keep: false },
  });

const snapshot = (overrides: Partial<Snapshot> = {}): Snapshot => ({
  SnapshotName: LEFTOVER,
  ReplicationGroupId: 'orders',
  SnapshotSource: 'manual',
  SnapshotStatus: 'available',
  Engine: 'redis',
  ...overrides,
});

/** The snapshots DescribeSnapshots lists for the group (the leftover sweep's candidates). */
const groupSnapshots = (snapshots: Snapshot[]) =>
  elastiCacheMock.on(DescribeSnapshotsCommand, { ReplicationGroupId: 'orders' }).resolves({ Snapshots: snapshots });

const endedExecution = (status: ExecutionStatus, input: Record<string, unknown>) =>
  sfnMock.on(DescribeExecutionCommand, { executionArn: executionArnOf(OTHER_ID) }).resolves({
    executionArn: executionArnOf(OTHER_ID),
    stateMachineArn: STATE_MACHINE_ARN,
    name: OTHER_ID,
    status,
    startDate: new Date('2026-11-24T02:30:02.000Z'),
    input: JSON.stringify(input),
  });

const leftoverInput = (overrides: Record<string, unknown> = {}) => ({
  replicationGroupId: 'orders',
  targetSnapshotName: 'nightly-20261124-023000',
  targetBucket: 'exports-bucket',
  freshSnapshot: true,
  ...overrides,
});

const throttled = () =>
  new ElastiCacheServiceException({
    name: 'Throttling',
    $fault: 'client',
    message: 'Rate exceeded',
    $metadata: { httpStatusCode: 400 },
  });

const alreadyExists = () =>
  new SnapshotAlreadyExistsFault({
    message: `Snapshot ${FRESH_NAME} already exists.`,
    $metadata: { httpStatusCode: 400, requestId: 'req-exists' },
  });

const available = (overrides: Partial<ReplicationGroup> = {}): ReplicationGroup => ({
  ReplicationGroupId: 'orders',
  Status: 'available',
  Engine: 'redis',
  NodeGroups: [{ NodeGroupId: '0001' }, { NodeGroupId: '0002' }, { NodeGroupId: '0003' }],
  ...overrides,
});

beforeEach(() => {
  elastiCacheMock.reset();
  sfnMock.reset();
  elastiCacheMock.on(CreateSnapshotCommand).resolves({ Snapshot: snapshot({ SnapshotName: FRESH_NAME }) });
  elastiCacheMock.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
  elastiCacheMock.on(DeleteSnapshotCommand).resolves({});
  sfnMock.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'none', $metadata: {} }));
});

describe('takeFreshSnapshot', () => {
  it('asks ElastiCache for a snapshot of the replication group under the export’s fresh name', async () => {
    // Act
    await takeFreshSnapshot(freshState(), deps());

    // Assert
    expect(elastiCacheMock).toHaveReceivedCommandTimes(CreateSnapshotCommand, 1);
    expect(elastiCacheMock).toHaveReceivedCommandWith(CreateSnapshotCommand, {
      SnapshotName: FRESH_NAME,
      ReplicationGroupId: 'orders',
    });
  });

  it('returns the state with the fresh snapshot marked created and nothing else changed', async () => {
    // Arrange
    const state = freshState();

    // Act
    const result = await takeFreshSnapshot(state, deps());

    // Assert
    expect(result).toStrictEqual({ ...state, fresh: { snapshotName: FRESH_NAME, keep: false, created: true } });
    expect(JSON.parse(JSON.stringify(result))).toStrictEqual(result);
  });

  it('asks for a snapshot of the cache cluster when the request names a cluster', async () => {
    // Act
    const result = await takeFreshSnapshot(freshState(clusterRequest()), deps());

    // Assert
    expect(elastiCacheMock).toHaveReceivedCommandWith(CreateSnapshotCommand, {
      SnapshotName: FRESH_NAME,
      CacheClusterId: 'sessions-001',
    });
    const sent = elastiCacheMock.commandCalls(CreateSnapshotCommand)[0]?.args[0].input;
    expect(sent).not.toHaveProperty('ReplicationGroupId');
    expect(result.fresh?.created).toBe(true);
  });

  it('returns a state without a fresh snapshot unchanged, without calling AWS', async () => {
    // Arrange
    const state = exportState();

    // Act
    const result = await takeFreshSnapshot(state, deps());

    // Assert
    expect(result).toBe(state);
    expect(elastiCacheMock.calls()).toHaveLength(0);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  describe('running twice', () => {
    it('resumes when the snapshot of that name is of the same group (an earlier attempt’s)', async () => {
      // Arrange
      elastiCacheMock.on(CreateSnapshotCommand).rejects(alreadyExists());
      elastiCacheMock
        .on(DescribeSnapshotsCommand, { SnapshotName: FRESH_NAME })
        .resolves({ Snapshots: [snapshot({ SnapshotName: FRESH_NAME, SnapshotStatus: 'creating' })] });

      // Act
      const result = await takeFreshSnapshot(freshState(), deps());

      // Assert
      expect(result.fresh).toStrictEqual({ snapshotName: FRESH_NAME, keep: false, created: true });
    });

    it('resumes when the snapshot of that name is of the same cluster', async () => {
      // Arrange
      elastiCacheMock.on(CreateSnapshotCommand).rejects(alreadyExists());
      elastiCacheMock.on(DescribeSnapshotsCommand, { SnapshotName: FRESH_NAME }).resolves({
        Snapshots: [
          snapshot({ SnapshotName: FRESH_NAME, ReplicationGroupId: undefined, CacheClusterId: 'sessions-001' }),
        ],
      });

      // Act
      const result = await takeFreshSnapshot(freshState(clusterRequest()), deps());

      // Assert
      expect(result.fresh?.created).toBe(true);
    });

    it('fails when the snapshot of that name is of another group', async () => {
      // Arrange
      elastiCacheMock.on(CreateSnapshotCommand).rejects(alreadyExists());
      elastiCacheMock
        .on(DescribeSnapshotsCommand, { SnapshotName: FRESH_NAME })
        .resolves({ Snapshots: [snapshot({ SnapshotName: FRESH_NAME, ReplicationGroupId: 'billing' })] });

      // Act
      const error = await rejectionOf(takeFreshSnapshot(freshState(), deps()));

      // Assert
      expect(error).toBeInstanceOf(ExportRejectedError);
      expect(error).toMatchObject({ details: { awsErrorCode: 'SnapshotAlreadyExistsFault', requestId: 'req-exists' } });
    });

    it('fails when ElastiCache says the name exists but then finds no snapshot of it', async () => {
      // Arrange
      elastiCacheMock.on(CreateSnapshotCommand).rejects(alreadyExists());
      elastiCacheMock
        .on(DescribeSnapshotsCommand, { SnapshotName: FRESH_NAME })
        .rejects(new SnapshotNotFoundFault({ message: 'gone', $metadata: {} }));

      // Act
      const result = takeFreshSnapshot(freshState(), deps());

      // Assert
      await expect(result).rejects.toBeInstanceOf(ExportRejectedError);
    });
  });

  describe('refusals', () => {
    it('explains a busy replication group as SourceBusy, keeping ElastiCache’s code', async () => {
      // Arrange
      elastiCacheMock.on(CreateSnapshotCommand).rejects(
        new InvalidReplicationGroupStateFault({
          message: 'Replication group orders is not in available state.',
          $metadata: { httpStatusCode: 400, requestId: 'req-busy' },
        }),
      );

      // Act
      const error = await rejectionOf(takeFreshSnapshot(freshState(), deps()));

      // Assert
      expect(error).toBeInstanceOf(ExportRejectedError);
      expect(error).toMatchObject({
        details: { code: 'SourceBusy', awsErrorCode: 'InvalidReplicationGroupStateFault', requestId: 'req-busy' },
      });
      expect((error as Error).message).toContain('replication group orders');
    });

    it('explains a busy cache cluster as SourceBusy', async () => {
      // Arrange
      elastiCacheMock.on(CreateSnapshotCommand).rejects(
        new InvalidCacheClusterStateFault({
          message: 'Cache cluster sessions-001 is snapshotting.',
          $metadata: { httpStatusCode: 400 },
        }),
      );

      // Act
      const error = await rejectionOf(takeFreshSnapshot(freshState(clusterRequest()), deps()));

      // Assert
      expect(error).toMatchObject({ details: { code: 'SourceBusy' } });
    });

    it('explains the snapshot quota as FreshSnapshotQuotaExceeded', async () => {
      // Arrange
      elastiCacheMock.on(CreateSnapshotCommand).rejects(
        new SnapshotQuotaExceededFault({
          message: 'You have reached the maximum number of snapshots.',
          $metadata: { httpStatusCode: 400 },
        }),
      );

      // Act
      const error = await rejectionOf(takeFreshSnapshot(freshState(), deps()));

      // Assert
      expect(error).toBeInstanceOf(ExportRejectedError);
      expect(error).toMatchObject({
        details: { code: 'FreshSnapshotQuotaExceeded', awsErrorCode: 'SnapshotQuotaExceededFault' },
      });
      expect((error as Error).message).toContain(FRESH_NAME);
    });

    it('throws throttling as AwsThrottledError so that the state machine retries the task', async () => {
      // Arrange
      elastiCacheMock.on(CreateSnapshotCommand).rejects(throttled());

      // Act
      const result = takeFreshSnapshot(freshState(), deps());

      // Assert
      await expect(result).rejects.toBeInstanceOf(AwsThrottledError);
    });
  });

  describe('leftovers of earlier runs', () => {
    it('deletes an available fresh snapshot of the group whose export ended without asking to keep it', async () => {
      // Arrange
      groupSnapshots([snapshot({ SnapshotName: FRESH_NAME, SnapshotStatus: 'creating' }), snapshot()]);
      endedExecution('SUCCEEDED', leftoverInput());

      // Act
      const result = await takeFreshSnapshot(freshState(), deps());

      // Assert
      expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: executionArnOf(OTHER_ID) });
      expect(elastiCacheMock).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 1);
      expect(elastiCacheMock).toHaveReceivedCommandWith(DeleteSnapshotCommand, { SnapshotName: LEFTOVER });
      expect(result.fresh).toStrictEqual({
        snapshotName: FRESH_NAME,
        keep: false,
        created: true,
        leftoversDeleted: [LEFTOVER],
      });
    });

    it('looks for leftovers among the snapshots of the request’s own source', async () => {
      // Act
      await takeFreshSnapshot(freshState(), deps());

      // Assert
      expect(elastiCacheMock).toHaveReceivedCommandWith(DescribeSnapshotsCommand, { ReplicationGroupId: 'orders' });
    });

    it.each<ExecutionStatus>(['FAILED', 'ABORTED', 'TIMED_OUT'])(
      'deletes the leftover of an export that ended %s',
      async (status) => {
        // Arrange
        groupSnapshots([snapshot()]);
        endedExecution(status, leftoverInput());

        // Act
        const result = await takeFreshSnapshot(freshState(), deps());

        // Assert
        expect(result.fresh?.leftoversDeleted).toEqual([LEFTOVER]);
      },
    );

    it.each([
      ['its export is still running', () => endedExecution('RUNNING', leftoverInput())],
      ['its export waits to be redriven', () => endedExecution('PENDING_REDRIVE', leftoverInput())],
      ['its export asked to keep it', () => endedExecution('SUCCEEDED', leftoverInput({ keepSnapshot: true }))],
      ['its export did not ask for a fresh snapshot', () => endedExecution('SUCCEEDED', { sourceSnapshotName: 'x' })],
      ['this stack has no execution of that name', () => undefined],
    ])('leaves a fresh-named snapshot alone when %s', async (_why, arrangeExecution) => {
      // Arrange
      groupSnapshots([snapshot()]);
      arrangeExecution();

      // Act
      const result = await takeFreshSnapshot(freshState(), deps());

      // Assert
      expect(elastiCacheMock).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 0);
      expect(result.fresh).not.toHaveProperty('leftoversDeleted');
    });

    it.each([
      ['automatic', snapshot({ SnapshotSource: 'automatic' })],
      ['still creating', snapshot({ SnapshotStatus: 'creating' })],
      ['not named by this service', snapshot({ SnapshotName: 'orders-before-upgrade' })],
    ])('does not consider a snapshot that is %s', async (_what, candidate) => {
      // Arrange
      groupSnapshots([candidate]);
      endedExecution('SUCCEEDED', leftoverInput());

      // Act
      await takeFreshSnapshot(freshState(), deps());

      // Assert
      expect(sfnMock).toHaveReceivedCommandTimes(DescribeExecutionCommand, 0);
      expect(elastiCacheMock).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 0);
    });

    it('never deletes the snapshot it has just asked for', async () => {
      // Arrange: an earlier attempt's snapshot, already available.
      elastiCacheMock.on(CreateSnapshotCommand).rejects(alreadyExists());
      elastiCacheMock
        .on(DescribeSnapshotsCommand, { SnapshotName: FRESH_NAME })
        .resolves({ Snapshots: [snapshot({ SnapshotName: FRESH_NAME })] });
      groupSnapshots([snapshot({ SnapshotName: FRESH_NAME })]);

      // Act
      await takeFreshSnapshot(freshState(), deps());

      // Assert
      expect(sfnMock).toHaveReceivedCommandTimes(DescribeExecutionCommand, 0);
      expect(elastiCacheMock).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 0);
    });

    it('finds a leftover behind more kept snapshots than it deletes in one run, oldest first', async () => {
      // Arrange: six kept snapshots taken before the leftover; each kept one's export asked to keep it.
      const kept = Array.from({ length: 6 }, (_, index) => `kept-${index}`);
      groupSnapshots([
        ...kept.map((id, index) =>
          snapshot({
            SnapshotName: `export-${id}`,
            NodeSnapshots: [{ SnapshotCreateTime: new Date(`2026-11-1${index}T00:00:00Z`) }],
          }),
        ),
        snapshot({ NodeSnapshots: [{ SnapshotCreateTime: new Date('2026-11-20T00:00:00Z') }] }),
      ]);
      for (const id of kept) {
        sfnMock.on(DescribeExecutionCommand, { executionArn: executionArnOf(id) }).resolves({
          executionArn: executionArnOf(id),
          stateMachineArn: STATE_MACHINE_ARN,
          name: id,
          status: 'SUCCEEDED',
          startDate: new Date('2026-11-10T00:00:00Z'),
          input: JSON.stringify(leftoverInput({ keepSnapshot: true })),
        });
      }
      endedExecution('SUCCEEDED', leftoverInput());

      // Act
      const result = await takeFreshSnapshot(freshState(), deps());

      // Assert
      expect(result.fresh?.leftoversDeleted).toEqual([LEFTOVER]);
      expect(elastiCacheMock).toHaveReceivedCommandWith(DeleteSnapshotCommand, { SnapshotName: LEFTOVER });
      expect(elastiCacheMock).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 1);
    });

    it('does not list a leftover ElastiCache refused to delete', async () => {
      // Arrange
      groupSnapshots([snapshot()]);
      endedExecution('SUCCEEDED', leftoverInput());
      elastiCacheMock
        .on(DeleteSnapshotCommand)
        .rejects(new InvalidSnapshotStateFault({ message: 'Snapshot is being exported.', $metadata: {} }));

      // Act
      const result = await takeFreshSnapshot(freshState(), deps());

      // Assert
      expect(result.fresh).not.toHaveProperty('leftoversDeleted');
    });

    it.each([
      [
        'listing the snapshots is throttled',
        () => elastiCacheMock.on(DescribeSnapshotsCommand, { ReplicationGroupId: 'orders' }).rejects(throttled()),
      ],
      [
        'DescribeExecution is throttled',
        () => {
          groupSnapshots([snapshot()]);
          sfnMock.on(DescribeExecutionCommand).rejects(
            new SFNServiceException({
              name: 'ThrottlingException',
              $fault: 'client',
              message: 'Rate exceeded',
              $metadata: { httpStatusCode: 400 },
            }),
          );
        },
      ],
      [
        'DeleteSnapshot is throttled',
        () => {
          groupSnapshots([snapshot()]);
          endedExecution('SUCCEEDED', leftoverInput());
          elastiCacheMock.on(DeleteSnapshotCommand).rejects(throttled());
        },
      ],
    ])('still succeeds when %s while sweeping', async (_what, arrangeFailure) => {
      // Arrange
      arrangeFailure();

      // Act
      const result = await takeFreshSnapshot(freshState(), deps());

      // Assert
      expect(result.fresh).toStrictEqual({ snapshotName: FRESH_NAME, keep: false, created: true });
    });

    it('keeps the leftovers deleted before a failure while sweeping', async () => {
      // Arrange
      const second = `export-${'nightly-20261123-023000-exports-bucket-aaaaaaaaaaaa'}`;
      groupSnapshots([snapshot(), snapshot({ SnapshotName: second })]);
      sfnMock.on(DescribeExecutionCommand).resolves({
        executionArn: executionArnOf(OTHER_ID),
        stateMachineArn: STATE_MACHINE_ARN,
        name: OTHER_ID,
        status: 'SUCCEEDED',
        startDate: new Date('2026-11-24T02:30:02.000Z'),
        input: JSON.stringify(leftoverInput()),
      });
      elastiCacheMock.on(DeleteSnapshotCommand, { SnapshotName: second }).rejects(throttled());

      // Act
      const result = await takeFreshSnapshot(freshState(), deps());

      // Assert
      expect(result.fresh?.leftoversDeleted).toEqual([LEFTOVER]);
    });
  });
});

describe('checkFreshSource', () => {
  const elastiCache = () => new ElastiCacheClient({ maxAttempts: 1 });

  /** The codes of every problem found; the first is the one ValidateExport rejects the export with. */
  const problemCodes = async (request: ExportRequest): Promise<Array<string | undefined>> =>
    (await checkFreshSource(elastiCache(), request, FRESH_NAME)).problems.map((problem) => problem.details.code);

  const summaryOf = async (request: ExportRequest) => {
    const { summary, problems } = await checkFreshSource(elastiCache(), request, FRESH_NAME);
    expect(problems).toEqual([]);
    return summary;
  };

  it('describes what the snapshot of an available group will be, one shard per node group', async () => {
    // Arrange
    elastiCacheMock
      .on(DescribeReplicationGroupsCommand, { ReplicationGroupId: 'orders' })
      .resolves({ ReplicationGroups: [available()] });

    // Act
    const summary = await summaryOf(groupRequest());

    // Assert
    expect(summary).toStrictEqual({
      snapshotName: FRESH_NAME,
      engine: 'redis',
      replicationGroupId: 'orders',
      numNodeGroups: 3,
    });
  });

  it('counts one shard for a group that lists no node groups', async () => {
    // Arrange
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves({
      ReplicationGroups: [available({ NodeGroups: undefined, Engine: 'valkey' })],
    });

    // Act
    const summary = await summaryOf(groupRequest());

    // Assert
    expect(summary).toMatchObject({ engine: 'valkey', numNodeGroups: 1 });
  });

  it('reports an unknown group as ClusterNotFound, and nothing more', async () => {
    // Arrange
    elastiCacheMock
      .on(DescribeReplicationGroupsCommand)
      .rejects(new ReplicationGroupNotFoundFault({ message: 'Replication group orders not found.', $metadata: {} }));

    // Act
    const codes = await problemCodes(groupRequest());

    // Assert
    expect(codes).toEqual(['ClusterNotFound']);
  });

  it.each(['snapshotting', 'modifying', 'creating'])('reports a group that is %s as SourceBusy', async (status) => {
    // Arrange
    elastiCacheMock
      .on(DescribeReplicationGroupsCommand)
      .resolves({ ReplicationGroups: [available({ Status: status })] });

    // Act
    const codes = await problemCodes(groupRequest());

    // Assert
    expect(codes).toEqual(['SourceBusy']);
  });

  it('reports a group with data tiering as DataTieringNotSupported', async () => {
    // Arrange
    elastiCacheMock
      .on(DescribeReplicationGroupsCommand)
      .resolves({ ReplicationGroups: [available({ DataTiering: 'enabled' })] });

    // Act
    const codes = await problemCodes(groupRequest());

    // Assert
    expect(codes).toEqual(['DataTieringNotSupported']);
  });

  it('reports a memcached cluster as UnsupportedEngine', async () => {
    // Arrange
    elastiCacheMock.on(DescribeCacheClustersCommand, { CacheClusterId: 'sessions-001' }).resolves({
      CacheClusters: [{ CacheClusterId: 'sessions-001', Engine: 'memcached', CacheClusterStatus: 'available' }],
    });

    // Act
    const codes = await problemCodes(clusterRequest());

    // Assert
    expect(codes).toEqual(['UnsupportedEngine']);
  });

  it('reports every problem of a group at once, engine and data tiering before its status', async () => {
    // Arrange
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves({
      ReplicationGroups: [available({ Engine: 'memcached', DataTiering: 'enabled', Status: 'modifying' })],
    });

    // Act
    const { problems, summary } = await checkFreshSource(elastiCache(), groupRequest(), FRESH_NAME);

    // Assert
    expect(problems.map((problem) => problem.details.code)).toEqual([
      'UnsupportedEngine',
      'DataTieringNotSupported',
      'SourceBusy',
    ]);
    expect(problems[2]?.message).toBe(
      'Replication group orders is modifying; ElastiCache takes a snapshot only of an available cluster.',
    );
    expect(summary).toMatchObject({ snapshotName: FRESH_NAME, replicationGroupId: 'orders' });
  });

  it('reports an unknown cluster as ClusterNotFound, and nothing more', async () => {
    // Arrange
    elastiCacheMock
      .on(DescribeCacheClustersCommand)
      .rejects(new CacheClusterNotFoundFault({ message: 'CacheCluster not found: sessions-001', $metadata: {} }));

    // Act
    const codes = await problemCodes(clusterRequest());

    // Assert
    expect(codes).toEqual(['ClusterNotFound']);
  });

  it('describes what the snapshot of an available cluster will be', async () => {
    // Arrange
    elastiCacheMock.on(DescribeCacheClustersCommand).resolves({
      CacheClusters: [
        {
          CacheClusterId: 'sessions-001',
          Engine: 'redis',
          EngineVersion: '7.1.0',
          CacheClusterStatus: 'available',
          NotificationConfiguration: { TopicArn: 'arn:aws:sns:us-east-1:123456789012:cluster-events' },
        },
      ],
    });

    // Act
    const summary = await summaryOf(clusterRequest());

    // Assert
    expect(summary).toStrictEqual({
      snapshotName: FRESH_NAME,
      engine: 'redis',
      engineVersion: '7.1.0',
      cacheClusterId: 'sessions-001',
      numNodeGroups: 1,
      topicArn: 'arn:aws:sns:us-east-1:123456789012:cluster-events',
    });
  });

  it('throws throttling as AwsThrottledError rather than reporting a problem', async () => {
    // Arrange
    elastiCacheMock.on(DescribeReplicationGroupsCommand).rejects(throttled());

    // Act
    const result = checkFreshSource(elastiCache(), groupRequest(), FRESH_NAME);

    // Assert
    await expect(result).rejects.toBeInstanceOf(AwsThrottledError);
  });
});
