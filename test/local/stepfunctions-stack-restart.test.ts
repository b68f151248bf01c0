// The local stack (local/start.ts) across a restart: an execution stopped mid-Wait by `stop()` is resumed by the
// next `startLocalStack` on the same data folder once its emulator listens (its next task calls the emulator), and
// ends once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { type LocalStack, startLocalStack } from '../../local/start';
import type { AslDefinition } from '../../local/statemachine';
import { fakeHandler, sfnClient } from './stepfunctions-helpers';

const definition: AslDefinition = {
  StartAt: 'Pause',
  States: {
    Pause: { Type: 'Wait', Seconds: 100, Next: 'CallEmulator' },
    CallEmulator: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:callEmulator', 'Payload.$': '$' },
      OutputPath: '$.Payload',
      End: true,
    },
  },
};

let calls = 0;
const callEmulator = fakeHandler(async () => {
  calls += 1;
  // The emulator must be listening when a resumed task runs.
  const response = await fetch(`${process.env.AWS_ENDPOINT_URL}/_local/sns/messages`);
  return { status: response.status };
});

let dataDir: string;
let stack: LocalStack | undefined;

beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'sfn-stack-restart-'));
});

afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

// 100 emulated seconds at 0.005 real seconds each: the Wait lasts 0.5 s.
const start = (awsPort = 0) =>
  startLocalStack({
    env: {},
    seed: false,
    config: { awsPort, apiPort: 0, dataDir, timeScale: 0.005 },
    stepFunctions: { definition, handlers: { callEmulator } },
  });

it('resumes an execution the previous stack left in a Wait and runs its task against the new emulator', async () => {
  // Arrange
  const first = await start();
  stack = first;
  const client = sfnClient(first.awsUrl, first.config.region);
  const { executionArn = '' } = await client.send(
    new StartExecutionCommand({ stateMachineArn: first.stateMachineArn, name: 'across-restart' }),
  );
  const awsPort = Number(new URL(first.awsUrl).port);

  // Act
  await first.stop();
  stack = undefined;
  stack = await start(awsPort);
  await stack.stepFunctions.settled(executionArn);
  const second = sfnClient(stack.awsUrl, stack.config.region);
  const described = await second.send(new DescribeExecutionCommand({ executionArn }));
  const { events = [] } = await second.send(new GetExecutionHistoryCommand({ executionArn }));

  // Assert
  expect(described.status).toBe('SUCCEEDED');
  expect(JSON.parse(described.output ?? '')).toEqual({ status: 200 });
  expect(calls).toBe(1);
  expect(events.map((event) => event.type)).toEqual([
    'ExecutionStarted',
    'WaitStateEntered',
    'WaitStateExited',
    'TaskStateEntered',
    'TaskScheduled',
    'TaskStarted',
    'TaskSucceeded',
    'TaskStateExited',
    'ExecutionSucceeded',
  ]);
});
