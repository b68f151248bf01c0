// The local stack's scaled clock (LOCAL_TIME_SCALE): emulated delays shortened by the scale, timers cancellable.
import { createClock, parseTimeScale, timeScaleFromEnv } from '../../local/clock';

describe('time scale', () => {
  it('reads LOCAL_TIME_SCALE and defaults to real time', () => {
    // Act / Assert
    expect(timeScaleFromEnv({ LOCAL_TIME_SCALE: '0.01' })).toBe(0.01);
    expect(timeScaleFromEnv({})).toBe(1);
    expect(parseTimeScale('0')).toBe(0);
  });

  it.each(['fast', '-1', 'Infinity'])('rejects %s as a time scale', (raw) => {
    // Act / Assert
    expect(() => parseTimeScale(raw)).toThrow(/LOCAL_TIME_SCALE/);
  });

  it('turns a 60 s emulated delay into 0.6 s of real time at scale 0.01', () => {
    // Arrange
    const clock = createClock(0.01);

    // Act
    const ms = clock.realMs(60);

    // Assert
    expect(ms).toBe(600);
  });
});

describe('timers', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs a scheduled callback after the scaled delay, not before', () => {
    // Arrange
    const clock = createClock(0.01);
    const callback = jest.fn();
    clock.schedule(60, callback);

    // Act
    jest.advanceTimersByTime(599);
    const early = callback.mock.calls.length;
    jest.advanceTimersByTime(1);

    // Assert
    expect(early).toBe(0);
    expect(callback).toHaveBeenCalledTimes(1);
  });

  it('resolves a sleep after the scaled delay', async () => {
    // Arrange
    const clock = createClock(0.5);
    const done = jest.fn();
    const sleeping = clock.sleep(10).then(done);

    // Act
    await jest.advanceTimersByTimeAsync(5000);
    await sleeping;

    // Assert
    expect(done).toHaveBeenCalled();
  });

  it('cancels a scheduled callback', () => {
    // Arrange
    const clock = createClock(1);
    const callback = jest.fn();
    const cancel = clock.schedule(1, callback);

    // Act
    cancel();
    jest.advanceTimersByTime(5000);

    // Assert
    expect(callback).not.toHaveBeenCalled();
  });

  it('rejects pending sleeps and drops scheduled callbacks when disposed', async () => {
    // Arrange
    const clock = createClock(1);
    const callback = jest.fn();
    clock.schedule(1, callback);
    const sleeping = clock.sleep(1);

    // Act
    clock.dispose();
    jest.advanceTimersByTime(5000);

    // Assert
    await expect(sleeping).rejects.toMatchObject({ name: 'AbortError' });
    expect(callback).not.toHaveBeenCalled();
  });
});
