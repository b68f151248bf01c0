// EventBridge Scheduler for the local stack: fires each enabled schedule of the schedules file at its fire times
// (config/schedule-times.ts: AWS's cron dialect, time zones, daylight saving time, rate, at) on the wall clock.
// LOCAL_TIME_SCALE does not apply: it shortens emulated delays, and a cron at 02:00 still fires at 02:00.
//
// Timers never keep the process alive and wake at least once a minute to read the wall clock again, so a machine that
// slept, a clock that was set, or a fire time beyond setTimeout's 2^31-1 ms (24.8 days) is handled the same way: a
// fire time that has passed is fired once, late, and the schedule carries on from the next time after now (the
// times missed meanwhile are not caught up, and none is fired twice).
//
// Rate schedules count from start(), as Scheduler counts a rate schedule without StartDate from its creation.
// Scheduler also invokes such a schedule once at creation; the local stack does not at each start (a restart would
// start an export each time): fireNow() is the immediate run.
import { isOneTime, nextFireTime } from '../config/schedule-times.js';

/** setTimeout's longest delay; a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const MINUTE_MS = 60_000;

export interface LocalSchedule {
  /** The name in the schedules file (the deployed schedule is exportSnapshot-<stage>-<name>). */
  name: string;
  /** cron(...), rate(...) or at(...). */
  expression: string;
  /** IANA time zone; default UTC. */
  timezone?: string;
  /** Default true, as in the schedules file. */
  enabled?: boolean;
}

export interface LocalSchedulerOptions {
  schedules: readonly LocalSchedule[];
  /** Runs one schedule (starts the state machine with its input); `scheduledTime` is Scheduler's scheduled time. */
  fire: (name: string, scheduledTime: Date) => Promise<unknown>;
  /** A line per fire, failure and arming (default: none). */
  log?: (message: string) => void;
  /** The wall clock (default the system's). */
  now?: () => Date;
  /** The longest a timer sleeps before reading the wall clock again (default 60 s, at most 2^31-1 ms). */
  recheckMs?: number;
}

export interface ScheduleStatus {
  name: string;
  expression: string;
  timezone: string;
  enabled: boolean;
  /** The next time it fires; undefined while the scheduler is stopped, for a disabled schedule, or when it is over. */
  nextFireTime: Date | undefined;
}

/** fireNow() was given a name that is not in the schedules. */
export class UnknownScheduleError extends Error {
  public constructor(
    public readonly scheduleName: string,
    public readonly knownNames: readonly string[],
  ) {
    super(
      `No schedule is named ${scheduleName}; the schedules are: ${knownNames.length > 0 ? knownNames.join(', ') : '(none)'}`,
    );
    this.name = 'UnknownScheduleError';
  }
}

interface ScheduleState {
  schedule: Required<LocalSchedule>;
  /** Rate schedules: the start of the scheduler, on the minute. */
  anchor: Date | undefined;
  next: Date | undefined;
  timer: NodeJS.Timeout | undefined;
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const floorToMinute = (date: Date): Date => new Date(Math.floor(date.getTime() / MINUTE_MS) * MINUTE_MS);

export class LocalScheduler {
  private readonly states = new Map<string, ScheduleState>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly log: (message: string) => void;
  private readonly now: () => Date;
  private readonly recheckMs: number;
  private started = false;

  /** Checks every schedule (unique names, expressions and time zones Scheduler accepts); throws on the first problem. */
  public constructor(private readonly options: LocalSchedulerOptions) {
    this.log = options.log ?? (() => {});
    this.now = options.now ?? (() => new Date());
    this.recheckMs = Math.max(1, Math.min(options.recheckMs ?? MINUTE_MS, MAX_TIMER_MS));
    for (const { name, expression, timezone = 'UTC', enabled = true } of options.schedules) {
      if (this.states.has(name)) throw new Error(`Schedule ${name} is defined twice`);
      try {
        nextFireTime(expression, { from: this.now(), timezone });
      } catch (error) {
        throw new Error(`Schedule ${name}: ${messageOf(error)}`, { cause: error });
      }
      this.states.set(name, {
        schedule: { name, expression: expression.trim(), timezone, enabled },
        anchor: undefined,
        next: undefined,
        timer: undefined,
      });
    }
  }

  public get running(): boolean {
    return this.started;
  }

  /** Arms every enabled schedule; rate schedules count from now. Does nothing when already started. */
  public start(): this {
    if (this.started) return this;
    this.started = true;
    const startedAt = this.now();
    for (const state of this.states.values()) {
      if (!state.schedule.enabled) continue;
      const { name, timezone, expression } = state.schedule;
      state.anchor = expression.startsWith('rate(') ? floorToMinute(startedAt) : undefined;
      this.arm(state, startedAt);
      const when = state.next ? `next fires at ${state.next.toISOString()}` : 'has no fire time left';
      this.log(`Schedule ${name} (${expression}, ${timezone}) ${when}`);
    }
    return this;
  }

  /** Cancels every timer, then waits for the fires under way to settle. The scheduler can be started again. */
  public async stop(): Promise<void> {
    this.started = false;
    for (const state of this.states.values()) {
      if (state.timer) clearTimeout(state.timer);
      state.timer = undefined;
      state.next = undefined;
    }
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Fires `name` now, enabled or not, with the scheduled time Scheduler would give a run in this minute (now,
   * truncated to the minute), and resolves to what `fire` resolved to (or rejects with its error). Leaves the
   * schedule's timer alone. Rejects with UnknownScheduleError, which lists the names, for a name not in the schedules.
   */
  public async fireNow(name: string, now: Date = this.now()): Promise<unknown> {
    if (!this.states.has(name)) throw new UnknownScheduleError(name, [...this.states.keys()]);
    const scheduledTime = floorToMinute(now);
    this.log(`Schedule ${name} fired on request (scheduled time ${scheduledTime.toISOString()})`);
    return this.track(Promise.resolve().then(() => this.options.fire(name, scheduledTime)));
  }

  /** Every schedule with its next fire time, in the order of the schedules. */
  public list(): ScheduleStatus[] {
    return [...this.states.values()].map(({ schedule, next }) => ({
      name: schedule.name,
      expression: schedule.expression,
      timezone: schedule.timezone,
      enabled: schedule.enabled,
      nextFireTime: next,
    }));
  }

  private arm(state: ScheduleState, from: Date): void {
    const { expression, timezone } = state.schedule;
    state.next = nextFireTime(expression, { from, timezone, ...(state.anchor && { startDate: state.anchor }) });
    this.wait(state);
  }

  private wait(state: ScheduleState): void {
    state.timer = undefined;
    if (!this.started || !state.next) return;
    const delay = state.next.getTime() - this.now().getTime();
    if (delay <= 0) {
      this.trigger(state, state.next);
      return;
    }
    state.timer = setTimeout(() => this.wait(state), Math.min(delay, this.recheckMs));
    state.timer.unref();
  }

  private trigger(state: ScheduleState, scheduledTime: Date): void {
    const { name, expression } = state.schedule;
    const now = this.now();
    const lateMs = now.getTime() - scheduledTime.getTime();
    // Re-armed before the fire runs, from the later of the fire time and now: the time just fired is never found
    // again, and times missed while the machine slept are skipped rather than fired in a burst.
    this.arm(state, new Date(Math.max(scheduledTime.getTime(), now.getTime())));
    const next = state.next ? `next ${state.next.toISOString()}` : isOneTime(expression) ? 'one-time' : 'no next time';
    const late = lateMs >= MINUTE_MS ? `, ${Math.round(lateMs / 1000)} s late` : '';
    this.log(`Schedule ${name} fired (scheduled time ${scheduledTime.toISOString()}${late}; ${next})`);
    const run = Promise.resolve()
      .then(() => this.options.fire(name, scheduledTime))
      .catch((error: unknown) => {
        this.log(`Schedule ${name} failed for ${scheduledTime.toISOString()}: ${messageOf(error)}`);
      });
    void this.track(run);
  }

  private track<T>(run: Promise<T>): Promise<T> {
    this.inFlight.add(run);
    const forget = () => this.inFlight.delete(run);
    run.then(forget, forget);
    return run;
  }
}
