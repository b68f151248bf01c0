// Structural checks of statemachine/export-snapshot.asl.json (HOUSE-STYLE rule 17): the definition is valid ASL,
// every transition lands on a state, every Lambda task retries transient errors (a polling check: catches them into
// the count of failed checks, then polls on) and is caught, every error name we match is one our handlers can throw,
// and every function reference is a function in serverless.yml.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import aslValidator from 'asl-validator';
import { parse } from 'yaml';
import * as errors from '../../handlers/lib/errors';
import { type AslState, loadLocalDefinition, readRawDefinition, taskFunctionKeys } from '../../local/statemachine';

const TRANSIENT_LAMBDA_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.TooManyRequestsException',
];

const definition = readRawDefinition();
const states = Object.entries(definition.States);
const tasks = states.filter(([, state]) => state.Type === 'Task');

/** The polling checks: their transient errors are caught and counted (CountFailed*Check), not retried. */
const CHECKS: Record<string, string> = {
  CheckSnapshot: 'CountFailedSnapshotCheck',
  CheckExport: 'CountFailedExportCheck',
};

/** Errors a task survives: those it retries, and for a check those it catches into the count of failed checks. */
const survivedErrors = (name: string, state: AslState): string[] => [
  ...(state.Retry ?? []).flatMap((retrier) => retrier.ErrorEquals),
  ...(state.Catch ?? []).filter((catcher) => catcher.Next === CHECKS[name]).flatMap((catcher) => catcher.ErrorEquals),
];

const transitionsOf = (state: AslState): string[] => [
  ...(state.Next ? [state.Next] : []),
  ...(state.Default ? [state.Default] : []),
  ...(state.Choices ?? []).map((choice) => choice.Next),
  ...(state.Catch ?? []).map((catcher) => catcher.Next),
];

/** Names of the error classes handlers/lib/errors.ts exports, read from instances so renames are caught. */
const exportedErrorNames = (): string[] =>
  Object.values(errors)
    .filter((value) => typeof value === 'function' && value.prototype instanceof Error)
    .map((ErrorClass) => new (ErrorClass as unknown as new (message: string) => Error)('x').name);

describe('export-snapshot state machine definition', () => {
  it('is valid ASL once function references are resolved', () => {
    // Arrange: asl-validator mutates its input, so it gets its own copy.
    const resolved = loadLocalDefinition();

    // Act
    const result = aslValidator(resolved);

    // Assert
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('uses JSONPath, which the local runner executes (JSONata would be silently ignored)', () => {
    expect(definition.QueryLanguage ?? 'JSONPath').toBe('JSONPath');
  });

  it('only transitions to states that exist, and every state is reachable from StartAt', () => {
    // Arrange
    const names = new Set(Object.keys(definition.States));
    const reachable = new Set<string>();
    const visit = (name: string): void => {
      if (reachable.has(name)) return;
      reachable.add(name);
      const state = definition.States[name];
      if (state) for (const next of transitionsOf(state)) visit(next);
    };

    // Act
    visit(definition.StartAt);

    // Assert
    for (const [, state] of states) for (const next of transitionsOf(state)) expect(names).toContain(next);
    expect([...reachable].sort()).toEqual([...names].sort());
  });

  it('gives every Lambda task a timeout and a retry of the transient Lambda errors (a check: a count)', () => {
    for (const [name, state] of tasks) {
      const retried = survivedErrors(name, state);
      expect({ name, missing: TRANSIENT_LAMBDA_ERRORS.filter((error) => !retried.includes(error)) }).toEqual({
        name,
        missing: [],
      });
      expect({ name, timeout: typeof state.TimeoutSeconds }).toEqual({ name, timeout: 'number' });
    }
  });

  it('retries a Lambda function timeout on the tasks that are safe to run twice, never on the publishers', () => {
    // Lambda's own timeout (serverless.yml sets it below TimeoutSeconds) reaches Step Functions as Sandbox.Timedout,
    // not States.Timeout, so retrying States.Timeout alone never retries a timed-out invocation.
    for (const [name, state] of tasks) {
      const retried = survivedErrors(name, state).includes('Sandbox.Timedout');
      expect({ name, retried }).toEqual({ name, retried: !name.startsWith('Publish') });
    }
  });

  it('retries an unhandled Lambda error (out of memory, function timeout) on the idempotent tasks only', () => {
    // Step Functions guide, "Handle Lambda service exceptions": these reach the state machine as Lambda.Unknown.
    for (const [name, state] of tasks) {
      const retried = survivedErrors(name, state).includes('Lambda.Unknown');
      expect({ name, retried }).toEqual({ name, retried: !name.startsWith('Publish') });
    }
  });

  it('retries throttling with backoff and jitter on every task but the checks, which count it and poll on', () => {
    for (const [name, state] of tasks) {
      if (CHECKS[name]) {
        expect({ name, survived: survivedErrors(name, state) }).toEqual({
          name,
          survived: expect.arrayContaining(['AwsThrottledError', 'AwsUnavailableError']),
        });
        continue;
      }
      const throttling = (state.Retry ?? []).find((retrier) => retrier.ErrorEquals.includes('AwsThrottledError'));
      expect({ name, backoff: throttling?.BackoffRate, jitter: throttling?.JitterStrategy }).toEqual({
        name,
        backoff: 2,
        jitter: 'FULL',
      });
    }
  });

  it('catches every error of every task into a publishing state, through the clean-up of a fresh snapshot', () => {
    // Arrange: where a Catch may lead, and the one ResultPath each route uses.
    const cleanUps = new Set(['CleanUp', 'CleanUpAfterFailure']);
    for (const [name, state] of tasks) {
      if (name === 'PublishFailure') {
        expect(state.Catch).toBeUndefined();
        continue;
      }
      // Act
      const expected =
        name === 'PublishSuccess'
          ? { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'PublishFailure' }
          : cleanUps.has(name)
            ? { ErrorEquals: ['States.ALL'], ResultPath: '$.cleanupError', Next: state.Next }
            : { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'NeedsCleanUpAfterFailure' };
      const counted = CHECKS[name]
        ? [{ ErrorEquals: survivedErrors(name, state), ResultPath: '$.poll.lastFailure', Next: CHECKS[name] }]
        : [];

      // Assert: a check catches its transient errors into the count first; everything else fails the export.
      expect({ name, catch: state.Catch }).toEqual({ name, catch: [...counted, expected] });
      if (CHECKS[name]) expect(state.Retry).toBeUndefined();
    }
    // A failure cleans up only what it took, then publishes; clean-up never loops back into the export.
    const afterFailure = definition.States.NeedsCleanUpAfterFailure;
    expect(transitionsOf(afterFailure ?? ({} as never)).sort()).toEqual(['CleanUpAfterFailure', 'PublishFailure']);
    expect(definition.States.CleanUpAfterFailure?.Next).toBe('PublishFailure');
    expect(definition.States.CleanUp?.Next).toBe('PublishSuccess');
  });

  it('ends in exactly one Succeed state and one Fail state, both reached only through a publishing state', () => {
    const succeed = states.filter(([, state]) => state.Type === 'Succeed').map(([name]) => name);
    const fail = states.filter(([, state]) => state.Type === 'Fail').map(([name]) => name);
    expect(succeed).toEqual(['ExportSucceeded']);
    expect(fail).toEqual(['ExportFailed']);
    expect(definition.States.PublishSuccess?.Next).toBe('ExportSucceeded');
    // PublishFailure's outcome decides: the success it announced for a verified export, or the failure.
    const decision = definition.States[definition.States.PublishFailure?.Next ?? ''];
    expect(decision?.Type).toBe('Choice');
    expect(transitionsOf(decision ?? ({} as never)).sort()).toEqual(['ExportFailed', 'ExportSucceeded']);
    // Nothing but that decision leads to the Fail state, so a failed execution always notified first.
    const intoFail = states.filter(([, state]) => transitionsOf(state).includes('ExportFailed')).map(([name]) => name);
    expect(intoFail).toEqual([definition.States.PublishFailure?.Next]);
    const intoSucceed = states
      .filter(([, state]) => transitionsOf(state).includes('ExportSucceeded'))
      .map(([name]) => name)
      .sort();
    expect(intoSucceed).toEqual([definition.States.PublishFailure?.Next, 'PublishSuccess'].sort());
  });

  it.each(['IsSnapshotReady', 'IsExportFinished'])(
    'bounds the polling loop of %s with an attempt cap that leads to the failure path',
    (decision) => {
      const choice = definition.States[decision];
      const cap = choice?.Choices?.find((rule) => rule.Variable === '$.poll.attempt');
      expect(cap).toMatchObject({ NumericGreaterThanEquals: expect.any(Number) });
      expect(definition.States[cap?.Next ?? '']?.Next).toBe('NeedsCleanUpAfterFailure');
    },
  );

  it('ends the failed-check path in the failure path, or polls on through the attempt cap', () => {
    for (const [check, count] of Object.entries(CHECKS)) {
      const after = definition.States[definition.States[count]?.Next ?? ''];
      const decision = definition.States[check]?.Next ?? '';
      expect(after?.Type).toBe('Choice');
      expect(after?.Default).toBe(decision);
      for (const rule of after?.Choices ?? []) {
        expect(definition.States[rule.Next]?.Next).toBe('NeedsCleanUpAfterFailure');
        expect(definition.States[rule.Next]?.ResultPath).toBe('$.error');
      }
    }
  });

  it('only retries or catches errors that our handlers can throw', () => {
    // Arrange
    const ours = exportedErrorNames();

    // Act
    const named = states
      .flatMap(([, state]) => [...(state.Retry ?? []), ...(state.Catch ?? [])])
      .flatMap((rule) => rule.ErrorEquals)
      .filter((name) => !/^(States|Lambda|Sandbox)\./.test(name));

    // Assert
    expect(named.length).toBeGreaterThan(0);
    expect(ours).toEqual(expect.arrayContaining(named));
    expect([...errors.STATE_MACHINE_ERROR_NAMES]).toEqual(expect.arrayContaining(named));
  });

  it('references only functions that serverless.yml defines, with a handler file for each', () => {
    // Arrange
    const serverless = parse(readFileSync(path.join(__dirname, '..', '..', 'serverless.yml'), 'utf8')) as {
      functions: Record<string, { handler: string }>;
    };

    // Act
    const referenced = Object.values(taskFunctionKeys(definition));

    // Assert
    expect(referenced.length).toBe(tasks.length);
    for (const key of referenced) {
      const fn = serverless.functions[key];
      expect({ key, defined: fn !== undefined }).toEqual({ key, defined: true });
      const file = path.join(__dirname, '..', '..', `${(fn?.handler ?? '').replace(/\.handler$/, '')}.ts`);
      expect(readFileSync(file, 'utf8')).toContain('export const handler =');
    }
  });
});
