// Scaled time for the local stack. `LOCAL_TIME_SCALE` is real seconds per emulated second: 1 runs in real time,
// 0.01 makes a 60 s emulated delay (an ElastiCache export, a Wait state) take 0.6 s, 0 makes delays immediate.
// Timestamps stay wall-clock time; only waiting is shortened.

export interface Clock {
  /** Real seconds per emulated second. */
  readonly timeScale: number;
  /** Wall-clock now. */
  now(): Date;
  /** Milliseconds of real time that `emulatedSeconds` of emulated time take. */
  realMs(emulatedSeconds: number): number;
  /** Resolves after `emulatedSeconds` of emulated time (scaled); rejects with an AbortError when the clock is disposed. */
  sleep(emulatedSeconds: number): Promise<void>;
  /**
   * Runs `callback` after `emulatedSeconds` of emulated time; returns a function that cancels it. The timer does not
   * keep the process alive by itself.
   */
  schedule(emulatedSeconds: number, callback: () => void): () => void;
  /** Cancels every pending timer (sleeps reject, scheduled callbacks never run). */
  dispose(): void;
}

export const DEFAULT_TIME_SCALE = 1;

/** Parses a time scale (`LOCAL_TIME_SCALE`): a finite number >= 0. Throws on anything else, so typos fail loudly. */
export const parseTimeScale = (raw: string | undefined, fallback = DEFAULT_TIME_SCALE): number => {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`LOCAL_TIME_SCALE must be a number >= 0 (real seconds per emulated second), got "${raw}"`);
  }
  return value;
};

/** The time scale from `LOCAL_TIME_SCALE` (default 1). */
export const timeScaleFromEnv = (env: NodeJS.ProcessEnv = process.env): number => parseTimeScale(env.LOCAL_TIME_SCALE);

class AbortError extends Error {
  public constructor() {
    super('The clock was disposed');
    this.name = 'AbortError';
  }
}

export const createClock = (timeScale: number = timeScaleFromEnv()): Clock => {
  if (!Number.isFinite(timeScale) || timeScale < 0) {
    throw new Error(`timeScale must be a number >= 0, got ${timeScale}`);
  }
  const pending = new Map<NodeJS.Timeout, () => void>();
  const realMs = (emulatedSeconds: number): number => Math.max(0, Math.round(emulatedSeconds * 1000 * timeScale));

  const schedule = (
    emulatedSeconds: number,
    callback: () => void,
    options: { keepAlive: boolean; onCancel?: () => void },
  ): (() => void) => {
    const timer = setTimeout(() => {
      pending.delete(timer);
      callback();
    }, realMs(emulatedSeconds));
    // Background emulated work (an export finishing) must not keep a process alive on its own: the server does
    // that while it runs. A sleep someone awaits does keep it alive.
    if (!options.keepAlive) timer.unref();
    pending.set(timer, options.onCancel ?? (() => {}));
    return () => {
      if (pending.delete(timer)) clearTimeout(timer);
    };
  };

  return {
    timeScale,
    now: () => new Date(),
    realMs,
    schedule: (emulatedSeconds, callback) => schedule(emulatedSeconds, callback, { keepAlive: false }),
    sleep: (emulatedSeconds) =>
      new Promise<void>((resolve, reject) => {
        schedule(emulatedSeconds, resolve, { keepAlive: true, onCancel: () => reject(new AbortError()) });
      }),
    dispose: () => {
      for (const [timer, onCancel] of pending) {
        clearTimeout(timer);
        onCancel();
      }
      pending.clear();
    },
  };
};
