// When EventBridge Scheduler fires a schedule (config/schedule-times.ts): AWS's documented cron examples, its
// dialect (L, W, #, names, wrapping ranges, the year field), time zones, daylight saving time, rate and at, and the
// longest gap between fires that the export alarm is derived from.
import { fireTimes, isOneTime, longestGap, nextFireTime } from '../../config/schedule-times';

const iso = (dates: Date[]): string[] => dates.map((date) => date.toISOString());
const times = (expression: string, from: string, limit: number, timezone?: string): string[] =>
  iso(fireTimes(expression, { from: new Date(from), limit, ...(timezone && { timezone }) }));

// 2025-01-01 is a Wednesday.
const NEW_YEAR_2025 = '2025-01-01T00:00:00Z';

describe('the cron examples of the EventBridge and Scheduler User Guides (UTC)', () => {
  it.each([
    ['cron(0 10 * * ? *)', NEW_YEAR_2025, ['2025-01-01T10:00:00.000Z', '2025-01-02T10:00:00.000Z']],
    ['cron(15 12 * * ? *)', NEW_YEAR_2025, ['2025-01-01T12:15:00.000Z', '2025-01-02T12:15:00.000Z']],
    [
      'cron(0 18 ? * MON-FRI *)',
      NEW_YEAR_2025,
      ['2025-01-01T18:00:00.000Z', '2025-01-02T18:00:00.000Z', '2025-01-03T18:00:00.000Z', '2025-01-06T18:00:00.000Z'],
    ],
    ['cron(0 8 1 * ? *)', NEW_YEAR_2025, ['2025-01-01T08:00:00.000Z', '2025-02-01T08:00:00.000Z']],
    [
      'cron(0/15 * * * ? *)',
      NEW_YEAR_2025,
      ['2025-01-01T00:15:00.000Z', '2025-01-01T00:30:00.000Z', '2025-01-01T00:45:00.000Z', '2025-01-01T01:00:00.000Z'],
    ],
    [
      'cron(0/10 * ? * MON-FRI *)',
      '2025-01-03T23:45:00Z',
      ['2025-01-03T23:50:00.000Z', '2025-01-06T00:00:00.000Z', '2025-01-06T00:10:00.000Z'],
    ],
    [
      'cron(0/5 8-17 ? * MON-FRI *)',
      '2025-01-03T17:50:00Z',
      ['2025-01-03T17:55:00.000Z', '2025-01-06T08:00:00.000Z', '2025-01-06T08:05:00.000Z'],
    ],
    [
      'cron(0 9 ? * 2#1 *)',
      NEW_YEAR_2025,
      ['2025-01-06T09:00:00.000Z', '2025-02-03T09:00:00.000Z', '2025-03-03T09:00:00.000Z'],
    ],
    ['cron(5,35 14 * * ? *)', NEW_YEAR_2025, ['2025-01-01T14:05:00.000Z', '2025-01-01T14:35:00.000Z']],
  ])('%s fires as documented', (expression, from, expected) => {
    // Act
    const result = times(expression, from, expected.length);

    // Assert
    expect(result).toEqual(expected);
  });

  it('runs cron(15 10 ? * 6L 2019-2022) on the last Friday of each month until 2022 ends', () => {
    // Act
    const result = times('cron(15 10 ? * 6L 2019-2022)', '2022-11-01T00:00:00Z', 5);

    // Assert
    expect(result).toEqual(['2022-11-25T10:15:00.000Z', '2022-12-30T10:15:00.000Z']);
  });

  it('wraps cron(0/30 20-2 ? * MON-FRI *) past midnight, each fire on a weekday of its own', () => {
    // Act: from Friday evening; Saturday's small hours are not a weekday, Monday's are.
    const result = times('cron(0/30 20-2 ? * MON-FRI *)', '2025-01-03T23:00:00Z', 4);

    // Assert
    expect(result).toEqual([
      '2025-01-03T23:30:00.000Z',
      '2025-01-06T00:00:00.000Z',
      '2025-01-06T00:30:00.000Z',
      '2025-01-06T01:00:00.000Z',
    ]);
  });
});

describe("AWS's cron dialect", () => {
  it('numbers the days of the week 1-7 from Sunday and accepts names in any case', () => {
    // Act
    const sunday = times('cron(0 0 ? * 1 *)', NEW_YEAR_2025, 1);
    const named = times('cron(0 0 ? * sun *)', NEW_YEAR_2025, 1);
    const saturday = times('cron(0 0 ? * 7 *)', NEW_YEAR_2025, 1);

    // Assert
    expect(sunday).toEqual(['2025-01-05T00:00:00.000Z']);
    expect(named).toEqual(sunday);
    expect(saturday).toEqual(['2025-01-04T00:00:00.000Z']);
  });

  it('reads L in day-of-month as the last day, leap years included, and L-2 as two days before it', () => {
    // Act
    const last = times('cron(0 0 L * ? *)', '2024-01-15T00:00:00Z', 3);
    const lastMinusTwo = times('cron(0 0 L-2 * ? *)', NEW_YEAR_2025, 2);

    // Assert
    expect(last).toEqual(['2024-01-31T00:00:00.000Z', '2024-02-29T00:00:00.000Z', '2024-03-31T00:00:00.000Z']);
    expect(lastMinusTwo).toEqual(['2025-01-29T00:00:00.000Z', '2025-02-26T00:00:00.000Z']);
  });

  it('reads L alone in day-of-week as Saturday, the last day of the week', () => {
    // Act
    const result = times('cron(0 0 ? * L *)', NEW_YEAR_2025, 2);

    // Assert
    expect(result).toEqual(['2025-01-04T00:00:00.000Z', '2025-01-11T00:00:00.000Z']);
  });

  it('moves nW to the nearest weekday without leaving the month', () => {
    // Act: 15 Feb 2025 is a Saturday, 15 Jun a Sunday; 1 Feb a Saturday; 30 Nov a Sunday and the last day.
    const fifteenth = times('cron(0 0 15W * ? *)', '2025-02-01T00:00:00Z', 5);
    const first = times('cron(0 0 1W * ? *)', '2025-01-02T00:00:00Z', 1);
    const thirtieth = times('cron(0 0 30W * ? *)', '2025-11-01T00:00:00Z', 1);

    // Assert
    expect(fifteenth).toEqual([
      '2025-02-14T00:00:00.000Z',
      '2025-03-14T00:00:00.000Z',
      '2025-04-15T00:00:00.000Z',
      '2025-05-15T00:00:00.000Z',
      '2025-06-16T00:00:00.000Z',
    ]);
    expect(first).toEqual(['2025-02-03T00:00:00.000Z']);
    expect(thirtieth).toEqual(['2025-11-28T00:00:00.000Z']);
  });

  it('reads LW as the last weekday of the month', () => {
    // Act: 31 May 2025 is a Saturday, 31 Aug a Sunday.
    const result = times('cron(0 0 LW * ? *)', '2025-05-01T00:00:00Z', 4);

    // Assert
    expect(result).toEqual([
      '2025-05-30T00:00:00.000Z',
      '2025-06-30T00:00:00.000Z',
      '2025-07-31T00:00:00.000Z',
      '2025-08-29T00:00:00.000Z',
    ]);
  });

  it('fires 2#5 only in the months that have a fifth Monday, and MON#1 like 2#1', () => {
    // Act
    const fifth = times('cron(0 0 ? * 2#5 *)', NEW_YEAR_2025, 4);
    const named = times('cron(0 9 ? * MON#1 *)', NEW_YEAR_2025, 3);

    // Assert
    expect(fifth).toEqual([
      '2025-03-31T00:00:00.000Z',
      '2025-06-30T00:00:00.000Z',
      '2025-09-29T00:00:00.000Z',
      '2025-12-29T00:00:00.000Z',
    ]);
    expect(named).toEqual(times('cron(0 9 ? * 2#1 *)', NEW_YEAR_2025, 3));
  });

  it('steps within a range, wraps a day-of-week range past Saturday and reads month names', () => {
    // Act
    const stepped = times('cron(5-50/15 * * * ? *)', NEW_YEAR_2025, 4);
    const wrapped = times('cron(0 0 ? * FRI-MON *)', NEW_YEAR_2025, 4);
    const months = times('cron(0 0 1 JAN-MAR/2 ? *)', '2024-12-31T00:00:00Z', 2);

    // Assert
    expect(stepped).toEqual([
      '2025-01-01T00:05:00.000Z',
      '2025-01-01T00:20:00.000Z',
      '2025-01-01T00:35:00.000Z',
      '2025-01-01T00:50:00.000Z',
    ]);
    expect(wrapped).toEqual([
      '2025-01-03T00:00:00.000Z',
      '2025-01-04T00:00:00.000Z',
      '2025-01-05T00:00:00.000Z',
      '2025-01-06T00:00:00.000Z',
    ]);
    expect(months).toEqual(['2025-01-01T00:00:00.000Z', '2025-03-01T00:00:00.000Z']);
  });

  it('fires only in the years of the year field, and never after the last one', () => {
    // Act
    const result = times('cron(0 0 1 1 ? 2026,2028)', NEW_YEAR_2025, 5);

    // Assert
    expect(result).toEqual(['2026-01-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z']);
  });

  it('returns nothing for a day that never comes', () => {
    // Act
    const result = times('cron(0 0 30 2 ? *)', NEW_YEAR_2025, 1);

    // Assert
    expect(result).toEqual([]);
  });

  it.each([
    ['cron(0 10 * * ?)', /six fields/],
    ['cron(0 10 * * * *)', /one of day-of-month and day-of-week/],
    ['cron(0 10 ? * ? *)', /one of day-of-month and day-of-week/],
    ['cron(60 10 * * ? *)', /minutes: 60 is outside 0-59/],
    ['cron(0 10 ? * 8 *)', /day-of-week: 8 is outside 1-7/],
    ['cron(0 10 ? * 2#6 *)', /#1 to #5/],
    ['cron(0/0 10 * * ? *)', /step/],
    ['rate(0 minutes)', /at least 1/],
    ['at(2027-02-30T02:30:00)', /exists/],
    ['every day', /must be cron/],
  ])('refuses %s', (expression, message) => {
    // Act / Assert
    expect(() => fireTimes(expression, { from: new Date(NEW_YEAR_2025), limit: 1 })).toThrow(message);
  });

  it('refuses a time zone that is not an IANA name', () => {
    // Act / Assert
    expect(() =>
      fireTimes('cron(0 10 * * ? *)', { from: new Date(NEW_YEAR_2025), limit: 1, timezone: 'Mars/Olympus' }),
    ).toThrow(/IANA/);
  });
});

describe('fire times in a time zone', () => {
  it('follows the wall clock of America/New_York across summer time', () => {
    // Act
    const winter = times('cron(0 10 * * ? *)', NEW_YEAR_2025, 1, 'America/New_York');
    const summer = times('cron(0 10 * * ? *)', '2025-07-01T00:00:00Z', 1, 'America/New_York');

    // Assert
    expect(winter).toEqual(['2025-01-01T15:00:00.000Z']);
    expect(summer).toEqual(['2025-07-01T14:00:00.000Z']);
  });

  it('fires at 10:00 in Asia/Kolkata, half an hour off the hour in UTC', () => {
    // Act
    const result = times('cron(0 10 * * ? *)', NEW_YEAR_2025, 1, 'Asia/Kolkata');

    // Assert
    expect(result).toEqual(['2025-01-01T04:30:00.000Z']);
  });

  it('evaluates the day fields on the local date, not the UTC one', () => {
    // Act: 00:30 on Monday in Paris is still Sunday in UTC.
    const result = times('cron(30 0 ? * MON *)', NEW_YEAR_2025, 1, 'Europe/Paris');

    // Assert
    expect(result).toEqual(['2025-01-05T23:30:00.000Z']);
  });
});

describe('daylight saving time', () => {
  it('skips a Europe/Paris time that does not exist when the clocks go forward', () => {
    // Act: 30 March 2025, 02:00 CET becomes 03:00 CEST.
    const result = times('cron(30 2 * * ? *)', '2025-03-28T12:00:00Z', 3, 'Europe/Paris');

    // Assert
    expect(result).toEqual(['2025-03-29T01:30:00.000Z', '2025-03-31T00:30:00.000Z', '2025-04-01T00:30:00.000Z']);
  });

  it('fires a Europe/Paris time that occurs twice once, at its first occurrence', () => {
    // Act: 26 October 2025, 03:00 CEST becomes 02:00 CET; 02:30 comes at 00:30Z and again at 01:30Z.
    const result = times('cron(30 2 * * ? *)', '2025-10-25T12:00:00Z', 2, 'Europe/Paris');

    // Assert
    expect(result).toEqual(['2025-10-26T00:30:00.000Z', '2025-10-27T01:30:00.000Z']);
  });

  it('does not run an interval schedule a second time through the repeated hour in America/New_York', () => {
    // Act: 2 November 2025, 02:00 EDT becomes 01:00 EST.
    const result = times('cron(0/30 1 * * ? *)', '2025-11-01T12:00:00Z', 3, 'America/New_York');

    // Assert
    expect(result).toEqual(['2025-11-02T05:00:00.000Z', '2025-11-02T05:30:00.000Z', '2025-11-03T06:00:00.000Z']);
  });

  it('goes from 01:30 EST straight to 03:00 EDT when America/New_York springs forward', () => {
    // Act: 9 March 2025, 02:00 EST becomes 03:00 EDT.
    const result = times('cron(0/30 * * * ? *)', '2025-03-09T06:00:00Z', 3, 'America/New_York');

    // Assert
    expect(result).toEqual(['2025-03-09T06:30:00.000Z', '2025-03-09T07:00:00.000Z', '2025-03-09T07:30:00.000Z']);
  });

  it('skips and runs once across the half-hour changes of Australia/Lord_Howe', () => {
    // Act: 5 October 2025, 02:00 becomes 02:30 (+10:30 to +11); 6 April 2025, 02:00 becomes 01:30.
    const forward = times('cron(15 2 * * ? *)', '2025-10-03T00:00:00Z', 2, 'Australia/Lord_Howe');
    const back = times('cron(45 1 * * ? *)', '2025-04-05T00:00:00Z', 2, 'Australia/Lord_Howe');

    // Assert
    expect(forward).toEqual(['2025-10-03T15:45:00.000Z', '2025-10-05T15:15:00.000Z']);
    expect(back).toEqual(['2025-04-05T14:45:00.000Z', '2025-04-06T15:15:00.000Z']);
  });
});

describe('rate schedules', () => {
  it('counts from `from` on the minute when there is no start date', () => {
    // Act
    const result = times('rate(6 hours)', '2025-01-01T00:00:17Z', 2);

    // Assert
    expect(result).toEqual(['2025-01-01T06:00:00.000Z', '2025-01-01T12:00:00.000Z']);
  });

  it('fires first at the start date, then every 24 hours across a DST change, whatever the time zone', () => {
    // Act: 9 March 2025 is 23 hours long in New York; rate(1 day) stays 24 hours.
    const result = iso(
      fireTimes('rate(1 day)', {
        from: new Date('2025-03-01T00:00:00Z'),
        startDate: new Date('2025-03-08T12:00:00Z'),
        timezone: 'America/New_York',
        limit: 3,
      }),
    );

    // Assert
    expect(result).toEqual(['2025-03-08T12:00:00.000Z', '2025-03-09T12:00:00.000Z', '2025-03-10T12:00:00.000Z']);
  });

  it('keeps the phase of a start date in the past and rounds a start date up to the minute', () => {
    // Act
    const past = iso(
      fireTimes('rate(5 minutes)', {
        from: new Date('2025-01-01T00:07:00Z'),
        startDate: new Date('2025-01-01T00:00:00Z'),
        limit: 2,
      }),
    );
    const rounded = iso(
      fireTimes('rate(5 minutes)', {
        from: new Date(NEW_YEAR_2025),
        startDate: new Date('2025-01-01T10:00:30Z'),
        limit: 2,
      }),
    );

    // Assert
    expect(past).toEqual(['2025-01-01T00:10:00.000Z', '2025-01-01T00:15:00.000Z']);
    expect(rounded).toEqual(['2025-01-01T10:01:00.000Z', '2025-01-01T10:06:00.000Z']);
  });
});

describe('one-time schedules', () => {
  it('fires at(...) once at that wall-clock time in its zone, and not once it has passed', () => {
    // Act
    const ahead = times('at(2027-01-31T02:30:00)', NEW_YEAR_2025, 5, 'Europe/Paris');
    const passed = times('at(2027-01-31T02:30:00)', '2027-02-01T00:00:00Z', 5, 'Europe/Paris');

    // Assert
    expect(ahead).toEqual(['2027-01-31T01:30:00.000Z']);
    expect(passed).toEqual([]);
    expect(isOneTime('at(2027-01-31T02:30:00)')).toBe(true);
  });

  it('ignores the start date, as Scheduler does for one-time schedules', () => {
    // Act
    const result = iso(
      fireTimes('at(2027-01-31T02:30:00)', {
        from: new Date(NEW_YEAR_2025),
        startDate: new Date('2028-01-01T00:00:00Z'),
        limit: 1,
      }),
    );

    // Assert
    expect(result).toEqual(['2027-01-31T02:30:00.000Z']);
  });

  it('runs a time in the repeated hour at its first occurrence and one in the gap an hour later', () => {
    // Act
    const repeated = times('at(2025-11-02T01:30:00)', NEW_YEAR_2025, 1, 'America/New_York');
    const missing = times('at(2025-03-09T02:30:00)', NEW_YEAR_2025, 1, 'America/New_York');

    // Assert
    expect(repeated).toEqual(['2025-11-02T05:30:00.000Z']);
    expect(missing).toEqual(['2025-03-09T07:30:00.000Z']);
  });
});

describe('bounds', () => {
  it('stops at `to`, inclusive, and honours a start date for cron', () => {
    // Act
    const untilTo = iso(
      fireTimes('cron(0 10 * * ? *)', { from: new Date(NEW_YEAR_2025), to: new Date('2025-01-03T10:00:00Z') }),
    );
    const afterStart = iso(
      fireTimes('cron(0 10 * * ? *)', {
        from: new Date(NEW_YEAR_2025),
        startDate: new Date('2025-01-02T10:00:00Z'),
        limit: 1,
      }),
    );

    // Assert
    expect(untilTo).toEqual(['2025-01-01T10:00:00.000Z', '2025-01-02T10:00:00.000Z', '2025-01-03T10:00:00.000Z']);
    expect(afterStart).toEqual(['2025-01-02T10:00:00.000Z']);
  });

  it('returns the next fire time strictly after `from`, and none when the schedule is over', () => {
    // Act
    const next = nextFireTime('cron(0 10 * * ? *)', { from: new Date('2025-01-01T10:00:00Z') });
    const over = nextFireTime('cron(0 10 * * ? 2020)', { from: new Date(NEW_YEAR_2025) });

    // Assert
    expect(next?.toISOString()).toBe('2025-01-02T10:00:00.000Z');
    expect(over).toBeUndefined();
  });
});

describe('longestGap', () => {
  const from = new Date(NEW_YEAR_2025);

  it.each([
    ['cron(0 18 ? * MON-FRI *)', undefined, 3 * 86_400],
    ['cron(0/10 * ? * MON-FRI *)', undefined, 2 * 86_400 + 600],
    ['cron(0 8 1 * ? *)', undefined, 31 * 86_400],
    ['cron(0/15 * * * ? *)', undefined, 900],
    ['rate(6 hours)', undefined, 21_600],
    ['rate(1 day)', 'America/New_York', 86_400],
    // The repeated hour of 2 November runs once: 01:45 EDT is followed by 02:00 EST, 75 minutes later.
    ['cron(0/15 * * * ? *)', 'America/New_York', 4_500],
    // 9 March has no 02:30: 8 March 02:30 EST to 10 March 02:30 EDT is 47 hours.
    ['cron(30 2 * * ? *)', 'America/New_York', 47 * 3_600],
  ])('finds %s in %s at most %s seconds apart', (expression, timezone, expected) => {
    // Act
    const gap = longestGap(expression, { from, ...(timezone && { timezone }) });

    // Assert
    expect(gap).toBe(expected);
  });

  it('is undefined for a one-time schedule and for a schedule whose years are over', () => {
    // Act / Assert
    expect(longestGap('at(2027-01-31T02:30:00)', { from })).toBeUndefined();
    expect(longestGap('cron(0 0 1 1 ? 2020)', { from })).toBeUndefined();
  });

  it('measures a yearly schedule to the next year, past the window', () => {
    // Act
    const gap = longestGap('cron(0 0 1 1 ? *)', { from });

    // Assert: 1 January 2025 to 1 January 2026, then to 2027; neither is a leap year.
    expect(gap).toBe(365 * 86_400);
  });

  it.each([
    ['cron(0/30 * * * ? *)', 'Europe/Paris'],
    ['cron(30 2 * * ? *)', 'Europe/Paris'],
    ['cron(0/20 1-3 ? * SUN *)', 'America/New_York'],
    ['cron(45 1 * * ? *)', 'Australia/Lord_Howe'],
  ])('agrees with the gaps between every fire time of %s in %s over the year', (expression, timezone) => {
    // Arrange
    const all = fireTimes(expression, { from, timezone, to: new Date(from.getTime() + 367 * 86_400_000) });
    const gaps = all.slice(1).map((time, index) => (time.getTime() - (all[index]?.getTime() ?? 0)) / 1000);

    // Act
    const gap = longestGap(expression, { from, timezone });

    // Assert
    expect(gap).toBe(Math.max(...gaps));
  });

  it('walks a once-a-minute schedule over a year in a DST zone well under a second', () => {
    // Act
    const started = performance.now();
    const gap = longestGap('cron(0/1 * * * ? *)', { from, timezone: 'Europe/Paris' });
    const elapsed = performance.now() - started;

    // Assert: 02:59 CEST on 26 October is followed by 03:00 CET (the repeated hour runs once).
    expect(gap).toBe(3_660);
    expect(elapsed).toBeLessThan(1_000);
  });
});
