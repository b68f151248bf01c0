// Reading and checking ElastiCache request parameters: the MissingParameter / InvalidParameterValue /
// InvalidParameterCombination errors, cluster and replication group id rules, engine versions, and Marker/MaxRecords
// pagination over creation order. Knows nothing of the service's state.
import { AwsError } from '../errors.js';
import type { QueryParams } from '../xml.js';

export const pad = (value: number, width: number): string => value.toString().padStart(width, '0');

/** The hash slots of shard `index` of `count`, split evenly as ElastiCache does by default. */
export const slotRange = (index: number, count: number): string => {
  const start = Math.floor((16384 * index) / count);
  const end = Math.floor((16384 * (index + 1)) / count) - 1;
  return `${start}-${end}`;
};

const missingParameter = (name: string): AwsError =>
  new AwsError('MissingParameter', `The request must contain the parameter ${name}`, 400);

export const required = (params: QueryParams, name: string): string => {
  const value = params.get(name);
  if (value === undefined || value === '') throw missingParameter(name);
  return value;
};

export const invalidValue = (message: string): AwsError => new AwsError('InvalidParameterValue', message, 400);
export const invalidCombination = (message: string): AwsError =>
  new AwsError('InvalidParameterCombination', message, 400);

/** ElastiCache cluster and replication group ids: a letter, then letters, digits and single hyphens, no trailing hyphen. */
const CLUSTER_ID = /^[A-Za-z](?:[A-Za-z0-9]|-(?!-))*(?<!-)$/;

export const checkId = (value: string, parameter: string, maxLength: number): string => {
  if (value.length > maxLength || !CLUSTER_ID.test(value)) {
    throw invalidValue(
      `The parameter ${parameter} must be provided and must not be blank. It must begin with a letter, contain only ASCII letters, digits and hyphens, not end with a hyphen or contain two consecutive hyphens, and be at most ${maxLength} characters.`,
    );
  }
  // ElastiCache stores these ids lowercased.
  return value.toLowerCase();
};

/** Redis OSS, Valkey and Memcached versions a request may name (major or major.minor). */
export const checkEngineVersion = (engine: string, version: string | undefined): string => {
  const defaults: Record<string, string> = { redis: '7.1', valkey: '8.0', memcached: '1.6.22' };
  const value = version ?? (Object.hasOwn(defaults, engine) ? defaults[engine] : undefined) ?? '7.1';
  if (!/^\d+(\.\d+){0,2}$/.test(value)) throw invalidValue(`Invalid engine version: ${value}`);
  return value;
};

/**
 * Pages by creation order; the marker is the sequence number of the last item returned. The page size and marker
 * parameters are MaxRecords and Marker, or, for the serverless actions, MaxResults and NextToken (`names`).
 */
export const paginate = <T extends { seq: number }>(
  items: T[],
  params: QueryParams,
  limits: { min: number; max: number; default: number },
  names: { size: string; marker: string } = { size: 'MaxRecords', marker: 'Marker' },
): { page: T[]; marker?: string } => {
  const maxRecords = params.int(names.size);
  if (maxRecords !== undefined && (Number.isNaN(maxRecords) || maxRecords < limits.min || maxRecords > limits.max)) {
    // Assumed wording.
    throw invalidValue(`The value of ${names.size} must be between ${limits.min} and ${limits.max}.`);
  }
  const size = maxRecords ?? limits.default;
  const raw = params.get(names.marker);
  let after = -1;
  if (raw) {
    // Markers are ours: base64url of a sequence number. Anything else (Number('') is 0) is refused, not read as 0.
    const text = Buffer.from(raw, 'base64url').toString('utf8');
    if (!/^\d+$/.test(text)) throw invalidValue(`Invalid marker: ${raw}`);
    after = Number(text);
  }
  const remaining = items.filter((item) => item.seq > after).sort((a, b) => a.seq - b.seq);
  const page = remaining.slice(0, size);
  const last = page[page.length - 1];
  return {
    page,
    ...(remaining.length > size && last && { marker: Buffer.from(String(last.seq)).toString('base64url') }),
  };
};
