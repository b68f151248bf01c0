// The execution's TimeoutSeconds, timed on the local stack's scaled clock from the execution's start: the
// execution ends TIMED_OUT with an ExecutionTimedOut event, as in Step Functions, and its timer never holds the
// process after the stack stops.
import { DescribeExecutionCommand, GetExecutionHistoryCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { StepFunctionsService } from '../../local/aws/stepfunctions';
import { createClock } from '../../local/clock';
import type { AslDefinition } from '../../local/statemachine';
import { type Served, serve, sfnClient } from './stepfunctions-helpers';

const definition: AslDefinition = {
  StartAt: 'Pause',
  TimeoutSeconds: 20,
  States: {
    Pause: { Type: 'Wait', Seconds: 3600, Next: 'Done' },
    Done: { Type: 'Succeed' },
  },
};

let served: Served | undefined;
let service: StepFunctionsService | undefined;

afterEach(async () => {
  await service?.shutdown();
  await served?.close();
});

describe('TimeoutSeconds in the emulator', () => {
  it('times an execution out after its TimeoutSeconds of emulated time, not the hour its Wait asks for', async () => {
    // Arrange: 0.01 real seconds per emulated second: the timeout is 0.2 s, the Wait 36 s.
    service = new StepFunctionsService({
      definition,
      handlers: {},
      stateMachineName: 'timeout',
      clock: createClock(0.01),
    });
    served = await serve(service);
    const client = sfnClient(served.url);
    const started = Date.now();

    // Act
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: service.stateMachineArn, name: 'slow', input: '{}' }),
    );
    await service.settled(executionArn ?? '');
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    const { events = [] } = await client.send(new GetExecutionHistoryCommand({ executionArn }));

    // Assert
    expect(described.status).toBe('TIMED_OUT');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(events.at(-1)?.type).toBe('ExecutionTimedOut');
    expect(events.at(-1)?.executionTimedOutEventDetails?.error).toBe('States.Timeout');
    client.destroy();
  });
});
