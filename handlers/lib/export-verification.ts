// Proving each exported object is a complete RDB file: header (magic and version) and trailer (EOF opcode and the
// stored CRC64) by ranged reads, and by default the CRC64 of every byte before the checksum, read as ranges in
// parallel whose CRCs are combined (crc64.ts). Bounded by a deadline the caller gives: an object too large for the
// time left gets its header and trailer checked, and the result says so. A mismatch throws ExportCorrupt. Knows
// nothing of Lambda or of S3's client: it reads through the `read` function it is given.
import type { ExportedObject, RdbFacts, VerificationSummary, VerifyMode } from './contracts.js';
import { Crc64, crc64Combine, crc64Hex } from './crc64.js';
import { AwsUnavailableError, ConfigError, ExportFailedError } from './errors.js';
import { formatSize, groupDigits } from './outcome.js';
import {
  headerProblem,
  parseRdbHeader,
  parseRdbTrailer,
  RDB_HEADER_SIZE,
  RDB_MIN_SIZE,
  RDB_TRAILER_SIZE,
  type RdbHeader,
} from './rdb-format.js';

export const VERIFY_MODES: readonly VerifyMode[] = ['full', 'header', 'off'];

/** VERIFY_EXPORTS: `full` (the default), `header` or `off`. */
export const parseVerifyMode = (raw: string | undefined): VerifyMode => {
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '') return 'full';
  if ((VERIFY_MODES as readonly string[]).includes(value)) return value as VerifyMode;
  throw new ConfigError(`Environment variable VERIFY_EXPORTS must be full, header or off, got ${raw}`);
};

/** One ranged read, as the S3 adapter's getObjectRange answers it (handlers/lib/aws/s3.ts). */
export type RangeReader = (
  key: string,
  range: { start: number; end?: number; ifMatch?: string; abortSignal?: AbortSignal },
) => Promise<{ body: AsyncIterable<Uint8Array>; etag?: string; objectSize?: number; serverSideEncryption?: string }>;

export interface VerifyOptions {
  mode: VerifyMode;
  read: RangeReader;
  /** Epoch milliseconds by which verification must have stopped (the caller keeps its own margin after it). */
  deadline: number;
  now: () => number;
  /** Bytes per ranged GET of the full check. */
  rangeBytes?: number;
  /** Ranged GETs in flight at once. */
  concurrency?: number;
  /**
   * Throughput assumed before any object was read in full, to tell whether one fits in the time left; replaced by the
   * measured rate once one was. Conservative: a 512 MB Lambda function measured more (bench/crc64.ts, README).
   */
  assumedBytesPerSecond?: number;
}

export const DEFAULT_RANGE_BYTES = 64 * 1024 * 1024;
export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_ASSUMED_BYTES_PER_SECOND = 100 * 1024 * 1024;

export interface VerificationResult {
  objects: ExportedObject[];
  summary: VerificationSummary;
}

const corrupt = (key: string, what: string): ExportFailedError =>
  new ExportFailedError(`The exported object ${key} is not a complete RDB file: ${what}.`, { code: 'ExportCorrupt' });

/**
 * A body that broke off while streaming (connection reset) is S3's or the network's failure, not the file's: it is
 * thrown as AwsUnavailableError, which the state machine retries. Our own errors pass through.
 */
const asReadFailure = (key: string, error: unknown): Error => {
  if (error instanceof ExportFailedError || error instanceof AwsUnavailableError) return error;
  if (error instanceof Error && /^Aws|^Export/.test(error.name)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AwsUnavailableError(
    `Reading ${key} from S3 broke off: ${message}; the check is retried.`,
    {},
    { cause: error },
  );
};

/** All of a body's bytes (for the small header and trailer reads). */
const collect = async (key: string, body: AsyncIterable<Uint8Array>): Promise<Buffer> => {
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of body) chunks.push(chunk);
  } catch (error) {
    throw asReadFailure(key, error);
  }
  return Buffer.concat(chunks);
};

interface Ends {
  header: RdbHeader;
  checksum: bigint;
  etag?: string;
  encryption?: string;
}

/** Header and trailer of one object, two ranged GETs. */
const checkEnds = async (object: ExportedObject, read: RangeReader): Promise<Ends> => {
  if (object.size < RDB_MIN_SIZE) {
    throw corrupt(
      object.key,
      `it is ${object.size} bytes long; an RDB file with a checksum has at least ${RDB_MIN_SIZE}`,
    );
  }
  const first = await read(object.key, { start: 0, end: RDB_HEADER_SIZE - 1 });
  const headerBytes = await collect(object.key, first.body);
  const header = parseRdbHeader(headerBytes);
  if ('problem' in header) throw corrupt(object.key, header.problem);
  const problem = headerProblem(header);
  if (problem) throw corrupt(object.key, problem);
  const last = await read(object.key, {
    start: object.size - RDB_TRAILER_SIZE,
    end: object.size - 1,
    ...(first.etag !== undefined && { ifMatch: first.etag }),
  });
  const trailer = parseRdbTrailer(await collect(object.key, last.body));
  if ('problem' in trailer) throw corrupt(object.key, trailer.problem);
  return {
    header,
    checksum: trailer.checksum,
    ...(first.etag !== undefined && { etag: first.etag }),
    ...(first.serverSideEncryption !== undefined && { encryption: first.serverSideEncryption }),
  };
};

/** Runs the tasks with at most `limit` at once; the results in the tasks' order. The first failure rejects. */
const pool = async <T>(tasks: ReadonlyArray<() => Promise<T>>, limit: number): Promise<T[]> => {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const index = next;
      next += 1;
      results[index] = await (tasks[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
};

class OutOfTime extends Error {}

/** The CRC64 of bytes [0, length) of the object: ranges read in parallel, their CRCs combined in order. */
const fullCrc = async (
  key: string,
  length: number,
  ends: Ends,
  options: Required<Pick<VerifyOptions, 'read' | 'deadline' | 'now' | 'rangeBytes' | 'concurrency'>>,
): Promise<bigint> => {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, options.deadline - options.now()));
  const ranges: Array<{ start: number; end: number }> = [];
  for (let start = 0; start < length; start += options.rangeBytes) {
    ranges.push({ start, end: Math.min(length, start + options.rangeBytes) - 1 });
  }
  try {
    const crcs = await pool(
      ranges.map((range) => async () => {
        const part = await options.read(key, {
          ...range,
          ...(ends.etag !== undefined && { ifMatch: ends.etag }),
          abortSignal: controller.signal,
        });
        const crc = new Crc64();
        let read = 0;
        for await (const chunk of part.body) {
          if (options.now() > options.deadline) controller.abort();
          if (controller.signal.aborted) throw new OutOfTime();
          crc.update(chunk);
          read += chunk.length;
        }
        const expected = range.end - range.start + 1;
        if (read !== expected) {
          throw new AwsUnavailableError(
            `S3 returned ${read} bytes of ${key} bytes ${range.start}-${range.end}, expected ${expected}; the check is retried.`,
          );
        }
        return { crc: crc.value(), length: expected };
      }),
      options.concurrency,
    );
    return crcs.reduce((whole, part) => crc64Combine(whole, part.crc, part.length), 0n);
  } catch (error) {
    if (controller.signal.aborted) throw new OutOfTime();
    throw asReadFailure(key, error);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
};

const rdbFacts = (ends: Ends, verified: RdbFacts['verified']): RdbFacts => ({
  format: ends.header.format,
  version: ends.header.version,
  checksum: crc64Hex(ends.checksum),
  verified,
});

const seconds = (ms: number): string => `${Math.max(0, Math.round(ms / 1000))} s`;

/**
 * Verifies every object: all headers and trailers first (a truncated file fails fast), then, in `full` mode, each
 * object's CRC64 while the time left allows. Throws ExportCorrupt (ExportFailedError) on the first bad object.
 */
export const verifyExportObjects = async (
  objects: readonly ExportedObject[],
  options: VerifyOptions,
): Promise<VerificationResult> => {
  const notes: string[] = [];
  if (options.mode === 'off') {
    return {
      objects: objects.map(({ key, size }) => ({ key, size })),
      // The outcome says what `off` means (restore-advice.ts).
      summary: { mode: 'off', notes: [] },
    };
  }
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const ends = await pool(
    objects.map((object) => () => checkEnds(object, options.read)),
    concurrency,
  );
  const verified: Array<RdbFacts['verified']> = objects.map(() => 'header');
  if (options.mode === 'full') {
    let rate = options.assumedBytesPerSecond ?? DEFAULT_ASSUMED_BYTES_PER_SECOND;
    let measuredBytes = 0;
    let measuredMs = 0;
    for (const [index, object] of objects.entries()) {
      const end = ends[index] as Ends;
      if (end.checksum === 0n) {
        notes.push(
          `${object.key}: its checksum is 0 (written with rdbchecksum no), so only its header and trailer were checked.`,
        );
        continue;
      }
      const length = object.size - 8;
      const left = options.deadline - options.now();
      const needed = (length / rate) * 1000;
      if (needed > left) {
        notes.push(
          `${object.key} (${formatSize(object.size)}): only its header and trailer were checked; its full CRC64 needs about ${seconds(needed)} at ${formatSize(Math.round(rate))}/s and ${seconds(left)} were left. Check it with redis-check-rdb before relying on it.`,
        );
        continue;
      }
      const started = options.now();
      let crc: bigint;
      try {
        crc = await fullCrc(object.key, length, end, {
          read: options.read,
          deadline: options.deadline,
          now: options.now,
          rangeBytes: options.rangeBytes ?? DEFAULT_RANGE_BYTES,
          concurrency,
        });
      } catch (error) {
        if (!(error instanceof OutOfTime)) throw error;
        notes.push(
          `${object.key} (${formatSize(object.size)}): only its header and trailer were checked; its full CRC64 did not finish in the time left. Check it with redis-check-rdb before relying on it.`,
        );
        continue;
      }
      if (crc !== end.checksum) {
        throw corrupt(
          object.key,
          `the CRC64 of its ${groupDigits(length)} bytes is ${crc64Hex(crc)}, but the file records ${crc64Hex(end.checksum)}: bytes were changed or lost`,
        );
      }
      verified[index] = 'full';
      measuredBytes += length;
      measuredMs += Math.max(1, options.now() - started);
      rate = (measuredBytes / measuredMs) * 1000;
    }
  }
  const kmsKeys = objects
    .filter((_, index) => ends[index]?.encryption?.startsWith('aws:kms'))
    .map((object) => object.key);
  return {
    objects: objects.map((object, index) => ({
      key: object.key,
      size: object.size,
      rdb: rdbFacts(ends[index] as Ends, verified[index] ?? 'header'),
    })),
    summary: {
      mode: options.mode,
      notes,
      ...(kmsKeys.length > 0 && { kmsEncryptedKeys: kmsKeys }),
    },
  };
};
