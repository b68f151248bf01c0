// Step Functions' quota of 25,000 history events per execution: an execution that reaches it fails (States.Runtime,
// with the last event ExecutionFailed as the 25,000th), and its status-change event says so, so the safety net
// can report it.
import { DescribeExecutionCommand, GetExecutionHistoryCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { type EventBridgeEvent, StepFunctionsService } from '../../local/aws/stepfunctions';
import { createClock } from '../../local/clock';
import type { AslDefinition } from '../../local/statemachine';
import { type Served, serve, sfnClient } from './stepfunctions-helpers';

/** A loop that never ends (its Succeed state is never reached): two events per Pass state. */
const definition: AslDefinition = {
  StartAt: 'Again',
  States: {
    Again: { Type: 'Pass', Next: 'Forever' },
    Forever: {
      Type: 'Choice',
      Choices: [{ Variable: '$.never', IsPresent: true, Next: 'Done' }],
      Default: 'Again',
    },
    Done: { Type: 'Succeed' },
  },
};

let served: Served | undefined;
let service: StepFunctionsService | undefined;

afterEach(async () => {
  await service?.shutdown();
  await served?.close();
});

describe('the history quota in the emulator', () => {
  it('fails an execution whose history reaches 25,000 events, and announces it', async () => {
    // Arrange
    const announced: EventBridgeEvent[] = [];
    service = new StepFunctionsService({
      definition,
      handlers: {},
      stateMachineName: 'endless',
      clock: createClock(0),
      onStatusChange: (event) => announced.push(event),
    });
    served = await serve(service);
    const client = sfnClient(served.url);

    // Act
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn: service.stateMachineArn, name: 'loop', input: '{}' }),
    );
    await service.settled(executionArn ?? '');
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    const last = await client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 }));

    // Assert
    expect(described.status).toBe('FAILED');
    expect(described.error).toBe('States.Runtime');
    expect(described.cause).toContain('25000 events');
    expect(last.events?.[0]).toMatchObject({ id: 25_000, type: 'ExecutionFailed' });
    expect(announced.map((event) => event.detail.status)).toEqual(['RUNNING', 'FAILED']);
    expect(announced[1]).toMatchObject({
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      resources: [executionArn],
      detail: { executionArn, stateMachineArn: service.stateMachineArn, error: 'States.Runtime' },
    });
    client.destroy();
  }, 60_000);
});
