// Untrusted input cannot silence a notification: an execution started directly (as a schedule starts it) with a
// huge name fails validation and is still notified exactly once, through the real ASL, handlers and the local
// SNS, which refuses messages over 256 KiB as SNS does. The execution's own record keeps the full value.
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { type StackHarness, startStackHarness } from './stack-harness';

let harness: StackHarness;
let sfn: SFNClient;

beforeAll(async () => {
  harness = await startStackHarness();
  sfn = new SFNClient({
    endpoint: harness.stack.awsUrl,
    region: harness.stack.config.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

afterAll(async () => {
  sfn.destroy();
  await harness.stop();
});

const settle = async (executionArn: string) => {
  for (let tries = 0; tries < 400; tries += 1) {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (execution.status !== 'RUNNING') return execution;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`${executionArn} did not end`);
};

describe('an execution whose input carries a huge string', () => {
  it.each([
    ['a 60 KB sourceSnapshotName', { sourceSnapshotName: 's'.repeat(60_000) }],
    [
      'a 100 KB targetSnapshotName',
      { sourceSnapshotName: 'demo-cache-snapshot', targetSnapshotName: 't'.repeat(100_000) },
    ],
    ['a 200 KB targetBucket', { sourceSnapshotName: 'demo-cache-snapshot', targetBucket: 'b'.repeat(200_000) }],
  ])('with %s fails as InvalidRequest, notified once, the full value kept in the execution', async (_case, input) => {
    // Act
    const name = `huge-${Object.keys(input).join('-')}-${Date.now()}`;
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: harness.stack.stateMachineArn, name, input: JSON.stringify(input) }),
    );
    const execution = await settle(executionArn ?? '');
    const notifications = await harness.notificationsFor(name);

    // Assert
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('InvalidRequest');
    expect(notifications).toHaveLength(1);
    expect(notifications[0]?.messageAttributes.errorCode?.StringValue).toBe('InvalidRequest');
    expect(notifications[0]?.message).toContain('the full value is in the execution');
    expect(execution.input).toBe(JSON.stringify(input));
  });
});
