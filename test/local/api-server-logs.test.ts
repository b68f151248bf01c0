// The handlers' log lines in the local stack, where every function runs in one process and exports overlap: each
// line names the function that wrote it and carries that invocation's keys (local/lambda.ts runs every invocation
// inside the Lambda InvokeStore, so the one Powertools logger keeps one state per invocation).
import { CreateSnapshotCommand, DescribeSnapshotsCommand } from '@aws-sdk/client-elasticache';
import type { StackHarness } from '../integration/stack-harness';

/** Which function writes each message (handlers/*.ts); the local runner names functions by their serverless.yml key. */
const FUNCTION_OF: ReadonlyMap<string, string> = new Map([
  ['Export requested', 'requestExport'],
  ['Export already requested', 'requestExport'],
  ['Export validated', 'validateExport'],
  ['ElastiCache lacks permissions on the target bucket', 'validateExport'],
  ['Snapshot export started', 'startExport'],
  ['Export already started by an earlier attempt of this task; resuming polling', 'startExport'],
  ['Export still running', 'checkExport'],
  ['Export objects verified', 'checkExport'],
  ['Source available but export objects missing; checking once more', 'checkExport'],
  ['Outcome published', 'publishOutcome'],
  ['Could not look up the snapshot topic; using the default topic', 'publishOutcome'],
  ['Snapshot topic refused the outcome; publishing to the default topic', 'publishOutcome'],
]);

interface LogLine {
  message: string;
  function_name?: string;
  function_request_id?: string;
  exportId?: string;
}

const EXPORTS = 6;

let harness: StackHarness | undefined;
const lines: LogLine[] = [];
const restores: Array<() => void> = [];

beforeAll(async () => {
  // test/setup-env.ts silences the logger; the handlers read the level when the stack imports them.
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  const capture = (chunk: unknown): boolean => {
    for (const text of String(chunk).split('\n')) {
      if (!text.startsWith('{')) continue;
      try {
        const parsed = JSON.parse(text) as LogLine & { service?: string };
        if (parsed.service === 'elasticache-snapshot-export') lines.push(parsed);
      } catch {
        // not a log line of ours
      }
    }
    return true;
  };
  for (const stream of [process.stdout, process.stderr]) {
    const spy = jest.spyOn(stream, 'write').mockImplementation(capture);
    restores.push(() => spy.mockRestore());
  }
  const { startStackHarness } = await import('../integration/stack-harness.js');
  harness = await startStackHarness();
}, 60_000);

afterAll(async () => {
  await harness?.stop();
  for (const restore of restores) restore();
});

it('gives every log line of overlapping exports its own function name, request id and export id', async () => {
  // Arrange
  const running = harness;
  if (!running) throw new Error('The local stack did not start');
  const { stack } = running;
  // One source per export: ElastiCache exports a snapshot one request at a time (the others would be SnapshotBusy).
  const elastiCache = running.elastiCache();
  const sources = Array.from({ length: EXPORTS }, (_, index) => `overlapping-source-${index}`);
  // One after the other: the group is `snapshotting` while a snapshot of it is taken, and refuses another meanwhile.
  for (const name of sources) {
    await elastiCache.send(
      new CreateSnapshotCommand({ ReplicationGroupId: stack.config.replicationGroupId, SnapshotName: name }),
    );
    for (let tries = 0; tries < 200; tries += 1) {
      const { Snapshots = [] } = await elastiCache.send(new DescribeSnapshotsCommand({ SnapshotName: name }));
      if (Snapshots[0]?.SnapshotStatus === 'available') break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  const request = (index: number) => ({
    sourceSnapshotName: sources[index],
    targetSnapshotName: `overlapping-${index}`,
    targetBucket: stack.config.bucket,
  });

  // Act: the exports and their state machine tasks run at the same time, with API reads in between
  const posted = await Promise.all(Array.from({ length: EXPORTS }, (_, index) => running.postExport(request(index))));
  const exportIds = posted.map(({ body }) => body.exportId);
  await Promise.all([...exportIds.map((id) => running.followExport(id)), running.listExports()]);

  // Assert
  expect(posted.map(({ status }) => status)).toEqual(Array(EXPORTS).fill(202));
  const ours = lines.filter((line) => FUNCTION_OF.has(line.message));
  expect(ours.length).toBeGreaterThan(EXPORTS * 4);
  const misnamed = ours.filter((line) => line.function_name !== FUNCTION_OF.get(line.message));
  expect(misnamed).toEqual([]);
  const byInvocation = new Map<string, LogLine[]>();
  for (const line of ours) {
    const id = line.function_request_id ?? '';
    byInvocation.set(id, [...(byInvocation.get(id) ?? []), line]);
  }
  expect(byInvocation.has('')).toBe(false);
  for (const invocation of byInvocation.values()) {
    expect(new Set(invocation.map((line) => line.function_name)).size).toBe(1);
    expect(new Set(invocation.map((line) => line.exportId)).size).toBe(1);
  }
  for (const exportId of exportIds) {
    const requested = ours.filter((line) => line.message === 'Export requested' && line.exportId === exportId);
    const published = ours.filter((line) => line.message === 'Outcome published' && line.exportId === exportId);
    expect({ exportId, requested: requested.length, published: published.length }).toEqual({
      exportId,
      requested: 1,
      published: 1,
    });
  }
}, 60_000);
