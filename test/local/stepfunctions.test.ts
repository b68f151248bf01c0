import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  InvalidName,
  InvalidToken,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { StepFunctionsService } from '../../local/aws/stepfunctions';
import { type Clock, createClock } from '../../local/clock';
import type { LambdaHandler } from '../../local/lambda';
import type { AslDefinition } from '../../local/statemachine';
import { runAwsCli } from './emulator-harness';
import {
  type Deferred,
  deferred,
  fakeHandler,
  namedError,
  recordingClock,
  type Served,
  serve,
  sfnClient,
} from './stepfunctions-helpers';

// A tiny machine exercising every feature the emulator maps: Pass with the context object, a lambda:invoke Task
// with Retry and Catch, a Wait with SecondsPath, Succeed and Fail.
const definition: AslDefinition = {
  StartAt: 'Prepare',
  States: {
    Prepare: { Type: 'Pass', Parameters: { 'exportId.$': '$$.Execution.Name', 'input.$': '$' }, Next: 'Work' },
    Work: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:work', 'Payload.$': '$' },
      OutputPath: '$.Payload',
      Retry: [{ ErrorEquals: ['FlakyError'], IntervalSeconds: 600, MaxAttempts: 2, BackoffRate: 2 }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Failed' }],
      Next: 'Pause',
    },
    Pause: { Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'Done' },
    Done: { Type: 'Succeed' },
    Failed: { Type: 'Fail', Error: 'WorkFailed', CausePath: '$.error.Cause' },
  },
};

interface Harness {
  service: StepFunctionsService;
  client: SFNClient;
  stateMachineArn: string;
  gate: Deferred;
  calls: Array<Record<string, unknown>>;
}

let served: Served | undefined;
let service: StepFunctionsService | undefined;

/** The service with the tiny machine; the fake `work` handler does what `input.mode` says. */
const harness = async (clock: Clock = createClock(0)): Promise<Harness> => {
  const gate = deferred();
  const calls: Array<Record<string, unknown>> = [];
  let flakyFailures = 0;
  const work = fakeHandler(async (event) => {
    calls.push(event);
    const input = event.input as { mode?: string; failures?: number };
    if (input.mode === 'fail') throw namedError('BrokenError', 'it broke');
    if (input.mode === 'flaky' && flakyFailures < (input.failures ?? 1)) {
      flakyFailures += 1;
      throw namedError('FlakyError', `flaky ${flakyFailures}`);
    }
    if (input.mode === 'hold') await gate.promise;
    if (input.mode === 'hold-then-flaky') {
      await gate.promise;
      throw namedError('FlakyError', 'failed after the stop');
    }
    return { ...event, waitSeconds: 3600, done: true };
  });
  service = new StepFunctionsService({
    definition,
    handlers: { work },
    stateMachineName: 'tiny',
    clock,
  });
  served = await serve(service);
  return { service, client: sfnClient(served.url), stateMachineArn: service.stateMachineArn, gate, calls };
};

afterEach(async () => {
  await service?.shutdown();
  await served?.close();
  served = undefined;
  service = undefined;
});

const start = (h: Harness, name: string | undefined, input: unknown) =>
  h.client.send(
    new StartExecutionCommand({
      stateMachineArn: h.stateMachineArn,
      ...(name !== undefined && { name }),
      input: JSON.stringify(input),
    }),
  );

const historyOf = async (h: Harness, executionArn: string): Promise<HistoryEvent[]> =>
  (await h.client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];

describe('state machines', () => {
  it('registers the state machine under an ARN built from region, account and name', async () => {
    // Arrange
    const h = await harness();

    // Act
    const listed = await h.client.send(new ListStateMachinesCommand({}));
    const described = await h.client.send(new DescribeStateMachineCommand({ stateMachineArn: h.stateMachineArn }));

    // Assert
    expect(h.stateMachineArn).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:tiny');
    expect(listed.stateMachines).toEqual([
      expect.objectContaining({ stateMachineArn: h.stateMachineArn, name: 'tiny', type: 'STANDARD' }),
    ]);
    expect(listed.stateMachines?.[0]?.creationDate).toBeInstanceOf(Date);
    expect(JSON.parse(described.definition ?? '')).toEqual(definition);
    expect(described.status).toBe('ACTIVE');
  });

  it('reports an unknown state machine as StateMachineDoesNotExist', async () => {
    // Arrange
    const h = await harness();

    // Act
    const started = start(
      { ...h, stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:nope' },
      'x',
      {},
    );

    // Assert
    await expect(started).rejects.toBeInstanceOf(StateMachineDoesNotExist);
  });
  it("keeps another account's or Region's callers out of the state machine and its executions", async () => {
    // Arrange
    const h = await harness();
    const { executionArn } = await start(h, 'mine', {});
    const otherAccount = new SFNClient({
      endpoint: served?.url,
      region: 'us-east-1',
      credentials: { accessKeyId: '111111111111', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
    const otherRegion = sfnClient(served?.url ?? '', 'eu-west-1');

    // Act
    const results = await Promise.allSettled([
      otherAccount.send(new StartExecutionCommand({ stateMachineArn: h.stateMachineArn, input: '{}' })),
      otherRegion.send(new StartExecutionCommand({ stateMachineArn: h.stateMachineArn, input: '{}' })),
      otherAccount.send(new DescribeExecutionCommand({ executionArn })),
      otherRegion.send(new GetExecutionHistoryCommand({ executionArn })),
    ]);

    // Assert
    expect(
      results.map((result) => (result.status === 'rejected' ? (result.reason as Error).name : 'fulfilled')),
    ).toEqual([
      'StateMachineDoesNotExist',
      'StateMachineDoesNotExist',
      'ExecutionDoesNotExist',
      'ExecutionDoesNotExist',
    ]);
  });
});

describe('StartExecution', () => {
  it('runs the definition to SUCCEEDED and reports the output and both dates', async () => {
    // Arrange
    const h = await harness();

    // Act
    const { executionArn, startDate } = await start(h, 'run-1', { mode: 'ok' });
    await h.service.settled(executionArn ?? '');
    const described = await h.client.send(new DescribeExecutionCommand({ executionArn }));

    // Assert
    expect(executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:tiny:run-1');
    expect(startDate).toBeInstanceOf(Date);
    expect(described).toMatchObject({
      executionArn,
      stateMachineArn: h.stateMachineArn,
      name: 'run-1',
      status: 'SUCCEEDED',
      input: '{"mode":"ok"}',
    });
    expect(JSON.parse(described.output ?? '')).toEqual({
      exportId: 'run-1',
      input: { mode: 'ok' },
      waitSeconds: 3600,
      done: true,
    });
    expect(described.startDate?.getTime()).toBe(startDate?.getTime());
    expect(described.stopDate?.getTime()).toBeGreaterThanOrEqual(startDate?.getTime() ?? Number.NaN);
    expect(described.error).toBeUndefined();
  });

  it('returns the same execution for the same name and input while it runs', async () => {
    // Arrange
    const h = await harness();
    const first = await start(h, 'held', { mode: 'hold' });

    // Act
    const second = await start(h, 'held', { mode: 'hold' });

    // Assert
    expect(second.executionArn).toBe(first.executionArn);
    expect(second.startDate?.getTime()).toBe(first.startDate?.getTime());
    const listed = await h.client.send(new ListExecutionsCommand({ stateMachineArn: h.stateMachineArn }));
    expect(listed.executions).toHaveLength(1);
    h.gate.resolve();
  });

  it('rejects the same name with a different input as ExecutionAlreadyExists', async () => {
    // Arrange
    const h = await harness();
    await start(h, 'held', { mode: 'hold' });

    // Act
    const conflicting = start(h, 'held', { mode: 'hold', other: true });

    // Assert
    await expect(conflicting).rejects.toBeInstanceOf(ExecutionAlreadyExists);
    h.gate.resolve();
  });

  it('rejects the name of a closed execution even with the same input', async () => {
    // Arrange
    const h = await harness();
    const { executionArn } = await start(h, 'done-once', { mode: 'ok' });
    await h.service.settled(executionArn ?? '');

    // Act
    const again = start(h, 'done-once', { mode: 'ok' });

    // Assert
    await expect(again).rejects.toThrow(
      "Execution Already Exists: 'arn:aws:states:us-east-1:000000000000:execution:tiny:done-once'",
    );
  });

  it('names an execution with a UUID when no name is given', async () => {
    // Arrange
    const h = await harness();

    // Act
    const { executionArn } = await start(h, undefined, { mode: 'ok' });

    // Assert
    expect(executionArn).toMatch(/:execution:tiny:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it.each([['with space'], ['a/b'], ['x'.repeat(81)], ['']])('rejects the name %j as InvalidName', async (name) => {
    // Arrange
    const h = await harness();

    // Act
    const started = start(h, name, {});

    // Assert
    await expect(started).rejects.toBeInstanceOf(InvalidName);
  });

  it('accepts a name of exactly 80 characters', async () => {
    // Arrange
    const h = await harness();

    // Act
    const { executionArn } = await start(h, 'n'.repeat(80), { mode: 'ok' });

    // Assert
    expect(executionArn).toMatch(/:n{80}$/);
  });

  it('rejects an input that is not JSON as InvalidExecutionInput', async () => {
    // Arrange
    const h = await harness();

    // Act
    const started = h.client.send(
      new StartExecutionCommand({ stateMachineArn: h.stateMachineArn, name: 'bad', input: '{not json' }),
    );

    // Assert
    await expect(started).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
  });
});

describe('DescribeExecution', () => {
  it('reports an unknown execution as ExecutionDoesNotExist', async () => {
    // Arrange
    const h = await harness();

    // Act
    const described = h.client.send(
      new DescribeExecutionCommand({ executionArn: 'arn:aws:states:us-east-1:000000000000:execution:tiny:ghost' }),
    );

    // Assert
    await expect(described).rejects.toBeInstanceOf(ExecutionDoesNotExist);
  });

  it('reports RUNNING with no stop date while a task is in progress', async () => {
    // Arrange
    const h = await harness();
    const { executionArn } = await start(h, 'held', { mode: 'hold' });

    // Act
    const described = await h.client.send(new DescribeExecutionCommand({ executionArn }));

    // Assert
    expect(described.status).toBe('RUNNING');
    expect(described.stopDate).toBeUndefined();
    expect(described.output).toBeUndefined();
    h.gate.resolve();
  });

  it('reports FAILED with the Fail state error and the cause carrying the handler error', async () => {
    // Arrange
    const h = await harness();

    // Act
    const { executionArn } = await start(h, 'broken', { mode: 'fail' });
    await h.service.settled(executionArn ?? '');
    const described = await h.client.send(new DescribeExecutionCommand({ executionArn }));

    // Assert
    expect(described.status).toBe('FAILED');
    expect(described.error).toBe('WorkFailed');
    expect(JSON.parse(described.cause ?? '')).toMatchObject({ errorType: 'BrokenError', errorMessage: 'it broke' });
    expect(described.output).toBeUndefined();
  });
});

describe('time scale', () => {
  it('scales the Wait state by the value its SecondsPath reads', async () => {
    // Arrange
    const clock = recordingClock();
    const h = await harness(clock);

    // Act
    const { executionArn } = await start(h, 'wait', { mode: 'ok' });
    await h.service.settled(executionArn ?? '');

    // Assert: the handler returned waitSeconds 3600; unscaled, the execution would still be waiting.
    expect(clock.scaled).toEqual([3600]);
    const described = await h.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described.status).toBe('SUCCEEDED');
  });

  it('scales each retry interval with the retrier backoff', async () => {
    // Arrange
    const clock = recordingClock();
    const h = await harness(clock);

    // Act
    const { executionArn } = await start(h, 'flaky', { mode: 'flaky', failures: 2 });
    await h.service.settled(executionArn ?? '');

    // Assert: IntervalSeconds 600, BackoffRate 2, then the 3600 s Wait.
    expect(clock.scaled).toEqual([600, 1200, 3600]);
    expect(h.calls).toHaveLength(3);
    const types = (await historyOf(h, executionArn ?? '')).map((event) => event.type);
    expect(types.filter((type) => type === 'TaskFailed')).toHaveLength(2);
    expect(types.filter((type) => type === 'TaskSucceeded')).toHaveLength(1);
  });
});

describe('ListExecutions', () => {
  it('lists newest first, filters by status and pages with nextToken', async () => {
    // Arrange
    const h = await harness();
    for (const name of ['one', 'two', 'three']) {
      const { executionArn } = await start(h, name, { mode: 'ok' });
      await h.service.settled(executionArn ?? '');
    }
    await start(h, 'four', { mode: 'hold' });

    // Act
    const firstPage = await h.client.send(
      new ListExecutionsCommand({ stateMachineArn: h.stateMachineArn, maxResults: 2 }),
    );
    const secondPage = await h.client.send(
      new ListExecutionsCommand({ stateMachineArn: h.stateMachineArn, maxResults: 2, nextToken: firstPage.nextToken }),
    );
    const succeeded = await h.client.send(
      new ListExecutionsCommand({ stateMachineArn: h.stateMachineArn, statusFilter: 'SUCCEEDED' }),
    );

    // Assert
    expect(firstPage.executions?.map((execution) => execution.name)).toEqual(['four', 'three']);
    expect(firstPage.executions?.[0]).toMatchObject({ status: 'RUNNING', stateMachineArn: h.stateMachineArn });
    expect(secondPage.executions?.map((execution) => execution.name)).toEqual(['two', 'one']);
    expect(secondPage.nextToken).toBeUndefined();
    expect(succeeded.executions?.map((execution) => execution.name)).toEqual(['three', 'two', 'one']);
    expect(succeeded.executions?.[0]?.stopDate).toBeInstanceOf(Date);
    h.gate.resolve();
  });

  it('rejects a token it did not issue as InvalidToken', async () => {
    // Arrange
    const h = await harness();

    // Act
    const listed = h.client.send(
      new ListExecutionsCommand({ stateMachineArn: h.stateMachineArn, nextToken: 'not-a-token' }),
    );

    // Assert
    await expect(listed).rejects.toBeInstanceOf(InvalidToken);
  });
});

describe('GetExecutionHistory', () => {
  it('records state and task events with ids in order, ending with ExecutionSucceeded', async () => {
    // Arrange
    const h = await harness();
    const { executionArn } = await start(h, 'history', { mode: 'ok' });
    await h.service.settled(executionArn ?? '');

    // Act
    const events = await historyOf(h, executionArn ?? '');

    // Assert
    expect(events.map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'PassStateEntered',
      'PassStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((event) => event.id)).toEqual(events.map((_, index) => index + 1));
    expect(events[0]).toMatchObject({
      previousEventId: 0,
      executionStartedEventDetails: { input: '{"mode":"ok"}' },
    });
    expect(events[0]?.timestamp).toBeInstanceOf(Date);
    const scheduled = events.find((event) => event.type === 'TaskScheduled');
    expect(scheduled?.taskScheduledEventDetails).toMatchObject({ resourceType: 'lambda', resource: 'invoke' });
    expect(JSON.parse(scheduled?.taskScheduledEventDetails?.parameters ?? '')).toMatchObject({
      FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:work',
    });
    const succeeded = events.find((event) => event.type === 'TaskSucceeded');
    expect(JSON.parse(succeeded?.taskSucceededEventDetails?.output ?? '')).toMatchObject({
      StatusCode: 200,
      Payload: { done: true },
    });
    expect(events.find((event) => event.type === 'TaskStateEntered')?.stateEnteredEventDetails?.name).toBe('Work');
  });

  it('records a caught task failure as TaskFailed followed by the Fail state and ExecutionFailed', async () => {
    // Arrange
    const h = await harness();
    const { executionArn } = await start(h, 'broken', { mode: 'fail' });
    await h.service.settled(executionArn ?? '');

    // Act
    const events = await historyOf(h, executionArn ?? '');

    // Assert
    expect(events.map((event) => event.type).slice(3)).toEqual([
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskFailed',
      'TaskStateExited',
      'FailStateEntered',
      'ExecutionFailed',
    ]);
    expect(events.find((event) => event.type === 'TaskFailed')?.taskFailedEventDetails).toMatchObject({
      error: 'BrokenError',
    });
    expect(events.at(-1)?.executionFailedEventDetails?.error).toBe('WorkFailed');
  });

  it('pages the history in reverse order', async () => {
    // Arrange
    const h = await harness();
    const { executionArn } = await start(h, 'reverse', { mode: 'ok' });
    await h.service.settled(executionArn ?? '');

    // Act
    const first = await h.client.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 2 }),
    );
    const second = await h.client.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 2, nextToken: first.nextToken }),
    );

    // Assert
    expect(first.events?.map((event) => event.type)).toEqual(['ExecutionSucceeded', 'SucceedStateExited']);
    expect(first.events?.map((event) => event.id)).toEqual([13, 12]);
    expect(second.events?.map((event) => event.id)).toEqual([11, 10]);
  });

  it('leaves input and output out when includeExecutionData is false', async () => {
    // Arrange
    const h = await harness();
    const { executionArn } = await start(h, 'no-data', { mode: 'ok' });
    await h.service.settled(executionArn ?? '');

    // Act
    const { events } = await h.client.send(
      new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }),
    );

    // Assert
    expect(events?.[0]?.executionStartedEventDetails?.input).toBeUndefined();
    expect(events?.at(-1)?.executionSucceededEventDetails?.output).toBeUndefined();
  });
});

describe('StopExecution', () => {
  it('aborts a running execution with the given error and cause', async () => {
    // Arrange
    const h = await harness();
    const { executionArn } = await start(h, 'to-stop', { mode: 'hold' });

    // Act
    const { stopDate } = await h.client.send(
      new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'no longer needed' }),
    );
    await h.service.settled(executionArn ?? '');
    const described = await h.client.send(new DescribeExecutionCommand({ executionArn }));
    const events = await historyOf(h, executionArn ?? '');

    // Assert
    expect(stopDate).toBeInstanceOf(Date);
    expect(described).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'no longer needed' });
    expect(described.stopDate?.getTime()).toBe(stopDate?.getTime());
    expect(events.at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Operator', cause: 'no longer needed' },
    });
    h.gate.resolve();
  });

  it('invokes no task once stopped, even when the running one then fails with a retryable error', async () => {
    // Arrange
    const h = await harness();
    const { executionArn } = await start(h, 'stop-then-fail', { mode: 'hold-then-flaky' });
    await h.client.send(new StopExecutionCommand({ executionArn }));

    // Act: the task in progress ends with an error its Retry would match.
    h.gate.resolve();
    await h.service.settled(executionArn ?? '');

    // Assert
    expect(h.calls).toHaveLength(1);
    const described = await h.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described.status).toBe('ABORTED');
  });

  it('leaves a closed execution as it ended', async () => {
    // Arrange
    const h = await harness();
    const { executionArn } = await start(h, 'finished', { mode: 'ok' });
    await h.service.settled(executionArn ?? '');

    // Act
    await h.client.send(new StopExecutionCommand({ executionArn }));
    const described = await h.client.send(new DescribeExecutionCommand({ executionArn }));

    // Assert
    expect(described.status).toBe('SUCCEEDED');
  });
});

describe('unsupported actions', () => {
  it('answers UnknownOperationException naming the action', async () => {
    // Arrange
    const h = await harness();

    // Act
    const response = await h.service.handle({
      method: 'POST',
      path: '/',
      query: new URLSearchParams(),
      headers: { 'x-amz-target': 'AWSStepFunctions.CreateActivity', 'content-type': 'application/x-amz-json-1.0' },
      body: Buffer.from('{"name":"a"}'),
      caller: { accessKeyId: 'test', accountId: '000000000000', region: 'us-east-1' },
      host: 'localhost',
      service: 'states',
      requestId: 'r-1',
    });

    // Assert
    expect(response.status).toBe(400);
    expect(response.headers?.['content-type']).toBe('application/x-amz-json-1.0');
    expect(JSON.parse(String(response.body))).toEqual({
      __type: 'UnknownOperationException',
      message: expect.stringContaining('CreateActivity'),
    });
  });
});

// ---- The project's definition (statemachine/export-snapshot.asl.json) with fake handlers --------------------------

const pollOf = (event: Record<string, unknown>) => event.poll as { attempt: number; [key: string]: unknown };

const projectFakes = (options: { rejectBucket: boolean }): Record<string, LambdaHandler> => ({
  validateExport: fakeHandler((event) => {
    if (options.rejectBucket) throw namedError('TargetBucketNotAllowedError', 'Bucket elsewhere is not allowed');
    return {
      ...event,
      sourceSnapshotName: 'demo-cache-snapshot',
      targetSnapshotName: 'demo-export',
      targetBucket: 'exports-bucket',
      poll: { attempt: 0, elapsedSeconds: 0, waitSeconds: 30, status: 'exporting', missingChecks: 0 },
      objects: [],
    };
  }),
  // StartExport's payload is { state, retryCount: $$.State.RetryCount }: a first attempt sees 0.
  startExport: fakeHandler((event) => {
    if (event.retryCount !== 0) throw new Error(`expected $$.State.RetryCount 0, got ${String(event.retryCount)}`);
    return event.state;
  }),
  checkExport: fakeHandler((event) => {
    const attempt = pollOf(event).attempt + 1;
    return {
      ...event,
      poll: { ...pollOf(event), attempt, waitSeconds: 60, status: attempt >= 2 ? 'exported' : 'exporting' },
      objects: attempt >= 2 ? [{ key: 'demo-export-0001.rdb', size: 10 }] : [],
    };
  }),
  publishOutcome: fakeHandler((event) => {
    const error = event.error as { Error: string } | undefined;
    return {
      version: 1,
      exportId: event.exportId,
      status: error ? 'FAILED' : 'SUCCEEDED',
      objects: event.objects ?? [],
      ...(error && { error: { code: error.Error.replace(/Error$/, ''), message: 'not allowed' } }),
    };
  }),
});

describe('the project state machine with fake handlers', () => {
  const projectHarness = async (rejectBucket: boolean) => {
    service = new StepFunctionsService({ handlers: projectFakes({ rejectBucket }), clock: createClock(0) });
    served = await serve(service);
    return { service, client: sfnClient(served.url), stateMachineArn: service.stateMachineArn };
  };

  it('runs the export definition through the polling loop to SUCCEEDED', async () => {
    // Arrange
    const h = await projectHarness(false);

    // Act
    const { executionArn } = await h.client.send(
      new StartExecutionCommand({
        stateMachineArn: h.stateMachineArn,
        name: 'export-ok',
        input: JSON.stringify({ sourceSnapshotName: 'demo-cache-snapshot', targetBucket: 'exports-bucket' }),
      }),
    );
    await h.service.settled(executionArn ?? '');
    const described = await h.client.send(new DescribeExecutionCommand({ executionArn }));
    const { events } = await h.client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));

    // Assert
    expect(h.stateMachineArn).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:exportSnapshot-local');
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? '')).toEqual({
      version: 1,
      exportId: 'export-ok',
      status: 'SUCCEEDED',
      objects: [{ key: 'demo-export-0001.rdb', size: 10 }],
    });
    const entered = (events ?? [])
      .filter((event) => event.stateEnteredEventDetails)
      .map((event) => event.stateEnteredEventDetails?.name);
    expect(entered).toEqual([
      'PrepareExport',
      'ValidateExport',
      'IsFreshSnapshot',
      'StartExport',
      'WaitForExport',
      'CheckExport',
      'IsExportFinished',
      'WaitForExport',
      'CheckExport',
      'IsExportFinished',
      'NeedsCleanUp',
      'PublishSuccess',
      'ExportSucceeded',
    ]);
  });

  it('publishes the failure and fails the execution with the outcome code, its message and the document in the history', async () => {
    // Arrange
    const h = await projectHarness(true);

    // Act
    const { executionArn } = await h.client.send(
      new StartExecutionCommand({
        stateMachineArn: h.stateMachineArn,
        name: 'export-rejected',
        input: JSON.stringify({ sourceSnapshotName: 'demo-cache-snapshot', targetBucket: 'elsewhere' }),
      }),
    );
    await h.service.settled(executionArn ?? '');
    const described = await h.client.send(new DescribeExecutionCommand({ executionArn }));
    const { events } = await h.client.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true }));

    // Assert
    expect(described.status).toBe('FAILED');
    expect(described.error).toBe('TargetBucketNotAllowed');
    expect(described.cause).toBe('not allowed');
    const published = events?.find(
      (event) => event.type === 'TaskStateExited' && event.stateExitedEventDetails?.name === 'PublishFailure',
    );
    expect(JSON.parse(published?.stateExitedEventDetails?.output ?? '')).toMatchObject({
      exportId: 'export-rejected',
      status: 'FAILED',
      error: { code: 'TargetBucketNotAllowed' },
    });
  });
});

describe('the AWS CLI as a second judge of the wire format', () => {
  it('starts, describes, lists and reads the history of an execution, and reports an unknown one', async () => {
    // Arrange
    const h = await harness();
    const url = served?.url ?? '';

    // Act
    const started = await runAwsCli(url, [
      'stepfunctions',
      'start-execution',
      '--state-machine-arn',
      h.stateMachineArn,
      '--name',
      'from-cli',
      '--input',
      '{"mode":"ok"}',
    ]);
    const { executionArn } = JSON.parse(started.stdout) as { executionArn: string };
    await h.service.settled(executionArn);
    const described = await runAwsCli(url, ['stepfunctions', 'describe-execution', '--execution-arn', executionArn]);
    const listed = await runAwsCli(url, ['stepfunctions', 'list-executions', '--state-machine-arn', h.stateMachineArn]);
    const history = await runAwsCli(url, [
      'stepfunctions',
      'get-execution-history',
      '--execution-arn',
      executionArn,
      '--reverse-order',
    ]);
    const unknown = await runAwsCli(url, [
      'stepfunctions',
      'describe-execution',
      '--execution-arn',
      `${executionArn}-nope`,
    ]);

    // Assert
    expect(started.code).toBe(0);
    expect(JSON.parse(described.stdout)).toMatchObject({ name: 'from-cli', status: 'SUCCEEDED' });
    expect(typeof JSON.parse(described.stdout).startDate).toBe('number');
    expect(JSON.parse(listed.stdout).executions).toEqual([expect.objectContaining({ executionArn })]);
    expect(JSON.parse(history.stdout).events[0]).toMatchObject({ type: 'ExecutionSucceeded', id: 13 });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('ExecutionDoesNotExist');
  });
});
