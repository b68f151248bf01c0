// The rules EventBridge Scheduler applies to a schedule, checked when the service is packaged so that a schedule
// it would refuse, or take to mean something else, fails `serverless package` with one line per problem rather than
// the deploy or the first night. Sources: EventBridge Scheduler User Guide, "Schedule types on EventBridge
// Scheduler" (cron, rate and at expressions) and API Reference, CreateSchedule (Name: [0-9a-zA-Z-_.]+, 1 to 64).
// A schedule's `retention` is checked against the bounds handlers/lib/retention.ts enforces again at run time.
// Cron expressions are checked with cron-validate's `aws-cloud-watch` preset: six fields (minutes, hours,
// day-of-month, day-of-week's `?` rule, month, day-of-week, year), ranges, lists, steps, `L`, `W` and `#`.
import cron from 'cron-validate';
import { RETENTION_BOUNDS } from '../handlers/lib/retention.js';
import { nextFireTime } from './schedule-times.js';

export const SCHEDULE_NAME_MAX = 64;
const SCHEDULE_NAME_PATTERN = /^[0-9A-Za-z_.-]+$/;

const RATE = /^rate\((\S+) (\S+)\)$/;
const RATE_UNITS = new Set(['minute', 'minutes', 'hour', 'hours', 'day', 'days']);
const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;

/** What is wrong with a rate(...) expression: a whole positive value and the unit's singular form for 1 only. */
const rateProblems = (value: string, unit: string): string[] => {
  if (!/^[1-9]\d*$/.test(value)) return [`rate value ${value} must be a whole number from 1`];
  if (!RATE_UNITS.has(unit)) return [`rate unit ${unit} must be minute(s), hour(s) or day(s)`];
  const plural = unit.endsWith('s');
  if (value === '1' && plural) return [`rate(1 ${unit}) must use the singular: rate(1 ${unit.slice(0, -1)})`];
  if (value !== '1' && !plural) return [`rate(${value} ${unit}) must use the plural: rate(${value} ${unit}s)`];
  return [];
};

/** What is wrong with an at(...) expression: the format, and a date and time that exist. */
const atProblems = (expression: string): string[] => {
  const match = AT.exec(expression);
  if (!match) return ['at(...) must be at(yyyy-mm-ddThh:mm:ss), e.g. at(2027-01-31T02:30:00)'];
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as number[];
  const date = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1, hour ?? 0, minute ?? 0, second ?? 0));
  const exists =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() + 1 === month &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return exists ? [] : [`${expression} is not a date and time that exists`];
};

/** cron-validate's messages end with "(Input cron: '...')"; the line already names the expression. */
const cronProblems = (fields: string): string[] => {
  const result = cron(fields, { preset: 'aws-cloud-watch' });
  if (result.isValid()) return [];
  const messages = result.getError().map((message) => message.replace(/\s*\(Input cron: '.*'\)\s*$/, ''));
  // AWS's cron dialect allows a range that wraps (`20-2` hours: EventBridge User Guide, cron examples, "0/30 20-2 ? *
  // MON-FRI *"), which cron-validate refuses; the evaluator that computes the fire times (schedule-times.ts) reads
  // it, so when that is the only complaint and the evaluator accepts the expression, it is valid.
  if (messages.every((message) => WRAPPING_RANGE.test(message)) && evaluates(`cron(${fields})`)) return [];
  return [...new Set(messages)].map((message) => `cron(${fields}): ${message}`);
};

const WRAPPING_RANGE =
  /^Lower range end '\d+' is bigger than upper range end '\d+' of (hours|minutes|daysOfMonth|months|daysOfWeek) field\.$/;

const evaluates = (expression: string): boolean => {
  try {
    nextFireTime(expression, { from: new Date() });
    return true;
  } catch {
    return false;
  }
};

/** Problems of a schedule expression, each a sentence that says what to write instead. */
export const expressionProblems = (expression: string): string[] => {
  const cronMatch = /^cron\((.*)\)$/.exec(expression);
  if (cronMatch) return cronProblems((cronMatch[1] ?? '').trim());
  const rateMatch = RATE.exec(expression);
  if (rateMatch) return rateProblems(rateMatch[1] ?? '', rateMatch[2] ?? '');
  if (expression.startsWith('at(')) return atProblems(expression);
  return [`${expression} must be cron(...) with six fields, rate(value unit) or at(yyyy-mm-ddThh:mm:ss)`];
};

/** Whether the runtime knows the IANA time zone (Node carries the IANA database, as Scheduler uses it). */
export const timezoneProblem = (timezone: string): string | undefined => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return undefined;
  } catch {
    return `${timezone} is not an IANA time zone name (e.g. Europe/Paris, America/New_York, UTC)`;
  }
};

/** The schedule's full name as Scheduler gets it, within its pattern and 64 characters. */
export const scheduleNameProblem = (fullName: string): string | undefined => {
  if (!SCHEDULE_NAME_PATTERN.test(fullName)) {
    return `${fullName} may only hold letters, digits, '.', '_' and '-'`;
  }
  if (fullName.length > SCHEDULE_NAME_MAX) {
    return `the schedule's name ${fullName} is ${fullName.length} characters; EventBridge Scheduler allows ${SCHEDULE_NAME_MAX}: shorten the name or the stage`;
  }
  return undefined;
};

const RETENTION_KEYS = Object.keys(RETENTION_BOUNDS) as Array<keyof typeof RETENTION_BOUNDS>;

/**
 * Problems of a schedules-file entry's `retention`: a mapping with keepLast (whole number, 1 to 1000 exports),
 * maxAgeDays (whole number, 1 to 3650 days) or both, and nothing else. One message per problem, without the
 * file/entry/field prefix.
 */
export const retentionProblems = (value: unknown): string[] => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return ['must be a mapping with keepLast, maxAgeDays or both, e.g. { keepLast: 7 }'];
  }
  const entries = Object.entries(value);
  const problems = entries
    .filter(([key]) => !(RETENTION_KEYS as string[]).includes(key))
    .map(([key]) => `unknown key ${key}: only keepLast and maxAgeDays are allowed`);
  for (const key of RETENTION_KEYS) {
    const { min, max } = RETENTION_BOUNDS[key];
    const setting: unknown = (value as Record<string, unknown>)[key];
    if (setting === undefined) continue;
    if (typeof setting !== 'number' || !Number.isInteger(setting) || setting < min || setting > max) {
      problems.push(
        `${key} must be a whole number from ${min} to ${max}, got ${typeof setting === 'number' ? setting : (JSON.stringify(setting) ?? String(setting))}`,
      );
    }
  }
  if (RETENTION_KEYS.every((key) => (value as Record<string, unknown>)[key] === undefined)) {
    problems.push('must set keepLast, maxAgeDays or both, e.g. { keepLast: 7 } or { maxAgeDays: 30 }');
  }
  return problems;
};
