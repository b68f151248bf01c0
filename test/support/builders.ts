// Builders for the state machine's state objects, shared by the handler tests.
import type { ExportState, PollState } from '../../handlers/lib/contracts';

export const STARTED_AT = '2026-11-25T03:00:00.000Z';
export const OUTCOMES_TOPIC = 'arn:aws:sns:us-east-1:123456789012:elasticache-export-outcomes-test';

export const pollState = (overrides: Partial<PollState> = {}): PollState => ({
  attempt: 0,
  elapsedSeconds: 0,
  waitSeconds: 15,
  status: 'exporting',
  missingChecks: 0,
  ...overrides,
});

/** The state after ValidateExport, for a two-shard snapshot `nightly` exported to `exports-bucket`. */
export const exportState = (overrides: Partial<ExportState> = {}): ExportState => {
  const targetSnapshotName = overrides.targetSnapshotName ?? 'Nightly-Export';
  return {
    exportId: `${targetSnapshotName.toLowerCase()}-exports-bucket-0123456789ab`,
    startedAt: STARTED_AT,
    input: { sourceSnapshotName: 'nightly', targetSnapshotName, targetBucket: 'exports-bucket' },
    request: { sourceSnapshotName: 'nightly', targetSnapshotName, targetBucket: 'exports-bucket' },
    sourceSnapshotName: 'nightly',
    targetSnapshotName,
    targetBucket: 'exports-bucket',
    snapshot: {
      snapshotName: 'nightly',
      engine: 'redis',
      engineVersion: '7.1',
      replicationGroupId: 'orders',
      numNodeGroups: 2,
    },
    topicArn: OUTCOMES_TOPIC,
    deadline: '2026-11-25T15:00:00.000Z',
    poll: pollState(),
    objects: [],
    ...overrides,
  };
};
