// When an EventBridge Scheduler schedule fires: the fire times of cron(...), rate(...) and at(...) expressions in the
// schedule's IANA time zone, and the longest gap between two of them (the "no export succeeded within the expected
// window" alarm). Pure: used when the service is packaged and by the local stack's scheduler (local/scheduler.ts).
//
// Semantics, from the EventBridge Scheduler User Guide ("Schedule types in EventBridge Scheduler": cron-based, rate-based,
// one-time, time zones, daylight saving time), the EventBridge User Guide ("Cron expressions reference") and the AWS
// knowledge-center article "How can I adjust my Amazon EventBridge schedule for daylight saving?":
// - cron(min hour day-of-month month day-of-week year): Quartz-style; day-of-week 1-7 = SUN-SAT (or names), `?` in
//   exactly one of the two day fields, `L` (last day of the month; `nL` the last weekday n of the month; `L` alone in
//   day-of-week is Saturday, as in Quartz), `W` (nearest weekday, never crossing the month), `LW`, `L-n`, `n#k`,
//   ranges (wrapping, as in the documented `20-2`), lists, steps (`0/15` = 0, 15, 30, 45), years 1970-2199.
// - Daylight saving time: a cron time that does not exist (clocks go forward) is skipped; a time that occurs twice
//   (clocks go back) fires once, at its first occurrence.
// - rate(N minutes|hours|days): elapsed time, not wall-clock time ("days" are 24 hours even across a DST change),
//   counted from StartDate, or from creation when there is none.
// - at(yyyy-mm-ddThh:mm:ss): once, at that wall-clock time in the schedule's zone; StartDate does not apply.
// Why not a library: croner (the best-kept JavaScript cron library, and zone-aware) follows Vixie cron at DST changes
// (a time in the gap runs after it; an interval job runs twice in the repeated hour), which is not what Scheduler
// does; aws-cron-parser speaks AWS's dialect but knows only UTC. The evaluator below is small and proven against
// AWS's documented examples in test/unit/schedule-times.test.ts.

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/** The window longestGap looks at, in days. */
export const LONGEST_GAP_WINDOW_DAYS = 366;
const YEAR_MIN = 1970;
const YEAR_MAX = 2199;

export interface ScheduleTimesOptions {
  /** IANA time zone the expression is evaluated in (cron and at); default UTC. */
  timezone?: string;
  /** Fire times strictly after this instant are returned. */
  from: Date;
  /**
   * The schedule's StartDate: cron fires on or after it; rate counts from it (rounded up to the minute); at ignores
   * it, as Scheduler does. A rate schedule without one counts from `from` (taken as its creation), so the
   * invocation Scheduler makes at creation is not among the times returned.
   */
  startDate?: Date;
}

/** At least one of `to` (inclusive) and `limit` bounds the answer. */
export type FireTimesOptions = ScheduleTimesOptions & ({ to: Date; limit?: number } | { to?: Date; limit: number });

// ---------------------------------------------------------------------------------------------------------------
// Time zones

const formatters = new Map<string, Intl.DateTimeFormat>();

const formatterOf = (timezone: string): Intl.DateTimeFormat => {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone: timezone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch (error) {
      throw new Error(`${timezone} is not an IANA time zone name`, { cause: error });
    }
    formatters.set(timezone, formatter);
  }
  return formatter;
};

const isUtc = (timezone: string): boolean => timezone === 'UTC' || timezone === 'Etc/UTC';

/** The zone's offset from UTC at `instant`, in ms (wall clock = instant + offset). */
const offsetAt = (timezone: string, instant: number): number => {
  if (isUtc(timezone)) return 0;
  const fields: Record<string, number> = {};
  for (const part of formatterOf(timezone).formatToParts(instant)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const wall = Date.UTC(
    fields.year ?? 0,
    (fields.month ?? 1) - 1,
    fields.day ?? 1,
    fields.hour ?? 0,
    fields.minute ?? 0,
    fields.second ?? 0,
  );
  return wall - (instant - (((instant % 1000) + 1000) % 1000));
};

interface Offsets {
  before: number;
  after: number;
  /** The first instant with the `after` offset, when it differs from `before`. */
  transition: number;
}

// Offsets lie within UTC-12 and UTC+14, so the instants whose wall-clock date is a given day lie within
// [day - 14 h, day + 24 h + 12 h]. The offsets at those ends bracket every transition that can affect the day (zones
// change their offset months apart, so there is at most one); when they differ, the transition is found by bisection
// to the second, and each wall-clock time of the day is then resolved without asking Intl again.
const offsetsAround = (timezone: string, dayWall: number): Offsets => {
  let low = dayWall - 14 * HOUR_MS;
  let high = dayWall + DAY_MS + 12 * HOUR_MS;
  const before = offsetAt(timezone, low);
  const after = offsetAt(timezone, high);
  if (before === after) return { before, after, transition: high };
  while (high - low > 1000) {
    const middle = low + Math.floor((high - low) / 2000) * 1000;
    if (offsetAt(timezone, middle) === before) low = middle;
    else high = middle;
  }
  return { before, after, transition: high };
};

/**
 * The instants at which the wall clock of `timezone` shows `wall` (ms, the wall-clock time read as if UTC), earliest
 * first: none in a gap (clocks going forward), two in a repeated hour (clocks going back), one otherwise.
 */
const instantsOf = (wall: number, offsets: Offsets): number[] => {
  if (offsets.before === offsets.after) return [wall - offsets.before];
  const instants: number[] = [];
  const beforeChange = wall - offsets.before;
  const afterChange = wall - offsets.after;
  if (beforeChange < offsets.transition) instants.push(beforeChange);
  if (afterChange >= offsets.transition) instants.push(afterChange);
  return instants.sort((a, b) => a - b);
};

/** The wall-clock date of `instant` in `timezone`. */
const wallDateOf = (timezone: string, instant: number): { year: number; month: number; day: number } => {
  const wall = new Date(instant + offsetAt(timezone, instant));
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
};

// ---------------------------------------------------------------------------------------------------------------
// Parsing

interface CronSpec {
  /** Minutes of the day at which a matching day fires, ascending. */
  times: number[];
  /** The longest step between two consecutive `times`, in minutes (undefined with a single time). */
  longestStepInDay: number | undefined;
  months: boolean[];
  years: boolean[];
  matchesDay(year: number, month: number, day: number): boolean;
}

interface RateSpec {
  periodMs: number;
}

interface AtSpec {
  /** The wall-clock time, read as if UTC. */
  wall: number;
}

type Parsed = { kind: 'cron'; spec: CronSpec } | { kind: 'rate'; spec: RateSpec } | { kind: 'at'; spec: AtSpec };

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldRange {
  label: string;
  min: number;
  max: number;
  names?: string[];
}

const invalid = (expression: string, reason: string): Error => new Error(`${expression}: ${reason}`);

const fieldValue = (text: string, range: FieldRange, expression: string): number => {
  const upper = text.toUpperCase();
  const named = range.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + range.min;
  if (!/^\d+$/.test(text)) throw invalid(expression, `${range.label}: ${text} is not a number`);
  const value = Number(text);
  if (value < range.min || value > range.max) {
    throw invalid(expression, `${range.label}: ${value} is outside ${range.min}-${range.max}`);
  }
  return value;
};

/** One item of a list: `*`, `a`, `a-b` (wrapping past the maximum when a > b), each with an optional `/step`. */
const addItem = (item: string, range: FieldRange, into: boolean[], expression: string): void => {
  const [span = '', stepText, extra] = item.split('/');
  if (extra !== undefined || span === '') throw invalid(expression, `${range.label}: ${item} is not a value`);
  const step = stepText === undefined ? 1 : Number(stepText);
  if (!Number.isInteger(step) || step < 1 || (stepText !== undefined && !/^\d+$/.test(stepText))) {
    throw invalid(expression, `${range.label}: ${item} has no valid step`);
  }
  let start: number;
  let end: number;
  if (span === '*') {
    start = range.min;
    end = range.max;
  } else if (span.includes('-')) {
    const [first = '', last = '', more] = span.split('-');
    if (more !== undefined) throw invalid(expression, `${range.label}: ${item} is not a range`);
    start = fieldValue(first, range, expression);
    end = fieldValue(last, range, expression);
  } else {
    start = fieldValue(span, range, expression);
    // Quartz: `a/step` runs from a to the end of the field (0/15 in minutes = 0, 15, 30, 45).
    end = stepText === undefined ? start : range.max;
  }
  const size = range.max - range.min + 1;
  const length = (((end - start) % size) + size) % size;
  for (let offset = 0; offset <= length; offset += step) {
    into[range.min + ((start - range.min + offset) % size)] = true;
  }
};

const parseField = (text: string, range: FieldRange, expression: string): boolean[] => {
  const values: boolean[] = [];
  for (const item of text.split(',')) addItem(item, range, values, expression);
  return values;
};

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();
/** 1 = Sunday ... 7 = Saturday, as AWS numbers the days of the week. */
const weekdayOf = (year: number, month: number, day: number): number =>
  new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;

/** The weekday (Monday-Friday) nearest to `target`, within its month (Quartz's W). */
const nearestWeekday = (year: number, month: number, target: number): number | undefined => {
  const last = daysInMonth(year, month);
  if (target > last) return undefined;
  const weekday = weekdayOf(year, month, target);
  if (weekday === 7) return target === 1 ? 3 : target - 1;
  if (weekday === 1) return target === last ? target - 2 : target + 1;
  return target;
};

type DayTest = (year: number, month: number, day: number) => boolean;

const DAY_OF_MONTH: FieldRange = { label: 'day-of-month', min: 1, max: 31 };
const DAY_OF_WEEK: FieldRange = { label: 'day-of-week', min: 1, max: 7, names: DAY_NAMES };

const dayOfMonthTest = (text: string, expression: string): DayTest => {
  const tests: DayTest[] = [];
  const plain: string[] = [];
  for (const item of text.split(',')) {
    const upper = item.toUpperCase();
    const lastOffset = /^L(?:-(\d+))?$/.exec(upper);
    const weekday = /^(\d+)W$/.exec(upper);
    if (lastOffset) {
      const offset = Number(lastOffset[1] ?? 0);
      if (offset > 30) throw invalid(expression, `day-of-month: ${item} reaches before the month`);
      tests.push((year, month, day) => day === daysInMonth(year, month) - offset);
    } else if (upper === 'LW') {
      tests.push((year, month, day) => day === nearestWeekday(year, month, daysInMonth(year, month)));
    } else if (weekday) {
      const target = fieldValue(weekday[1] ?? '', DAY_OF_MONTH, expression);
      tests.push((year, month, day) => day === nearestWeekday(year, month, target));
    } else {
      plain.push(item);
    }
  }
  if (plain.length > 0) {
    const days = parseField(plain.join(','), DAY_OF_MONTH, expression);
    tests.push((_year, _month, day) => days[day] === true);
  }
  return (year, month, day) => tests.some((test) => test(year, month, day));
};

const dayOfWeekTest = (text: string, expression: string): DayTest => {
  const tests: DayTest[] = [];
  const plain: string[] = [];
  for (const item of text.split(',')) {
    const upper = item.toUpperCase();
    const nth = /^([A-Z0-9]+)#(\d+)$/.exec(upper);
    const last = /^([A-Z0-9]+)L$/.exec(upper);
    if (upper === 'L') {
      // Quartz: L alone in day-of-week is the last day of the week, Saturday.
      tests.push((year, month, day) => weekdayOf(year, month, day) === 7);
    } else if (nth) {
      const weekday = fieldValue(nth[1] ?? '', DAY_OF_WEEK, expression);
      const occurrence = Number(nth[2]);
      if (occurrence < 1 || occurrence > 5) throw invalid(expression, `day-of-week: ${item} needs #1 to #5`);
      tests.push((year, month, day) => weekdayOf(year, month, day) === weekday && Math.ceil(day / 7) === occurrence);
    } else if (last) {
      const weekday = fieldValue(last[1] ?? '', DAY_OF_WEEK, expression);
      tests.push((year, month, day) => weekdayOf(year, month, day) === weekday && day + 7 > daysInMonth(year, month));
    } else {
      plain.push(item);
    }
  }
  if (plain.length > 0) {
    const weekdays = parseField(plain.join(','), DAY_OF_WEEK, expression);
    tests.push((year, month, day) => weekdays[weekdayOf(year, month, day)] === true);
  }
  return (year, month, day) => tests.some((test) => test(year, month, day));
};

const parseCron = (expression: string, body: string): CronSpec => {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) throw invalid(expression, 'cron(...) needs six fields: min hour dom month dow year');
  const [minuteText = '', hourText = '', domText = '', monthText = '', dowText = '', yearText = ''] = fields;
  const minutes = parseField(minuteText, { label: 'minutes', min: 0, max: 59 }, expression);
  const hours = parseField(hourText, { label: 'hours', min: 0, max: 23 }, expression);
  const months = parseField(monthText, { label: 'month', min: 1, max: 12, names: MONTH_NAMES }, expression);
  const years = parseField(yearText, { label: 'year', min: YEAR_MIN, max: YEAR_MAX }, expression);
  if ((domText === '?') === (dowText === '?')) {
    throw invalid(expression, 'exactly one of day-of-month and day-of-week must be ?');
  }
  const matchesDay = domText === '?' ? dayOfWeekTest(dowText, expression) : dayOfMonthTest(domText, expression);
  const times: number[] = [];
  for (let hour = 0; hour < 24; hour += 1) {
    if (!hours[hour]) continue;
    for (let minute = 0; minute < 60; minute += 1) if (minutes[minute]) times.push(hour * 60 + minute);
  }
  let longestStepInDay: number | undefined;
  for (let index = 1; index < times.length; index += 1) {
    const step = (times[index] ?? 0) - (times[index - 1] ?? 0);
    longestStepInDay = Math.max(longestStepInDay ?? 0, step);
  }
  return { times, longestStepInDay, months, years, matchesDay };
};

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS: Record<string, number> = { minute: MINUTE_MS, hour: HOUR_MS, day: DAY_MS };
const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;

const parsedCache = new Map<string, Parsed>();

const parse = (raw: string): Parsed => {
  const expression = raw.trim();
  const cached = parsedCache.get(expression);
  if (cached) return cached;
  let parsed: Parsed;
  const cron = /^cron\((.*)\)$/.exec(expression);
  const rate = RATE.exec(expression);
  const at = AT.exec(expression);
  if (cron) {
    parsed = { kind: 'cron', spec: parseCron(expression, cron[1] ?? '') };
  } else if (rate) {
    const value = Number(rate[1]);
    if (value < 1) throw invalid(expression, 'the rate must be at least 1');
    parsed = { kind: 'rate', spec: { periodMs: value * (UNIT_MS[(rate[2] ?? '').replace(/s$/, '')] ?? 0) } };
  } else if (at) {
    const [year, month, day, hour, minute, second] = at.slice(1).map(Number) as number[];
    const wall = Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1, hour ?? 0, minute ?? 0, second ?? 0);
    if (new Date(wall).toISOString().slice(0, 19) !== expression.slice(3, 22)) {
      throw invalid(expression, 'not a date and time that exists');
    }
    parsed = { kind: 'at', spec: { wall } };
  } else {
    throw invalid(expression, 'must be cron(...), rate(value unit) or at(yyyy-mm-ddThh:mm:ss)');
  }
  parsedCache.set(expression, parsed);
  return parsed;
};

// ---------------------------------------------------------------------------------------------------------------
// Cron: the days that match, and their fire times

interface CronDay {
  /** Midnight of the day on the wall clock, read as if UTC. */
  wall: number;
  /** The day's offset when it is the same all day (no transition near it); otherwise undefined. */
  uniformOffset: number | undefined;
  offsets: Offsets;
}

/** The days matching the calendar fields, from the wall-clock date of `from` (minus one day) up to 2199. */
function* cronDays(spec: CronSpec, timezone: string, from: number): Generator<CronDay> {
  const start = wallDateOf(timezone, from - DAY_MS);
  for (let year = Math.max(start.year, YEAR_MIN); year <= YEAR_MAX; year += 1) {
    if (!spec.years[year]) continue;
    const firstMonth = year === start.year ? start.month : 1;
    for (let month = firstMonth; month <= 12; month += 1) {
      if (!spec.months[month]) continue;
      const firstDay = year === start.year && month === start.month ? start.day : 1;
      const last = daysInMonth(year, month);
      for (let day = firstDay; day <= last; day += 1) {
        if (!spec.matchesDay(year, month, day)) continue;
        const wall = Date.UTC(year, month - 1, day);
        const offsets = offsetsAround(timezone, wall);
        yield { wall, uniformOffset: offsets.before === offsets.after ? offsets.before : undefined, offsets };
      }
    }
  }
}

/** The fire instants of one matching day, ascending: skipped in a gap, the first occurrence in a repeated hour. */
const dayInstants = (spec: CronSpec, day: CronDay): number[] => {
  const { uniformOffset } = day;
  if (uniformOffset !== undefined) return spec.times.map((minute) => day.wall + minute * MINUTE_MS - uniformOffset);
  const instants: number[] = [];
  for (const minute of spec.times) {
    const [first] = instantsOf(day.wall + minute * MINUTE_MS, day.offsets);
    if (first !== undefined) instants.push(first);
  }
  return instants.sort((a, b) => a - b);
};

/** Visits cron fire times after `from` in order until `visit` returns false. */
const eachCronTime = (spec: CronSpec, timezone: string, from: number, visit: (instant: number) => boolean): void => {
  let previous = Number.NEGATIVE_INFINITY;
  for (const day of cronDays(spec, timezone, from)) {
    for (const instant of dayInstants(spec, day)) {
      // A fire in a repeated hour can come before the last one of the previous day only in exotic zones; never go back.
      if (instant <= from || instant <= previous) continue;
      previous = instant;
      if (!visit(instant)) return;
    }
  }
};

// ---------------------------------------------------------------------------------------------------------------
// Public API

const ceilToMinute = (instant: number): number => Math.ceil(instant / MINUTE_MS) * MINUTE_MS;
const floorToMinute = (instant: number): number => Math.floor(instant / MINUTE_MS) * MINUTE_MS;

/**
 * The fire times (UTC) of `expression` strictly after `from`, as EventBridge Scheduler fires them in `timezone`,
 * up to `to` (inclusive) and at most `limit` of them. Throws on an expression Scheduler would refuse.
 */
export const fireTimes = (expression: string, options: FireTimesOptions): Date[] => {
  const parsed = parse(expression);
  const timezone = options.timezone ?? 'UTC';
  const from = options.from.getTime();
  const to = options.to?.getTime() ?? Number.POSITIVE_INFINITY;
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const times: Date[] = [];
  if (limit <= 0) return times;
  if (parsed.kind === 'at') {
    const { wall } = parsed.spec;
    const offsets = offsetsAround(timezone, Math.floor(wall / DAY_MS) * DAY_MS);
    // A time in a gap: Scheduler's documentation is silent; like java.time and Temporal's "compatible"
    // disambiguation, it is read with the offset before the change (02:30 that does not exist runs at 03:30).
    const instant = instantsOf(wall, offsets)[0] ?? wall - offsets.before;
    if (instant > from && instant <= to) times.push(new Date(instant));
    return times;
  }
  if (parsed.kind === 'rate') {
    const { periodMs } = parsed.spec;
    const anchor = options.startDate ? ceilToMinute(options.startDate.getTime()) : floorToMinute(from);
    let instant = anchor > from ? anchor : anchor + (Math.floor((from - anchor) / periodMs) + 1) * periodMs;
    for (; instant <= to && times.length < limit; instant += periodMs) times.push(new Date(instant));
    return times;
  }
  const notBefore = options.startDate?.getTime() ?? Number.NEGATIVE_INFINITY;
  eachCronTime(parsed.spec, timezone, Math.max(from, notBefore - 1), (instant) => {
    if (instant > to) return false;
    times.push(new Date(instant));
    return times.length < limit;
  });
  return times;
};

/** The first fire time after `from`, or undefined when the schedule never fires again. */
export const nextFireTime = (expression: string, options: ScheduleTimesOptions): Date | undefined =>
  fireTimes(expression, { ...options, limit: 1 })[0];

/** Whether the expression is a one-time at(...) schedule. */
export const isOneTime = (expression: string): boolean => parse(expression).kind === 'at';

/**
 * The longest interval, in seconds, between a fire time in the next 366 days (after `from`) and the fire time that
 * follows it (which may lie past the window): the window in which a recurring schedule's export must have succeeded.
 * Undefined for one-time at(...) schedules, and when no fire time in the window has a successor (a year field that
 * ends, a schedule on 29 February seen from a year without one).
 *
 * Cron schedules are walked a day at a time: on a day whose offset does not change (all but the few days around a
 * DST change), the gaps inside the day are those of the time-of-day list, so only its first and last fire are computed.
 */
export const longestGap = (expression: string, options: { timezone?: string; from: Date }): number | undefined => {
  const parsed = parse(expression);
  if (parsed.kind === 'at') return undefined;
  if (parsed.kind === 'rate') return parsed.spec.periodMs / 1000;
  const { spec } = parsed;
  const timezone = options.timezone ?? 'UTC';
  const from = options.from.getTime();
  const end = from + LONGEST_GAP_WINDOW_DAYS * DAY_MS;
  let previous: number | undefined;
  let longest: number | undefined;
  const gapTo = (instant: number) => {
    if (previous !== undefined && instant > previous) longest = Math.max(longest ?? 0, instant - previous);
    previous = instant;
  };
  for (const day of cronDays(spec, timezone, from)) {
    const { uniformOffset } = day;
    const first = spec.times[0];
    const last = spec.times.at(-1);
    if (uniformOffset !== undefined && first !== undefined && last !== undefined) {
      const firstInstant = day.wall + first * MINUTE_MS - uniformOffset;
      const lastInstant = day.wall + last * MINUTE_MS - uniformOffset;
      if (firstInstant > from && lastInstant <= end) {
        gapTo(firstInstant);
        if (spec.longestStepInDay !== undefined) longest = Math.max(longest ?? 0, spec.longestStepInDay * MINUTE_MS);
        previous = lastInstant;
        continue;
      }
    }
    for (const instant of dayInstants(spec, day)) {
      if (instant <= from) continue;
      gapTo(instant);
      // The first fire past the window closes the gap that began inside it.
      if (instant > end) return longest === undefined ? undefined : longest / 1000;
    }
  }
  return longest === undefined ? undefined : longest / 1000;
};
