// Two exports of one source at once (two schedules at the same minute, or two requests with different target
// names): ElastiCache exports a snapshot one request at a time, so one succeeds and the other fails as
// SnapshotBusy, with its own notification; neither is reported as ExportNoObjects.
import { type StackHarness, startStackHarness } from './stack-harness';

let harness: StackHarness;

beforeAll(async () => {
  harness = await startStackHarness();
});

afterAll(async () => {
  await harness.stop();
});

describe('two exports of the same snapshot requested at the same moment', () => {
  it('give one success and one SnapshotBusy, each notified once', async () => {
    // Act
    const source = harness.stack.config.snapshotName;
    const accepted = await Promise.all(
      ['first', 'second'].map((name) =>
        harness.postExport({ sourceSnapshotName: source, targetSnapshotName: `concurrent-${name}` }),
      ),
    );
    const finals = await Promise.all(accepted.map((response) => harness.followExport(response.body.exportId)));
    const notifications = await Promise.all(
      accepted.map((response) => harness.notificationsFor(response.body.exportId)),
    );

    // Assert
    expect(accepted.map((response) => response.status)).toEqual([202, 202]);
    const outcomes = finals.map(({ final }) => final.outcome?.error?.code ?? final.status).sort();
    expect(outcomes).toEqual(['SUCCEEDED', 'SnapshotBusy']);
    expect(notifications.map((messages) => messages.length)).toEqual([1, 1]);
    const busy = finals.find(({ final }) => final.outcome?.error?.code === 'SnapshotBusy')?.final.outcome?.error;
    expect(busy?.message).toContain(`Snapshot ${source} is being exported or copied by another request`);
    expect(busy?.solution).toContain('one request at a time');
  });
});
