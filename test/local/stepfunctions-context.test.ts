// `$$.State` of the context object (Name, EnteredTime, RetryCount), which Step Functions fills in and which the
// export state machine reads (StartExport tells its first attempt from a retry by RetryCount). The emulator fills
// it in for each state and counts each retry, through the real SFNClient.
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { StepFunctionsService } from '../../local/aws/stepfunctions';
import { createClock } from '../../local/clock';
import type { AslDefinition } from '../../local/statemachine';
import { fakeHandler, namedError, type Served, serve, sfnClient } from './stepfunctions-helpers';

const definition: AslDefinition = {
  StartAt: 'Work',
  States: {
    Work: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:work',
        Payload: {
          'name.$': '$$.State.Name',
          'entered.$': '$$.State.EnteredTime',
          'retryCount.$': '$$.State.RetryCount',
        },
      },
      OutputPath: '$.Payload',
      Retry: [
        { ErrorEquals: ['FlakyError'], IntervalSeconds: 1, MaxAttempts: 2 },
        { ErrorEquals: ['OtherError'], IntervalSeconds: 1, MaxAttempts: 1 },
      ],
      Next: 'Done',
    },
    Done: { Type: 'Succeed' },
  },
};

let served: Served | undefined;
let service: StepFunctionsService | undefined;

afterEach(async () => {
  await service?.shutdown();
  await served?.close();
  served = undefined;
  service = undefined;
});

describe('$$.State in the emulator', () => {
  it('names the state and counts every retry of this visit across retriers, from 0', async () => {
    // Arrange: fail twice as FlakyError, once as OtherError, then succeed.
    const seen: Array<Record<string, unknown>> = [];
    const failures = ['FlakyError', 'OtherError', 'FlakyError'];
    const work = fakeHandler((event) => {
      seen.push(event);
      const next = failures.shift();
      if (next) throw namedError(next, 'not yet');
      return { done: true };
    });
    service = new StepFunctionsService({
      definition,
      handlers: { work },
      stateMachineName: 'context',
      clock: createClock(0),
    });
    served = await serve(service);
    const client = sfnClient(served.url);
    const before = Date.now();

    // Act
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: service.stateMachineArn, name: 'retries', input: '{}' }),
    );
    await service.settled(executionArn ?? '');
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));

    // Assert
    expect(described.status).toBe('SUCCEEDED');
    expect(seen.map((event) => event.retryCount)).toEqual([0, 1, 2, 3]);
    expect(seen.every((event) => event.name === 'Work')).toBe(true);
    const entered = Date.parse(String(seen[0]?.entered));
    expect(entered).toBeGreaterThanOrEqual(before - 1000);
    expect(new Set(seen.map((event) => event.entered)).size).toBe(1);
    client.destroy();
  });
});
