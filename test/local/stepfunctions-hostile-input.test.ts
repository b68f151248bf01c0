// The Step Functions emulator against hostile execution input: inputs nested far deeper than JSON.stringify or the
// ASL library can follow, and inputs at and over Step Functions' 256 KiB limit. No request may end the process or
// leave an execution RUNNING for ever.
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { StepFunctionsService } from '../../local/aws/stepfunctions';
import { createClock } from '../../local/clock';
import type { AslDefinition } from '../../local/statemachine';
import { fakeHandler, type Served, serve, sfnClient } from './stepfunctions-helpers';

const definition: AslDefinition = {
  StartAt: 'Prepare',
  States: {
    Prepare: { Type: 'Pass', Parameters: { 'exportId.$': '$$.Execution.Name', 'input.$': '$' }, Next: 'Work' },
    Work: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:work', 'Payload.$': '$' },
      OutputPath: '$.Payload',
      End: true,
    },
  },
};

let served: Served | undefined;
let service: StepFunctionsService | undefined;
let client: SFNClient;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeEach(async () => {
  process.on('unhandledRejection', onUnhandled);
  service = new StepFunctionsService({
    definition,
    handlers: { work: fakeHandler((event) => ({ worked: true, exportId: event.exportId })) },
    stateMachineName: 'hostile',
    clock: createClock(0),
  });
  served = await serve(service);
  client = sfnClient(served.url);
});

afterEach(async () => {
  process.off('unhandledRejection', onUnhandled);
  await service?.shutdown();
  await served?.close();
  served = undefined;
  service = undefined;
});

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

const startWith = (name: string, input: string) =>
  client.send(new StartExecutionCommand({ stateMachineArn: service?.stateMachineArn, name, input }));

describe('deeply nested input', () => {
  it.each([10_000, 100_000])(
    'fails an execution whose input is nested %i deep with States.Runtime and keeps answering',
    async (depth) => {
      // Arrange
      const input = nested(depth);

      // Act
      const { executionArn } = await startWith(`deep-${depth}`, input);
      await service?.settled(executionArn ?? '');
      const described = await client.send(new DescribeExecutionCommand({ executionArn }));
      const { events } = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
      const listed = await client.send(new ListExecutionsCommand({ stateMachineArn: service?.stateMachineArn }));

      // Assert
      expect(described).toMatchObject({ status: 'FAILED', error: 'States.Runtime', input });
      expect(described.cause).toContain('Maximum call stack size exceeded');
      expect(described.stopDate).toBeInstanceOf(Date);
      expect(events?.[0]).toMatchObject({ type: 'ExecutionStarted', id: 1 });
      expect(events?.[0]?.executionStartedEventDetails?.input).toBe(input);
      expect(events?.filter((event) => event.type?.startsWith('Execution')).map((event) => event.type)).toEqual([
        'ExecutionStarted',
        'ExecutionFailed',
      ]);
      expect(events?.at(-1)?.executionFailedEventDetails).toEqual({
        error: 'States.Runtime',
        cause: described.cause,
      });
      expect(listed.executions?.map((execution) => execution.status)).toEqual(['FAILED']);
      expect(unhandled).toEqual([]);
    },
  );

  it('still runs an ordinary execution after a deep one failed', async () => {
    // Arrange
    const deep = await startWith('deep-first', nested(100_000));
    await service?.settled(deep.executionArn ?? '');

    // Act
    const { executionArn } = await startWith('ordinary', '{"a":1}');
    await service?.settled(executionArn ?? '');
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));

    // Assert
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? '')).toEqual({ worked: true, exportId: 'ordinary' });
  });
});

describe('input size', () => {
  const LIMIT = 262_144;

  it('accepts an input of exactly 262144 bytes of UTF-8', async () => {
    // Arrange: 'é' is two bytes in UTF-8, so 131,071 of them and two quotes make 262,144 bytes.
    const input = `"${'é'.repeat((LIMIT - 2) / 2)}"`;

    // Act
    const { executionArn } = await startWith('at-limit', input);
    await service?.settled(executionArn ?? '');
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));

    // Assert
    expect(Buffer.byteLength(input, 'utf8')).toBe(LIMIT);
    expect(described.status).toBe('SUCCEEDED');
    expect(described.input).toBe(input);
  });

  it('rejects an input one byte over 262144 bytes with the ValidationException StartExecution gives', async () => {
    // Arrange: 131,071 two-byte characters, one one-byte character and two quotes.
    const input = `"${'é'.repeat((LIMIT - 2) / 2)}x"`;

    // Act
    const rejected = await startWith('over-limit', input).then(
      () => undefined,
      (error: unknown) => error as { name: string; message: string; $metadata: { httpStatusCode?: number } },
    );
    const listed = await client.send(new ListExecutionsCommand({ stateMachineArn: service?.stateMachineArn }));

    // Assert
    expect(input.length).toBeLessThan(LIMIT);
    expect(rejected?.name).toBe('ValidationException');
    expect(rejected?.$metadata.httpStatusCode).toBe(400);
    expect(rejected?.message).toBe(
      "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144",
    );
    expect(listed.executions).toEqual([]);
  });
});
