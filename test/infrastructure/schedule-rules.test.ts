// config/schedule-rules.ts, called directly; test/infrastructure/serverless-vars.test.ts covers the rules as the
// schedules file reaches them when the service is packaged.
import { expressionProblems, retentionProblems } from '../../config/schedule-rules';

describe('retentionProblems', () => {
  it.each([{ keepLast: 7 }, { maxAgeDays: 30 }, { keepLast: 1, maxAgeDays: 1 }, { keepLast: 1000, maxAgeDays: 3650 }])(
    'accepts %p',
    (retention) => {
      // Act
      const problems = retentionProblems(retention);

      // Assert
      expect(problems).toEqual([]);
    },
  );

  it.each([
    [{ keepLast: 0 }, 'keepLast must be a whole number from 1 to 1000, got 0'],
    [{ keepLast: 1001 }, 'keepLast must be a whole number from 1 to 1000, got 1001'],
    [{ keepLast: 2.5 }, 'keepLast must be a whole number from 1 to 1000, got 2.5'],
    [{ keepLast: '7' }, 'keepLast must be a whole number from 1 to 1000, got "7"'],
    [{ keepLast: null }, 'keepLast must be a whole number from 1 to 1000, got null'],
    [{ maxAgeDays: 0 }, 'maxAgeDays must be a whole number from 1 to 3650, got 0'],
    [{ maxAgeDays: 3651 }, 'maxAgeDays must be a whole number from 1 to 3650, got 3651'],
    [{ maxAgeDays: Number.NaN }, 'maxAgeDays must be a whole number from 1 to 3650, got NaN'],
    [{}, 'must set keepLast, maxAgeDays or both, e.g. { keepLast: 7 } or { maxAgeDays: 30 }'],
    [7, 'must be a mapping with keepLast, maxAgeDays or both, e.g. { keepLast: 7 }'],
    [null, 'must be a mapping with keepLast, maxAgeDays or both, e.g. { keepLast: 7 }'],
    [[{ keepLast: 7 }], 'must be a mapping with keepLast, maxAgeDays or both, e.g. { keepLast: 7 }'],
  ])('refuses %p: %s', (retention, problem) => {
    // Act
    const problems = retentionProblems(retention);

    // Assert
    expect(problems).toEqual([problem]);
  });

  it('refuses unknown keys, and says so besides the other problems', () => {
    // Act
    const problems = retentionProblems({ keep_last: 7, maxAgeDays: 0 });

    // Assert
    expect(problems).toEqual([
      'unknown key keep_last: only keepLast and maxAgeDays are allowed',
      'maxAgeDays must be a whole number from 1 to 3650, got 0',
    ]);
  });

  it('names both rules when neither is set next to an unknown key', () => {
    // Act
    const problems = retentionProblems({ keep: 7 });

    // Assert
    expect(problems).toEqual([
      'unknown key keep: only keepLast and maxAgeDays are allowed',
      'must set keepLast, maxAgeDays or both, e.g. { keepLast: 7 } or { maxAgeDays: 30 }',
    ]);
  });
});

describe('expressionProblems', () => {
  it.each([
    // The EventBridge User Guide's cron examples, the wrapping hour range among them.
    'cron(0 10 * * ? *)',
    'cron(15 12 * * ? *)',
    'cron(0 18 ? * MON-FRI *)',
    'cron(0 8 1 * ? *)',
    'cron(0/15 * * * ? *)',
    'cron(0/10 * ? * MON-FRI *)',
    'cron(0/5 8-17 ? * MON-FRI *)',
    'cron(0/30 20-2 ? * MON-FRI *)',
    'cron(0 9 ? * 2#1 *)',
  ])('accepts AWS documented example %s', (expression) => {
    expect(expressionProblems(expression)).toEqual([]);
  });

  it('still refuses a wrapping range with another problem, and an hour out of range', () => {
    expect(expressionProblems('cron(0/30 20-2 * * MON-FRI *)')).toHaveLength(2);
    expect(expressionProblems('cron(0 25-2 ? * * *)')).toEqual([
      "cron(0 25-2 ? * * *): Number '25' of hours field is bigger than upper limit '23'.",
    ]);
  });
});
