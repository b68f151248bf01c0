// Scale benchmark: is the local stack as fast with 1,000 exports behind it as with 100? One local stack
// (local/start.ts, in this process, its own data folder, a fast time scale) runs exports through POST /exports: the
// real ASL in the local Step Functions, the real handlers, the emulated ElastiCache, S3, DynamoDB and SNS, every
// transition persisted, IAM on as `npm start` has it. WORKERS exports run at a time, each worker exporting a source
// snapshot of its own (ElastiCache exports a snapshot one request at a time; the sources are made first with
// CreateSnapshot), each export followed through GET /exports/{id} until it SUCCEEDED. Reported at 100 and at 1,000
// exports, over the 100 exports that led there: wall time per export (median of 20-export samples), the process's CPU
// time per export, its resident memory, and bytes written per export (what the process sent to the storage layer,
// /proc/self/io write_bytes: Linux only). Goals: time per export at 1,000 at most 1.2× that at 100; the same for CPU,
// which other load on the machine disturbs less.
//   node --import tsx bench/scale.ts                             (also part of `npm run bench`)
//   BENCH_SCALE_EXPORTS=300 node --import tsx bench/scale.ts     (a smaller last size)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateSnapshotCommand, DescribeSnapshotsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { type LocalStack, startLocalStack } from '../local/start.js';
import { formatGoal, type Goal } from './first-invocation.js';

/** The sizes reported: the stack after this many exports. */
const SIZES = [100, Number(process.env.BENCH_SCALE_EXPORTS ?? 1000)];
/** A size's figures are taken over the exports that led to it: the last WINDOW, in samples of SAMPLE. */
const WINDOW = 100;
const SAMPLE = 20;
/** Exports run before the first size (handlers imported, code compiled), not counted. */
const WARMUP = 20;
const WORKERS = Number(process.env.BENCH_SCALE_WORKERS ?? 4);
/** Real seconds per emulated second: an export's waits and backoff take milliseconds. */
const TIME_SCALE = 0.001;
const GOAL_RATIO = 1.2;
const FOLLOW_INTERVAL_MS = 20;
const EXPORT_TIMEOUT_MS = 120_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const writeBytes = (): number => {
  const io = readFileSync('/proc/self/io', 'utf8');
  return Number(/write_bytes:\s+(\d+)/.exec(io)?.[1] ?? Number.NaN);
};

/** The process's counters after `exports` exports (wall ms, CPU ms, bytes written, resident memory). */
interface Sample {
  exports: number;
  ms: number;
  /** CPU time of the process (user + system, every thread). */
  cpuMs: number;
  bytes: number;
  rss: number;
}

const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? Number.NaN)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

export interface SizeReport {
  size: number;
  /** Wall time per export: the median over the samples of the window (one burst of other load moves one sample). */
  msPerExport: number;
  cpuMsPerExport: number;
  rssMiB: number;
  /** Bytes the process sent to the storage layer per export over the window (/proc/self/io write_bytes). */
  bytesPerExport: number;
}

/** The figures of the stack at `size` exports, from the samples of the WINDOW exports before it. */
const reportAt = (samples: Sample[], size: number): SizeReport => {
  const at = samples.findIndex((sample) => sample.exports === size);
  const first = samples.findIndex((sample) => sample.exports === size - WINDOW);
  if (at < 0 || first < 0) throw new Error(`Scale benchmark: no samples for ${size} exports`);
  const window = samples.slice(first, at + 1);
  const per = (field: 'ms' | 'cpuMs'): number[] =>
    window.slice(1).map((sample, index) => {
      const before = window[index] as Sample;
      return (sample[field] - before[field]) / (sample.exports - before.exports);
    });
  const end = samples[at] as Sample;
  const start = samples[first] as Sample;
  return {
    size,
    msPerExport: median(per('ms')),
    cpuMsPerExport: median(per('cpuMs')),
    rssMiB: end.rss / 1024 / 1024,
    bytesPerExport: (end.bytes - start.bytes) / WINDOW,
  };
};

const createSources = async (stack: LocalStack, count: number): Promise<string[]> => {
  const client = new ElastiCacheClient({
    endpoint: stack.awsUrl,
    region: stack.config.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    const names: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const name = `scale-source-${index}`;
      await client.send(
        new CreateSnapshotCommand({ ReplicationGroupId: stack.config.replicationGroupId, SnapshotName: name }),
      );
      for (;;) {
        const { Snapshots } = await client.send(new DescribeSnapshotsCommand({ SnapshotName: name }));
        const status = Snapshots?.[0]?.SnapshotStatus;
        if (status === 'available') break;
        if (status === 'failed') throw new Error(`Scale benchmark: snapshot ${name} failed`);
        await sleep(FOLLOW_INTERVAL_MS);
      }
      names.push(name);
    }
    return names;
  } finally {
    client.destroy();
  }
};

/** One export through the API, followed until it ends; throws unless it succeeded. */
const runExport = async (stack: LocalStack, source: string, target: string): Promise<void> => {
  const response = await fetch(`${stack.apiUrl}/exports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sourceSnapshotName: source, targetSnapshotName: target }),
  });
  const accepted = (await response.json()) as { exportId?: string };
  if (response.status !== 202 || !accepted.exportId) {
    throw new Error(`Scale benchmark: POST /exports answered ${response.status}: ${JSON.stringify(accepted)}`);
  }
  const deadline = Date.now() + EXPORT_TIMEOUT_MS;
  for (;;) {
    await sleep(FOLLOW_INTERVAL_MS);
    const got = await fetch(`${stack.apiUrl}/exports/${encodeURIComponent(accepted.exportId)}`);
    const body = (await got.json()) as { status?: string; outcome?: unknown };
    if (body.status === 'SUCCEEDED') return;
    if (body.status !== 'RUNNING') {
      throw new Error(`Scale benchmark: export ${target} ended ${body.status}: ${JSON.stringify(body.outcome)}`);
    }
    if (Date.now() > deadline) throw new Error(`Scale benchmark: export ${target} still RUNNING`);
  }
};

/** Runs exports `from` to `to` - 1, WORKERS at a time (one source each); a sample every SAMPLE exports. */
const runExports = async (stack: LocalStack, sources: string[], from: number, to: number): Promise<Sample[]> => {
  let next = from;
  let done = from;
  const sample = (): Sample => ({
    exports: done,
    ms: performance.now(),
    cpuMs: cpuMs(),
    bytes: writeBytes(),
    rss: process.memoryUsage().rss,
  });
  const samples: Sample[] = [sample()];
  const worker = async (source: string): Promise<void> => {
    while (next < to) {
      const index = next;
      next += 1;
      await runExport(stack, source, index < 0 ? `scale-warmup-${-index}` : `scale-export-${index + 1}`);
      done += 1;
      if (done % SAMPLE === 0) samples.push(sample());
    }
  };
  await Promise.all(sources.map(worker));
  return samples;
};

const formatReport = (r: SizeReport): string =>
  `| ${r.size.toLocaleString('en-US')} | ${r.msPerExport.toFixed(1)} | ${r.cpuMsPerExport.toFixed(1)} | ${r.rssMiB.toFixed(0)} | ${(r.bytesPerExport / 1024).toFixed(1)} |`;

const ratioGoal = (name: string, figure: number): Goal => ({
  name,
  figure,
  target: GOAL_RATIO,
  ok: figure <= GOAL_RATIO,
});

export const runScaleBenchmark = async (): Promise<Goal[]> => {
  // The stack's handlers run in this process; their logs would bury the figures.
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-scale-'));
  const stack = await startLocalStack({
    env: {},
    config: { timeScale: TIME_SCALE, awsPort: 0, apiPort: 0, dataDir },
  });
  try {
    const sources = await createSources(stack, WORKERS);
    await runExports(stack, sources, -WARMUP, 0);
    const samples = await runExports(stack, sources, 0, Math.max(...SIZES));
    const reports = SIZES.map((size) => reportAt(samples, size));
    process.stdout.write(
      [
        '',
        `Scale: one local stack, ${WORKERS} exports at a time (time scale ${TIME_SCALE}, after ${WARMUP} warm-up exports); each size's figures over the ${WINDOW} exports that led to it (time: median of ${SAMPLE}-export samples)`,
        '| exports | ms per export | CPU ms per export | RSS MiB | KiB written per export |',
        '|---:|---:|---:|---:|---:|',
        ...reports.map(formatReport),
        '',
      ].join('\n'),
    );
    const [small, large] = reports;
    if (!small || !large) return [];
    return [
      ratioGoal(`scale/time-per-export-${large.size}-vs-${small.size}`, large.msPerExport / small.msPerExport),
      ratioGoal(`scale/cpu-per-export-${large.size}-vs-${small.size}`, large.cpuMsPerExport / small.cpuMsPerExport),
    ];
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};

/**
 * The benchmark in a Node process of its own (as `npm run bench` runs it): the stack imports the handlers in process
 * with its own environment, and handlers imported earlier keep their SDK clients.
 */
export const runScaleBenchmarkInOwnProcess = async (): Promise<Goal[]> => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-scale-goals-'));
  const file = path.join(dir, 'goals.json');
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', __filename], {
        env: { ...process.env, BENCH_GOALS_FILE: file },
        stdio: 'inherit',
      });
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0) throw new Error(`The scale benchmark failed (exit ${code})`);
    return JSON.parse(readFileSync(file, 'utf8')) as Goal[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

if (require.main === module) {
  runScaleBenchmark().then(
    (goals) => {
      const file = process.env.BENCH_GOALS_FILE;
      if (file) writeFileSync(file, JSON.stringify(goals));
      else process.stdout.write(`${goals.map(formatGoal).join('\n')}\n`);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
