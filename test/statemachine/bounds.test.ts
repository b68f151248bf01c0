// The state machine's own limits, computed from statemachine/export-snapshot.asl.json with every Retry counted:
// its history stays under Step Functions' 25,000 events (beyond, the execution fails with no Catch and no
// notification), its polling cap is the one CheckExport budgets for, and its TimeoutSeconds covers the longest
// deadline plus what may run after it.
import {
  type BoundedDefinition,
  executionTimeoutSeconds,
  HISTORY_EVENT_LIMIT,
  loopStates,
  pollCapOf,
  pollingLoops,
  worstHistoryEvents,
  worstStateEvents,
  worstTaskSeconds,
} from '../../config/execution-bounds';
import { backoffForDeadline, MAX_CHECKS } from '../../handlers/lib/backoff';
import { MAX_DEADLINE_MINUTES } from '../../handlers/lib/contracts';
import { readRawDefinition } from '../../local/statemachine';

const definition = readRawDefinition() as unknown as BoundedDefinition;

describe('the history of one execution', () => {
  it('polls in two loops, the fresh snapshot and the export: wait, check, decide', () => {
    expect(pollingLoops(definition)).toEqual([
      ['WaitForSnapshot', 'CheckSnapshot', 'IsSnapshotReady'],
      ['WaitForExport', 'CheckExport', 'IsExportFinished'],
    ]);
    expect(loopStates(definition)).toHaveLength(6);
  });

  it('refuses loops whose caps differ: the one counter bounds both only with one cap', () => {
    const uneven = JSON.parse(
      JSON.stringify(definition).replace(`"NumericGreaterThanEquals":${MAX_CHECKS}`, '"NumericGreaterThanEquals":10'),
    ) as BoundedDefinition;
    expect(() => pollCapOf(uneven)).toThrow(/caps differ/);
  });

  it('caps the polls at the number CheckExport budgets its waits for', () => {
    expect(pollCapOf(definition)).toBe(MAX_CHECKS);
  });

  it('stays under 25,000 events in the worst case, every retry of every visit spent', () => {
    // Act
    const worst = worstHistoryEvents(definition);

    // Assert: and a cap one tenth higher would not, so the cap is not needlessly low.
    expect(worst).toBeLessThanOrEqual(HISTORY_EVENT_LIMIT);
    const higher = JSON.parse(
      JSON.stringify(definition).replaceAll(
        `"NumericGreaterThanEquals":${MAX_CHECKS}`,
        `"NumericGreaterThanEquals":${Math.round(MAX_CHECKS * 1.1)}`,
      ),
    ) as BoundedDefinition;
    expect(worstHistoryEvents(higher)).toBeGreaterThan(HISTORY_EVENT_LIMIT);
  });

  it('counts a Task visit as 5 events plus 3 per retry', () => {
    const check = definition.States.CheckExport;
    const retries = (check?.Retry ?? []).reduce((sum, retrier) => sum + (retrier.MaxAttempts ?? 3), 0);
    expect(worstStateEvents(check as never)).toBe(5 + 3 * retries);
    expect(worstStateEvents({ Type: 'Task' })).toBe(5);
    expect(worstStateEvents({ Type: 'Wait' })).toBe(2);
  });
});

describe('the execution timeout', () => {
  it('is, in the committed file, the bound for the longest deadline', () => {
    // Arrange
    const longestWait = backoffForDeadline(MAX_DEADLINE_MINUTES * 60).maxSeconds;

    // Assert
    expect(definition.TimeoutSeconds).toBe(executionTimeoutSeconds(definition, MAX_DEADLINE_MINUTES, longestWait));
  });

  it('leaves room after the deadline for the longest wait, a last check and a publish with every retry spent', () => {
    // Arrange
    const states = definition.States;
    const after =
      backoffForDeadline(MAX_DEADLINE_MINUTES * 60).maxSeconds +
      worstTaskSeconds(states.CheckExport as never) +
      worstTaskSeconds(states.PublishFailure as never);

    // Assert
    expect((definition.TimeoutSeconds ?? 0) - MAX_DEADLINE_MINUTES * 60).toBeGreaterThanOrEqual(after);
  });

  it('counts every attempt to its TimeoutSeconds and each retry after its longest delay', () => {
    expect(
      worstTaskSeconds({
        Type: 'Task',
        TimeoutSeconds: 10,
        Retry: [{ ErrorEquals: ['X'], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2, MaxDelaySeconds: 5 }],
      }),
    ).toBe(4 * 10 + (2 + 4 + 5));
  });
});
