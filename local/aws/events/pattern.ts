// EventBridge event patterns (EventBridge User Guide, "Event patterns" and "Content filtering"): a pattern is an
// object whose leaves are arrays of allowed values; an event matches when every field the pattern names matches.
// Emulated here: exact values (strings, numbers, booleans, null), `prefix`, `suffix`, `anything-but` (a value or
// a list), `exists`, `numeric` comparisons, `equals-ignore-case`, and `$or`. Anything else is refused when the rule
// is added, so an unsupported pattern never silently matches nothing.
import { isRecord } from '../../../handlers/lib/records.js';

type Matcher = (value: unknown, present: boolean) => boolean;

const NUMERIC_OPERATORS: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

export class EventPatternError extends Error {
  public constructor(message: string) {
    super(`Event pattern is not valid: ${message}`);
    this.name = 'InvalidEventPatternException';
  }
}

const isScalar = (value: unknown): boolean =>
  value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';

/** The values an event field holds: an array field matches when any element matches. */
const valuesOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

const numericMatcher = (spec: unknown[]): Matcher => {
  if (spec.length % 2 !== 0) throw new EventPatternError('numeric takes operator and value pairs');
  const checks: Array<(n: number) => boolean> = [];
  for (let i = 0; i < spec.length; i += 2) {
    const operator = NUMERIC_OPERATORS[String(spec[i])];
    const bound = spec[i + 1];
    if (!operator || typeof bound !== 'number') throw new EventPatternError(`numeric ${String(spec[i])}`);
    checks.push((n) => operator(n, bound));
  }
  return (value) => typeof value === 'number' && checks.every((check) => check(value));
};

const ruleMatcher = (rule: Record<string, unknown>): Matcher => {
  const entries = Object.entries(rule);
  const [entry] = entries;
  if (entries.length !== 1 || !entry) throw new EventPatternError(`a matcher has one key: ${JSON.stringify(rule)}`);
  const [name, spec] = entry;
  switch (name) {
    case 'prefix':
    case 'suffix': {
      if (typeof spec !== 'string') throw new EventPatternError(`${name} takes a string`);
      return (value) =>
        typeof value === 'string' && (name === 'prefix' ? value.startsWith(spec) : value.endsWith(spec));
    }
    case 'equals-ignore-case': {
      if (typeof spec !== 'string') throw new EventPatternError(`${name} takes a string`);
      return (value) => typeof value === 'string' && value.toLowerCase() === spec.toLowerCase();
    }
    case 'exists': {
      if (typeof spec !== 'boolean') throw new EventPatternError('exists takes true or false');
      return (_value, present) => present === spec;
    }
    case 'anything-but': {
      const excluded = Array.isArray(spec) ? spec : [spec];
      if (excluded.every(isScalar)) return (value, present) => present && !excluded.includes(value);
      if (isRecord(spec)) {
        const inner = ruleMatcher(spec);
        return (value, present) => present && !inner(value, present);
      }
      throw new EventPatternError('anything-but takes a value, a list of values or a prefix/suffix matcher');
    }
    case 'numeric': {
      if (!Array.isArray(spec)) throw new EventPatternError('numeric takes a list');
      return numericMatcher(spec);
    }
    default:
      throw new EventPatternError(`the matcher ${name} is not emulated`);
  }
};

const leafMatcher = (allowed: unknown[]): Matcher => {
  if (allowed.length === 0) throw new EventPatternError('an array of values must not be empty');
  const matchers = allowed.map((entry): Matcher => {
    if (isScalar(entry)) return (value, present) => present && value === entry;
    if (isRecord(entry)) return ruleMatcher(entry);
    throw new EventPatternError(`not a value or matcher: ${JSON.stringify(entry)}`);
  });
  return (value, present) => {
    // `exists: false` (and anything-but) must see an absent field; other matchers look at each value.
    if (!present) return matchers.some((matcher) => matcher(undefined, false));
    return valuesOf(value).some((one) => matchers.some((matcher) => matcher(one, true)));
  };
};

export type CompiledPattern = (event: unknown) => boolean;

/** Checks a pattern once and returns its matcher. Throws EventPatternError for what is not valid or not emulated. */
export const compilePattern = (pattern: unknown): CompiledPattern => {
  if (!isRecord(pattern)) throw new EventPatternError('a pattern is a JSON object');
  const fields: Array<{ key: string; leaf: Matcher } | { key: string; nested: CompiledPattern }> = [];
  const alternatives: CompiledPattern[][] = [];
  for (const [key, spec] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(spec) || spec.length < 2) throw new EventPatternError('$or takes two or more patterns');
      alternatives.push(spec.map(compilePattern));
    } else if (Array.isArray(spec)) {
      fields.push({ key, leaf: leafMatcher(spec) });
    } else if (isRecord(spec)) {
      fields.push({ key, nested: compilePattern(spec) });
    } else {
      throw new EventPatternError(`the value of ${key} must be an array or an object`);
    }
  }
  return (event) => {
    if (!isRecord(event)) return false;
    for (const field of fields) {
      const present = Object.hasOwn(event, field.key);
      const value = event[field.key];
      if ('leaf' in field ? !field.leaf(value, present) : !present || !field.nested(value)) return false;
    }
    return alternatives.every((options) => options.some((option) => option(event)));
  };
};
