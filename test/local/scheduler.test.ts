// The local stack's EventBridge Scheduler (local/scheduler.ts): wall-clock fires, re-arming, rate anchored at
// start, far-future times, a machine that slept, failures logged, stop(), fireNow() and timers that never keep the
// process alive.
import { type LocalSchedule, LocalScheduler, UnknownScheduleError } from '../../local/scheduler';

type Fire = jest.Mock<Promise<unknown>, [string, Date]>;
const fireMock = (implementation: () => Promise<unknown>): Fire =>
  jest.fn<Promise<unknown>, [string, Date]>(implementation);

const schedule = (overrides: Partial<LocalSchedule> = {}): LocalSchedule => ({
  name: 'nightly',
  expression: 'cron(0 2 * * ? *)',
  enabled: true,
  ...overrides,
});

const setUp = (schedules: LocalSchedule[], options: { recheckMs?: number; fire?: Fire } = {}) => {
  const fire: Fire = options.fire ?? fireMock(async () => ({ executionArn: 'arn:execution' }));
  const lines: string[] = [];
  const scheduler = new LocalScheduler({
    schedules,
    fire,
    log: (line) => lines.push(line),
    ...(options.recheckMs !== undefined && { recheckMs: options.recheckMs }),
  });
  return { scheduler, fire, lines };
};

const firedAt = (fire: Fire): string[] => fire.mock.calls.map(([, time]) => time.toISOString());
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('timed fires', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2025-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('fires a cron schedule at its wall-clock time in its zone, with that scheduled time, and re-arms', async () => {
    // Arrange: 02:00 in Paris is 01:00 UTC in winter.
    const { scheduler, fire, lines } = setUp([schedule({ timezone: 'Europe/Paris' })]);
    scheduler.start();

    // Act
    await jest.advanceTimersByTimeAsync(HOUR - 1);
    const early = fire.mock.calls.length;
    await jest.advanceTimersByTimeAsync(1 + DAY);

    // Assert
    expect(early).toBe(0);
    expect(fire.mock.calls.map(([name]) => name)).toEqual(['nightly', 'nightly']);
    expect(firedAt(fire)).toEqual(['2025-01-01T01:00:00.000Z', '2025-01-02T01:00:00.000Z']);
    expect(lines.filter((line) => line.includes(' fired '))).toEqual([
      'Schedule nightly fired (scheduled time 2025-01-01T01:00:00.000Z; next 2025-01-02T01:00:00.000Z)',
      'Schedule nightly fired (scheduled time 2025-01-02T01:00:00.000Z; next 2025-01-03T01:00:00.000Z)',
    ]);
    await scheduler.stop();
  });

  it('does not fire a disabled schedule', async () => {
    // Arrange
    const { scheduler, fire } = setUp([schedule({ enabled: false })]);
    scheduler.start();

    // Act
    await jest.advanceTimersByTimeAsync(2 * DAY);

    // Assert
    expect(fire).not.toHaveBeenCalled();
    await scheduler.stop();
  });

  it('counts a rate schedule from start, on the minute, and does not fire it at start', async () => {
    // Arrange
    jest.setSystemTime(new Date('2025-01-01T10:00:20Z'));
    const { scheduler, fire } = setUp([schedule({ name: 'often', expression: 'rate(5 minutes)' })]);
    scheduler.start();

    // Act
    await jest.advanceTimersByTimeAsync(10 * MINUTE);

    // Assert
    expect(firedAt(fire)).toEqual(['2025-01-01T10:05:00.000Z', '2025-01-01T10:10:00.000Z']);
    await scheduler.stop();
  });

  it('fires a one-time schedule 100 days ahead, past the longest setTimeout, exactly once', async () => {
    // Arrange: even with no re-check, no timer is armed past 2^31-1 ms (which Node would run at once).
    const { scheduler, fire, lines } = setUp([schedule({ name: 'once', expression: 'at(2025-04-11T00:00:00)' })], {
      recheckMs: Number.POSITIVE_INFINITY,
    });
    scheduler.start();

    // Act
    await jest.advanceTimersByTimeAsync(100 * DAY - 1);
    const early = fire.mock.calls.length;
    await jest.advanceTimersByTimeAsync(50 * DAY);

    // Assert
    expect(early).toBe(0);
    expect(firedAt(fire)).toEqual(['2025-04-11T00:00:00.000Z']);
    expect(lines).toContain('Schedule once fired (scheduled time 2025-04-11T00:00:00.000Z; one-time)');
    expect(scheduler.list()[0]?.nextFireTime).toBeUndefined();
    await scheduler.stop();
  });

  it('fires a time missed while the machine slept once, late, then carries on from the next time', async () => {
    // Arrange
    const { scheduler, fire, lines } = setUp([schedule({ name: 'hourly', expression: 'cron(0 * * * ? *)' })]);
    scheduler.start();

    // Act: the wall clock jumps 3.5 hours while no timer runs, then the next re-check comes.
    jest.setSystemTime(new Date('2025-01-01T03:30:00Z'));
    await jest.advanceTimersByTimeAsync(MINUTE);
    const afterWaking = firedAt(fire);
    await jest.advanceTimersByTimeAsync(HOUR);

    // Assert
    expect(afterWaking).toEqual(['2025-01-01T01:00:00.000Z']);
    expect(firedAt(fire)).toEqual(['2025-01-01T01:00:00.000Z', '2025-01-01T04:00:00.000Z']);
    expect(lines).toContain(
      'Schedule hourly fired (scheduled time 2025-01-01T01:00:00.000Z, 9060 s late; next 2025-01-01T04:00:00.000Z)',
    );
    await scheduler.stop();
  });

  it('waits for the wall clock when it is set back instead of firing early', async () => {
    // Arrange
    const { scheduler, fire } = setUp([schedule({ name: 'hourly', expression: 'cron(0 * * * ? *)' })]);
    scheduler.start();

    // Act: at 00:30 the clock is set back to 23:30 the day before; 01:00 is now 90 minutes away.
    await jest.advanceTimersByTimeAsync(30 * MINUTE);
    jest.setSystemTime(new Date('2024-12-31T23:30:00Z'));
    await jest.advanceTimersByTimeAsync(90 * MINUTE - 1);
    const beforeOne = fire.mock.calls.length;
    await jest.advanceTimersByTimeAsync(1);

    // Assert
    expect(beforeOne).toBe(0);
    expect(firedAt(fire)).toEqual(['2025-01-01T01:00:00.000Z']);
    await scheduler.stop();
  });

  it('logs a failed fire, thrown or rejected, and keeps the schedule running', async () => {
    // Arrange
    const fire: Fire = jest
      .fn<Promise<unknown>, [string, Date]>()
      .mockImplementationOnce(() => {
        throw new Error('state machine not found');
      })
      .mockRejectedValueOnce('throttled')
      .mockResolvedValue({});
    const { scheduler, lines } = setUp([schedule({ name: 'often', expression: 'rate(1 minute)' })], { fire });
    scheduler.start();

    // Act
    await jest.advanceTimersByTimeAsync(3 * MINUTE);

    // Assert
    expect(fire).toHaveBeenCalledTimes(3);
    expect(lines.filter((line) => line.includes('failed'))).toEqual([
      'Schedule often failed for 2025-01-01T00:01:00.000Z: state machine not found',
      'Schedule often failed for 2025-01-01T00:02:00.000Z: throttled',
    ]);
    await scheduler.stop();
  });

  it('fires nothing after stop() and waits for the fire under way', async () => {
    // Arrange
    let finish: () => void = () => {};
    const fire = fireMock(
      () =>
        new Promise<unknown>((resolve) => {
          finish = () => resolve({});
        }),
    );
    const { scheduler } = setUp([schedule({ name: 'often', expression: 'rate(1 minute)' })], { fire });
    scheduler.start();
    await jest.advanceTimersByTimeAsync(MINUTE);

    // Act
    let stopped = false;
    const stopping = scheduler.stop().then(() => {
      stopped = true;
    });
    await jest.advanceTimersByTimeAsync(0);
    const stoppedBeforeFinish = stopped;
    finish();
    await stopping;
    await jest.advanceTimersByTimeAsync(10 * MINUTE);

    // Assert
    expect(stoppedBeforeFinish).toBe(false);
    expect(stopped).toBe(true);
    expect(fire).toHaveBeenCalledTimes(1);
    expect(jest.getTimerCount()).toBe(0);
    expect(scheduler.running).toBe(false);
  });

  it('lists each schedule with its next fire time once started', async () => {
    // Arrange
    const { scheduler } = setUp([schedule(), schedule({ name: 'off', enabled: false, timezone: 'Europe/Paris' })]);

    // Act
    const before = scheduler.list();
    scheduler.start();
    const after = scheduler.list();

    // Assert
    expect(before.map((status) => status.nextFireTime)).toEqual([undefined, undefined]);
    expect(after).toEqual([
      {
        name: 'nightly',
        expression: 'cron(0 2 * * ? *)',
        timezone: 'UTC',
        enabled: true,
        nextFireTime: new Date('2025-01-01T02:00:00Z'),
      },
      {
        name: 'off',
        expression: 'cron(0 2 * * ? *)',
        timezone: 'Europe/Paris',
        enabled: false,
        nextFireTime: undefined,
      },
    ]);
    await scheduler.stop();
  });
});

describe('fireNow', () => {
  it('fires at once with the scheduled time truncated to the minute and returns what fire returned', async () => {
    // Arrange
    const { scheduler, fire } = setUp([schedule({ enabled: false })]);

    // Act
    const result = await scheduler.fireNow('nightly', new Date('2025-01-01T12:34:56.789Z'));

    // Assert
    expect(result).toEqual({ executionArn: 'arn:execution' });
    expect(fire).toHaveBeenCalledWith('nightly', new Date('2025-01-01T12:34:00Z'));
  });

  it('rejects with the error of fire', async () => {
    // Arrange
    const fire = fireMock(async () => {
      throw new Error('boom');
    });
    const { scheduler } = setUp([schedule()], { fire });

    // Act / Assert
    await expect(scheduler.fireNow('nightly')).rejects.toThrow('boom');
  });

  it('rejects an unknown name with an error that lists the known names', async () => {
    // Arrange
    const { scheduler, fire } = setUp([schedule(), schedule({ name: 'weekly', expression: 'cron(0 3 ? * SUN *)' })]);

    // Act
    const attempt = scheduler.fireNow('hourly');

    // Assert
    await expect(attempt).rejects.toThrow(UnknownScheduleError);
    await expect(attempt).rejects.toThrow('No schedule is named hourly; the schedules are: nightly, weekly');
    expect(fire).not.toHaveBeenCalled();
  });
});

describe('construction', () => {
  it('refuses a name used twice and an expression Scheduler would refuse, naming the schedule', () => {
    // Act / Assert
    expect(() => setUp([schedule(), schedule()])).toThrow('Schedule nightly is defined twice');
    expect(() => setUp([schedule({ expression: 'cron(0 2 * * * *)' })])).toThrow(/^Schedule nightly: cron/);
    expect(() => setUp([schedule({ timezone: 'Mars/Olympus' })])).toThrow(/Schedule nightly: .*IANA/);
  });
});

describe('real timers', () => {
  it('arms timers that do not keep the process alive', async () => {
    // Arrange
    const timeouts = () => process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;
    const before = timeouts();
    const { scheduler } = setUp([schedule(), schedule({ name: 'often', expression: 'rate(1 minute)' })]);

    // Act
    scheduler.start();
    const whileRunning = timeouts();
    await scheduler.stop();

    // Assert
    expect(whileRunning).toBe(before);
  });
});
