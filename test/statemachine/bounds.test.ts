// The state machine's own limits, computed from statemachine/export-snapshot.asl.json with every Retry counted:
// its history stays under Step Functions' 25,000 events (beyond, the execution fails with no Catch and no
// notification), its polling cap is the one handlers/lib/backoff.ts computes for the longest deadline and the
// failed-check budget, and its TimeoutSeconds covers the longest deadline plus what may run after it.
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
import { DEFAULT_BACKOFF, FAILED_CHECK_BUDGET, MAX_CHECKS } from '../../handlers/lib/backoff';
import { MAX_DEADLINE_MINUTES } from '../../handlers/lib/contracts';
import { readRawDefinition } from '../../local/statemachine';

const definition = readRawDefinition() as unknown as BoundedDefinition;

/** The definition with `change` applied to a deep copy. */
const changed = (change: (copy: BoundedDefinition) => void): BoundedDefinition => {
  const copy = JSON.parse(JSON.stringify(definition)) as BoundedDefinition;
  change(copy);
  return copy;
};

describe('the history of one execution', () => {
  it('polls in two loops, the fresh snapshot and the export: wait, check, count a failed check, decide', () => {
    expect(pollingLoops(definition)).toEqual([
      ['WaitForSnapshot', 'CheckSnapshot', 'CountFailedSnapshotCheck', 'AfterFailedSnapshotCheck', 'IsSnapshotReady'],
      ['WaitForExport', 'CheckExport', 'CountFailedExportCheck', 'AfterFailedExportCheck', 'IsExportFinished'],
    ]);
    expect(loopStates(definition)).toHaveLength(10);
  });

  it('refuses loops whose caps differ: the one counter bounds both only with one cap', () => {
    const uneven = JSON.parse(
      JSON.stringify(definition).replace(`"NumericGreaterThanEquals":${MAX_CHECKS}`, '"NumericGreaterThanEquals":10'),
    ) as BoundedDefinition;
    expect(() => pollCapOf(uneven)).toThrow(/caps differ/);
  });

  it('refuses a way round a loop that bypasses the cap', () => {
    // Arrange: a failed check that goes straight back to the wait.
    const bypass = changed((copy) => {
      const after = copy.States.AfterFailedExportCheck as { Default?: string };
      after.Default = 'WaitForExport';
    });

    // Assert
    expect(() => pollCapOf(bypass)).toThrow(/bypasses its cap in IsExportFinished/);
  });

  it('refuses a way round a loop that does not advance the counter', () => {
    // Arrange: a count of failed checks that forgets the attempt.
    const stuck = changed((copy) => {
      const count = copy.States.CountFailedExportCheck as unknown as { Parameters: Record<string, string> };
      count.Parameters['attempt.$'] = '$.poll.attempt';
    });

    // Assert
    expect(() => pollCapOf(stuck)).toThrow(/does not advance \$\.poll\.attempt/);
  });

  it('caps the polls at the number the backoff computes for the longest deadline and the failed-check budget', () => {
    expect(pollCapOf(definition)).toBe(MAX_CHECKS);
  });

  it('ends the export when the failed checks spend the budget, in both loops', () => {
    for (const name of ['AfterFailedSnapshotCheck', 'AfterFailedExportCheck']) {
      const budget = definition.States[name]?.Choices?.find((rule) => rule.Variable === '$.poll.failedChecks');
      expect({ name, budget: budget?.NumericGreaterThanEquals }).toEqual({ name, budget: FAILED_CHECK_BUDGET });
    }
  });

  it('stays under 25,000 events in the worst case, every state of a loop in every round, every retry spent', () => {
    // Act
    const worst = worstHistoryEvents(definition);

    // Assert
    expect(worst).toBeLessThanOrEqual(HISTORY_EVENT_LIMIT);
  });

  it('would not with the per-check Retry blocks it replaced, nor with two more states in the export loop', () => {
    // Arrange: the Retry CheckExport had (4 + 6 + 4 attempts), and two Pass states between check and decision.
    const withRetry = changed((copy) => {
      (copy.States.CheckExport as { Retry?: unknown }).Retry = [
        { ErrorEquals: ['Lambda.ServiceException'], MaxAttempts: 4 },
        { ErrorEquals: ['AwsThrottledError'], MaxAttempts: 6 },
        { ErrorEquals: ['AwsUnavailableError'], MaxAttempts: 4 },
      ];
    });
    const longer = changed((copy) => {
      const check = copy.States.CheckExport as { Next: string };
      copy.States.LogCheck = { Type: 'Pass', Next: 'LogCheckAgain' };
      copy.States.LogCheckAgain = { Type: 'Pass', Next: check.Next };
      check.Next = 'LogCheck';
      for (let extra = 0; extra < 4; extra += 1) {
        copy.States[`Note${extra}`] = { Type: 'Pass', Next: extra === 3 ? 'IsExportFinished' : `Note${extra + 1}` };
      }
      (copy.States.LogCheckAgain as { Next: string }).Next = 'Note0';
    });

    // Assert
    expect(worstHistoryEvents(withRetry)).toBeGreaterThan(HISTORY_EVENT_LIMIT);
    expect(worstHistoryEvents(longer)).toBeGreaterThan(HISTORY_EVENT_LIMIT);
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
    const longestWait = DEFAULT_BACKOFF.maxSeconds;

    // Assert
    expect(definition.TimeoutSeconds).toBe(executionTimeoutSeconds(definition, MAX_DEADLINE_MINUTES, longestWait));
  });

  it('leaves room after the deadline for a check under way, the longest wait, a last check and a publish', () => {
    // Arrange
    const states = definition.States;
    const after =
      worstTaskSeconds(states.CheckExport as never) +
      DEFAULT_BACKOFF.maxSeconds +
      worstTaskSeconds(states.CheckExport as never) +
      worstTaskSeconds(states.CleanUpAfterFailure as never) +
      worstTaskSeconds(states.PublishFailure as never);

    // Assert
    expect((definition.TimeoutSeconds ?? 0) - MAX_DEADLINE_MINUTES * 60).toBeGreaterThanOrEqual(after);
  });

  it('ends the loop at the deadline after a failed check too, so failures cannot outlast the timeout', () => {
    for (const name of ['AfterFailedSnapshotCheck', 'AfterFailedExportCheck']) {
      const rule = definition.States[name]?.Choices?.find((choice) => choice.Variable === '$.poll.failedAt');
      expect({ name, rule }).toMatchObject({ name, rule: { TimestampGreaterThanPath: '$.deadline' } });
    }
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
