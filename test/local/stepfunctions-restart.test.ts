// Durable Step Functions executions: a service stopped mid-execution leaves it RUNNING on disk, and a new service
// on the same data folder resumes it where it was (the state, its input, the Wait's end, the context object, the
// history ids), so the restart shows only as a pause and the execution ends exactly once.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { StepFunctionsService } from '../../local/aws/stepfunctions';
import { type Clock, createClock } from '../../local/clock';
import type { LambdaHandler } from '../../local/lambda';
import type { AslDefinition } from '../../local/statemachine';
import { sleep, until } from '../support/waiting';
import { type Deferred, deferred, fakeHandler, type Served, serve, sfnClient } from './stepfunctions-helpers';

const fn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

// First, a Wait whose length the first task decides, Second, then a Pass reading the context object again.
const definition: AslDefinition = {
  StartAt: 'Prepare',
  States: {
    Prepare: { Type: 'Pass', Parameters: { 'value.$': '$.value' }, Next: 'First' },
    First: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: fn('first'), 'Payload.$': '$' },
      OutputPath: '$.Payload',
      Next: 'Pause',
    },
    Pause: { Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'Second' },
    Second: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: fn('second'), 'Payload.$': '$' },
      OutputPath: '$.Payload',
      Next: 'Report',
    },
    Report: {
      Type: 'Pass',
      Parameters: {
        'name.$': '$$.Execution.Name',
        'startTime.$': '$$.Execution.StartTime',
        'executionInput.$': '$$.Execution.Input',
        'state.$': '$',
      },
      End: true,
    },
  },
};

interface Fakes {
  handlers: Record<string, LambdaHandler>;
  calls: { first: number; second: number };
  /** While set, the first call of `first` waits for it. */
  holdFirst?: Deferred;
  firstStarted: Deferred;
}

const fakes = (waitSeconds: number): Fakes => {
  const state: Fakes = {
    handlers: {},
    calls: { first: 0, second: 0 },
    firstStarted: deferred(),
  };
  state.handlers = {
    first: fakeHandler(async (event) => {
      state.calls.first += 1;
      state.firstStarted.resolve();
      if (state.calls.first === 1 && state.holdFirst) await state.holdFirst.promise;
      return { ...event, waitSeconds, first: state.calls.first };
    }),
    second: fakeHandler((event) => {
      state.calls.second += 1;
      return { ...event, second: state.calls.second };
    }),
  };
  return state;
};

let dataDir: string;
const running: Array<{ service: StepFunctionsService; served: Served }> = [];

beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'sfn-restart-'));
});

afterEach(async () => {
  for (const { service, served } of running.splice(0)) {
    await service.shutdown();
    await served.close();
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** A service on the shared data folder, served over HTTP, with a client. */
const boot = async (handlers: Record<string, LambdaHandler>, clock: Clock = createClock(0)) => {
  const service = new StepFunctionsService({ definition, handlers, stateMachineName: 'durable', clock, dataDir });
  const served = await serve(service);
  const entry = { service, served };
  running.push(entry);
  const stop = async () => {
    running.splice(running.indexOf(entry), 1);
    await service.shutdown();
    await served.close();
  };
  return { service, client: sfnClient(served.url), stop };
};

const historyOf = async (client: ReturnType<typeof sfnClient>, executionArn: string): Promise<HistoryEvent[]> =>
  (await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];

const INPUT = JSON.stringify({ value: 'kept', extra: [1, 2, 3] });

describe('a restart during a Wait', () => {
  it('resumes in the Wait, ends it at its original time and succeeds once with each task run once', async () => {
    // Arrange: 100 emulated seconds at 0.01 real seconds each is a 1 s wait.
    const state = fakes(100);
    const clock = createClock(0.01);
    const first = await boot(state.handlers, clock);
    const { executionArn = '' } = await first.client.send(
      new StartExecutionCommand({ stateMachineArn: first.service.stateMachineArn, name: 'in-wait', input: INPUT }),
    );
    await until(async () => (await historyOf(first.client, executionArn)).some((e) => e.type === 'WaitStateEntered'));
    const beforeRestart = await historyOf(first.client, executionArn);
    const waitEntered = beforeRestart.find((event) => event.type === 'WaitStateEntered')?.timestamp?.getTime() ?? 0;

    // Act: stop the service mid-wait, pause, start a new one on the same data folder.
    await first.stop();
    await sleep(300);
    const second = await boot(state.handlers, clock);
    const describedBeforeResume = await second.client.send(new DescribeExecutionCommand({ executionArn }));
    const resumed = second.service.resume();
    await second.service.settled(executionArn);
    const described = await second.client.send(new DescribeExecutionCommand({ executionArn }));
    const events = await historyOf(second.client, executionArn);

    // Assert: still RUNNING across the restart, then SUCCEEDED; each task ran once.
    expect(describedBeforeResume.status).toBe('RUNNING');
    expect(resumed).toBe(1);
    expect(described.status).toBe('SUCCEEDED');
    expect(state.calls).toEqual({ first: 1, second: 1 });
    // The Wait ended 1 s after it was entered, not 1 s after the restart.
    const secondScheduled = events.find(
      (event) => event.type === 'TaskScheduled' && (event.id ?? 0) > beforeRestart.length,
    );
    const waited = (secondScheduled?.timestamp?.getTime() ?? 0) - waitEntered;
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(waited).toBeLessThan(1250);
    // The history continues the ids of the one before the restart, with no state entered twice and one end.
    expect(events.slice(0, beforeRestart.length)).toEqual(beforeRestart);
    expect(events.map((event) => event.id)).toEqual(events.map((_event, index) => index + 1));
    expect(events.map((event) => event.previousEventId)).toEqual(events.map((_event, index) => index));
    expect(events.filter((event) => event.stateEnteredEventDetails?.name === 'Pause')).toHaveLength(1);
    expect(events.filter((event) => event.type?.startsWith('Execution')).map((event) => event.type)).toEqual([
      'ExecutionStarted',
      'ExecutionSucceeded',
    ]);
    // The context object is the execution's own.
    expect(JSON.parse(described.output ?? '')).toEqual({
      name: 'in-wait',
      startTime: described.startDate?.toISOString(),
      executionInput: JSON.parse(INPUT),
      state: { value: 'kept', waitSeconds: 100, first: 1, second: 1 },
    });
  });
});

describe('a restart during a task', () => {
  it('runs the task in flight again and succeeds once, the task scheduled once in the history', async () => {
    // Arrange: the first call of `first` holds until released.
    const state = fakes(0);
    state.holdFirst = deferred();
    const first = await boot(state.handlers);
    const { executionArn = '' } = await first.client.send(
      new StartExecutionCommand({ stateMachineArn: first.service.stateMachineArn, name: 'in-task', input: INPUT }),
    );
    await state.firstStarted.promise;

    // Act: stop the service while the call runs; the call then ends (its result is not used).
    const stopped = first.stop();
    state.holdFirst.resolve();
    await stopped;
    const callsAtRestart = { ...state.calls };
    const second = await boot(state.handlers);
    second.service.resume();
    await second.service.settled(executionArn);
    const described = await second.client.send(new DescribeExecutionCommand({ executionArn }));
    const events = await historyOf(second.client, executionArn);

    // Assert
    expect(callsAtRestart).toEqual({ first: 1, second: 0 });
    expect(state.calls).toEqual({ first: 2, second: 1 });
    expect(described.status).toBe('SUCCEEDED');
    expect(JSON.parse(described.output ?? '').state).toEqual({ value: 'kept', waitSeconds: 0, first: 2, second: 1 });
    const firstTask = events.filter((event) => event.type === 'TaskScheduled').map((event) => event.id);
    expect(firstTask).toHaveLength(2); // First once, Second once
    expect(events.filter((event) => event.stateEnteredEventDetails?.name === 'First')).toHaveLength(1);
    expect(events.map((event) => event.id)).toEqual(events.map((_event, index) => index + 1));
    expect(events.filter((event) => event.type === 'ExecutionSucceeded')).toHaveLength(1);
  });
});

describe('what persists', () => {
  it('keeps a closed execution and its history across restarts and resumes nothing', async () => {
    // Arrange
    const state = fakes(0);
    const first = await boot(state.handlers);
    const { executionArn = '' } = await first.client.send(
      new StartExecutionCommand({ stateMachineArn: first.service.stateMachineArn, name: 'done', input: INPUT }),
    );
    await first.service.settled(executionArn);
    const history = await historyOf(first.client, executionArn);
    await first.stop();

    // Act
    const second = await boot(state.handlers);
    const resumed = second.service.resume();
    const described = await second.client.send(new DescribeExecutionCommand({ executionArn }));
    const again = await second.client
      .send(new StartExecutionCommand({ stateMachineArn: second.service.stateMachineArn, name: 'done', input: INPUT }))
      .then(
        () => undefined,
        (error: unknown) => error,
      );

    // Assert
    expect(resumed).toBe(0);
    expect(described.status).toBe('SUCCEEDED');
    expect(await historyOf(second.client, executionArn)).toEqual(history);
    expect(again).toMatchObject({ name: 'ExecutionAlreadyExists' });
    expect(state.calls).toEqual({ first: 1, second: 1 });
  });

  it('aborts an execution left running by StopExecution before it is resumed, for good', async () => {
    // Arrange
    const state = fakes(0);
    state.holdFirst = deferred();
    const first = await boot(state.handlers);
    const { executionArn = '' } = await first.client.send(
      new StartExecutionCommand({ stateMachineArn: first.service.stateMachineArn, name: 'to-stop', input: INPUT }),
    );
    await state.firstStarted.promise;
    const stopped = first.stop();
    state.holdFirst.resolve();
    await stopped;
    const second = await boot(state.handlers);

    // Act
    await second.client.send(new StopExecutionCommand({ executionArn, error: 'Operator', cause: 'not needed' }));
    const resumed = second.service.resume();
    await second.stop();
    const third = await boot(state.handlers);
    const described = await third.client.send(new DescribeExecutionCommand({ executionArn }));
    const events = await historyOf(third.client, executionArn);

    // Assert
    expect(resumed).toBe(0);
    expect(third.service.resume()).toBe(0);
    expect(described).toMatchObject({ status: 'ABORTED', error: 'Operator', cause: 'not needed' });
    expect(events.at(-1)).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Operator', cause: 'not needed' },
    });
    expect(state.calls).toEqual({ first: 1, second: 0 });
  });

  it('writes each execution to its own journal: one closing leaves the others as they were', async () => {
    // Arrange
    const state = fakes(0);
    const service = await boot(state.handlers);
    const journals = path.join(dataDir, 'stepfunctions', 'executions');
    const start = (name: string) =>
      service.client.send(new StartExecutionCommand({ stateMachineArn: service.service.stateMachineArn, name }));
    const one = await start('one');
    await service.service.settled(one.executionArn ?? '');
    const [oneFile] = readdirSync(journals);
    const before = { text: readFileSync(path.join(journals, oneFile ?? ''), 'utf8') };
    const mtime = statSync(path.join(journals, oneFile ?? '')).mtimeMs;

    // Act
    const two = await start('two');
    await service.service.settled(two.executionArn ?? '');

    // Assert
    expect(readdirSync(journals)).toHaveLength(2);
    expect(readFileSync(path.join(journals, oneFile ?? ''), 'utf8')).toBe(before.text);
    expect(statSync(path.join(journals, oneFile ?? '')).mtimeMs).toBe(mtime);
  });

  it('reads the executions.json of the previous format once and keeps them queryable', async () => {
    // Arrange: a closed execution as the previous format saved it.
    const executionArn = 'arn:aws:states:us-east-1:000000000000:execution:durable:old-one';
    const legacy = path.join(dataDir, 'stepfunctions', 'executions.json');
    const event = (id: number, type: string, details?: Record<string, unknown>) => ({
      id,
      previousEventId: id - 1,
      timestamp: 1_700_000_000_000 + id,
      type,
      ...(details && { detailsKey: `${type[0]?.toLowerCase()}${type.slice(1)}EventDetails`, details }),
    });
    const saved = {
      seq: 7,
      executionArn,
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:durable',
      name: 'old-one',
      input: '{}',
      status: 'SUCCEEDED',
      startDate: 1_700_000_000_000,
      stopDate: 1_700_000_000_002,
      output: '"ok"',
      events: [event(1, 'ExecutionStarted', { input: '{}' }), event(2, 'ExecutionSucceeded', { output: '"ok"' })],
    };
    mkdirSync(path.dirname(legacy), { recursive: true });
    writeFileSync(legacy, JSON.stringify({ version: 1, executions: [saved] }));

    // Act
    const service = await boot({});
    const described = await service.client.send(new DescribeExecutionCommand({ executionArn }));
    const events = await historyOf(service.client, executionArn);

    // Assert
    expect(described).toMatchObject({ status: 'SUCCEEDED', output: '"ok"', name: 'old-one' });
    expect(events.map((e) => e.type)).toEqual(['ExecutionStarted', 'ExecutionSucceeded']);
    expect(readdirSync(path.dirname(legacy))).not.toContain('executions.json');
  });
});

describe('a crash (no shutdown)', () => {
  it('resumes from what the journal holds when the previous service never stopped', async () => {
    // Arrange: the first service's task holds for ever, as if its process had died in it.
    const state = fakes(0);
    state.holdFirst = deferred();
    const crashed = await boot(state.handlers);
    const { executionArn = '' } = await crashed.client.send(
      new StartExecutionCommand({ stateMachineArn: crashed.service.stateMachineArn, name: 'crashed', input: INPUT }),
    );
    await state.firstStarted.promise;

    // Act
    const next = await boot(state.handlers);
    const resumed = next.service.resume();
    await next.service.settled(executionArn);
    const described = await next.client.send(new DescribeExecutionCommand({ executionArn }));
    const events = await historyOf(next.client, executionArn);
    // The abandoned service lets go of its held call without writing anything more.
    const abandoned = crashed.stop();
    state.holdFirst.resolve();
    await abandoned;

    // Assert
    expect(resumed).toBe(1);
    expect(described.status).toBe('SUCCEEDED');
    expect(state.calls).toEqual({ first: 2, second: 1 });
    expect(events.map((event) => event.id)).toEqual(events.map((_event, index) => index + 1));
    expect(events.filter((event) => event.type === 'ExecutionSucceeded')).toHaveLength(1);
  });

  it('takes a journal that recorded the end but not its closed line as closed, and does not run it again', async () => {
    // Arrange: a finished execution whose journal lost its last line.
    const state = fakes(0);
    const first = await boot(state.handlers);
    const { executionArn = '' } = await first.client.send(
      new StartExecutionCommand({ stateMachineArn: first.service.stateMachineArn, name: 'torn', input: INPUT }),
    );
    await first.service.settled(executionArn);
    const before = await first.client.send(new DescribeExecutionCommand({ executionArn }));
    await first.stop();
    const journals = path.join(dataDir, 'stepfunctions', 'executions');
    const file = path.join(journals, readdirSync(journals)[0] ?? '');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(JSON.parse(lines.at(-1) ?? '')).toMatchObject({ type: 'closed' });
    writeFileSync(file, `${lines.slice(0, -1).join('\n')}\n`);

    // Act
    const second = await boot(state.handlers);
    const resumed = second.service.resume();
    const described = await second.client.send(new DescribeExecutionCommand({ executionArn }));

    // Assert
    expect(resumed).toBe(0);
    expect(described).toEqual({ ...before, $metadata: expect.anything() });
    expect(state.calls).toEqual({ first: 1, second: 1 });
  });
});

describe('an unreadable journal', () => {
  it('refuses a journal of another format version with a message saying how to start afresh', async () => {
    // Arrange
    const journals = path.join(dataDir, 'stepfunctions', 'executions');
    mkdirSync(journals, { recursive: true });
    const file = path.join(journals, 'future.jsonl');
    writeFileSync(file, `${JSON.stringify({ type: 'started', version: 99, executionArn: 'x' })}\n`);

    // Act
    const construct = () =>
      new StepFunctionsService({ definition, handlers: {}, stateMachineName: 'durable', dataDir });

    // Assert
    expect(construct).toThrow(`Cannot read the saved local state in ${file}`);
    expect(construct).toThrow('delete it to start afresh');
  });
});
