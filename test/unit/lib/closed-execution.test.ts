import {
  CANCEL_ERROR,
  type ClosedExecution,
  judgeClosedExecution,
  PUBLISH_STATES,
  type RecordedEvent,
} from '../../../handlers/lib/closed-execution';
import { readRawDefinition } from '../../../local/statemachine';

const REQUEST = { sourceSnapshotName: 'nightly', targetBucket: 'exports-bucket' };
const STARTED = { exportId: 'e-1', startedAt: '2026-11-25T03:00:00.000Z', input: REQUEST };
const VALIDATED = {
  ...STARTED,
  sourceSnapshotName: 'nightly',
  targetSnapshotName: 'nightly-copy',
  targetBucket: 'exports-bucket',
};

const entered = (name: string, input: unknown, type = 'TaskStateEntered'): RecordedEvent => ({
  type,
  stateEnteredEventDetails: { name, input: JSON.stringify(input) },
});
const event = (type: string): RecordedEvent => ({ type });

/** The history of a run up to CheckExport, one poll done. */
const UNTIL_CHECK: RecordedEvent[] = [
  event('ExecutionStarted'),
  entered('PrepareExport', REQUEST, 'PassStateEntered'),
  event('PassStateExited'),
  entered('ValidateExport', STARTED),
  event('TaskScheduled'),
  event('TaskSucceeded'),
  event('TaskStateExited'),
  entered('StartExport', VALIDATED),
  event('TaskSucceeded'),
  event('TaskStateExited'),
  entered('WaitForExport', VALIDATED, 'WaitStateEntered'),
  event('WaitStateExited'),
  entered('CheckExport', VALIDATED),
  event('TaskScheduled'),
];

const execution = (overrides: Partial<ClosedExecution>): ClosedExecution => ({
  name: 'e-1',
  status: 'FAILED',
  startedAt: '2026-11-25T03:00:00.000Z',
  stoppedAt: '2026-11-25T03:10:00.000Z',
  input: JSON.stringify(REQUEST),
  events: UNTIL_CHECK,
  ...overrides,
});

describe('judgeClosedExecution', () => {
  it('names exactly the states that invoke publishOutcome in the ASL', () => {
    // Act
    const publishing = Object.entries(readRawDefinition().States)
      .filter(([, state]) => JSON.stringify(state.Parameters?.FunctionName ?? '').includes('publishOutcome'))
      .map(([name]) => name);

    // Assert
    expect(publishing.sort()).toEqual([...PUBLISH_STATES].sort());
  });

  it('finds the notification of a failure that PublishFailure published, although the execution FAILED', () => {
    // Arrange
    const events = [
      ...UNTIL_CHECK,
      event('TaskFailed'),
      entered('PublishFailure', { ...VALIDATED, error: { Error: 'ExportFailedError', Cause: '{}' } }),
      event('TaskScheduled'),
      event('TaskSucceeded'),
      event('TaskStateExited'),
      entered('ExportFailed', {}, 'FailStateEntered'),
      event('ExecutionFailed'),
    ];

    // Act
    const verdict = judgeClosedExecution(execution({ events, error: 'ExportNoObjects' }));

    // Assert
    expect(verdict).toEqual({ notified: true, by: 'PublishFailure' });
  });

  it('reports a cancelled export from its last state, with the cause the cancel gave', () => {
    // Arrange
    const cause = 'The export was cancelled through DELETE /exports/e-1 at 2026-11-25T03:10:00.000Z.';

    // Act
    const verdict = judgeClosedExecution(
      execution({ status: 'ABORTED', error: CANCEL_ERROR, cause, events: [...UNTIL_CHECK, event('ExecutionAborted')] }),
    );

    // Assert
    expect(verdict).toEqual({
      notified: false,
      publish: { ...VALIDATED, error: { Error: CANCEL_ERROR, Cause: cause } },
      note: expect.stringContaining('was stopped in state CheckExport'),
    });
  });

  it('reports a StopExecution by hand as a cancellation too, quoting its cause', () => {
    // Act
    const verdict = judgeClosedExecution(execution({ status: 'ABORTED', error: 'Manual', cause: 'ops cleanup' }));

    // Assert
    expect(verdict).toMatchObject({
      notified: false,
      publish: { error: { Error: CANCEL_ERROR, Cause: 'The export was stopped (StopExecution: ops cleanup).' } },
    });
  });

  it('reports a timed-out execution as ExecutionTimedOut', () => {
    // Act
    const verdict = judgeClosedExecution(execution({ status: 'TIMED_OUT', error: 'States.Timeout' }));

    // Assert
    expect(verdict).toMatchObject({
      notified: false,
      publish: { exportId: 'e-1', targetBucket: 'exports-bucket', error: { Error: 'ExecutionTimedOut' } },
      note: expect.stringContaining('timed out in state CheckExport'),
    });
  });

  it('reports the failure PublishFailure could not publish, not the error that ended the execution', () => {
    // Arrange
    const failure = { ...VALIDATED, error: { Error: 'ExportFailedError', Cause: 'no objects' } };
    const events = [...UNTIL_CHECK, event('TaskFailed'), entered('PublishFailure', failure), event('TaskFailed')];

    // Act
    const verdict = judgeClosedExecution(execution({ events, error: 'AwsUnavailableError', cause: 'SNS is down' }));

    // Assert
    expect(verdict).toEqual({
      notified: false,
      publish: failure,
      note: expect.stringContaining('failed in state PublishFailure with AwsUnavailableError'),
    });
  });

  it('does not count a failed PublishSuccess as a notification', () => {
    // Arrange
    const events = [
      ...UNTIL_CHECK,
      event('TaskSucceeded'),
      entered('PublishSuccess', VALIDATED),
      event('TaskFailed'),
      entered('PublishFailure', { ...VALIDATED, error: { Error: 'AwsUnavailableError' } }),
      event('TaskFailed'),
    ];

    // Act
    const verdict = judgeClosedExecution(execution({ events }));

    // Assert
    expect(verdict.notified).toBe(false);
  });

  it.each([
    ['null', 'null'],
    ['an array', '[1,2]'],
    ['a string', '"nightly"'],
  ])('reports an input that is %s as InvalidRequest, from the raw request alone', (what, input) => {
    // Arrange: PrepareExport failed at once with States.Runtime.
    const events = [event('ExecutionStarted'), entered('PrepareExport', JSON.parse(input), 'PassStateEntered')];

    // Act
    const verdict = judgeClosedExecution(execution({ input, events, error: 'States.Runtime', cause: 'bad path' }));

    // Assert
    expect(verdict).toMatchObject({
      notified: false,
      publish: {
        exportId: 'e-1',
        input: JSON.parse(input),
        error: { Error: 'InvalidRequestError', Cause: expect.stringContaining(`not ${what}`) },
      },
    });
  });

  it('reports a runtime failure after the first state with its own error and a bounded cause', () => {
    // Act
    const verdict = judgeClosedExecution(execution({ error: 'States.Runtime', cause: 'x'.repeat(50_000) }));

    // Assert
    expect(verdict).toMatchObject({ notified: false, publish: { error: { Error: 'States.Runtime' } } });
    if (verdict.notified || !('error' in verdict.publish)) throw new Error('unreachable');
    expect((verdict.publish.error?.Cause ?? '').length).toBeLessThan(2200);
  });

  it('reports a verified export whose success PublishSuccess and PublishFailure could not publish as a success', () => {
    // Arrange
    const exported = {
      ...VALIDATED,
      poll: { status: 'exported', attempt: 3 },
      objects: [{ key: 'k-0001.rdb', size: 9 }],
    };
    const events = [
      ...UNTIL_CHECK,
      event('TaskSucceeded'),
      entered('PublishSuccess', exported),
      event('TaskFailed'),
      entered('PublishFailure', { ...exported, error: { Error: 'ExportRejectedError', Cause: 'not authorized' } }),
      event('TaskFailed'),
    ];

    // Act
    const verdict = judgeClosedExecution(execution({ events, error: 'ExportRejectedError' }));

    // Assert
    expect(verdict).toEqual({
      notified: false,
      publish: exported,
      note: expect.stringMatching(/^The export itself succeeded and was verified; the workflow could not publish/),
    });
  });
});
