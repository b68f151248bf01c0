// First-invocation benchmark: per function, the first invocation in a fresh Node process of the packaged bundle,
// as Lambda runs it after a cold start: the bundle unzipped from `serverless package`'s artifact, imported, and its
// handler invoked once with a realistic event against the local stack (bench/events.ts), with the function's
// deployed environment (NODE_OPTIONS=--enable-source-maps, its own settings) pointing at the stack through
// AWS_ENDPOINT_URL. Baselines measured in the same run (bench/floors.ts): each function's SDK floor (only the clients
// it uses, one cheap call each, same esbuild settings) and an empty handler. Median of RUNS per bundle.
//   node --import tsx bench/first-invocation.ts        (part of `npm run bench`, which runs it in its own process)
//   BENCH_CPU_PROF=<dir> ...                            each child's CPU profile and its bundle's source map, one
//                                                       folder per function and floor (bench/cpu-profile-summary.ts)
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type Bundle,
  esbuildOptionsOf,
  packagedBundles,
  readServerlessConfig,
  type ServerlessConfig,
} from './bundles.js';
import { type BenchStack, type Invocation, startBenchStack } from './events.js';
import { buildBaselines, EMPTY_BASELINE, type Floor } from './floors.js';
import { type Goal, writeGoalsOrPrint } from './goals.js';

/** Measured first invocations per bundle (BENCH_RUNS, default 5); the figures are medians. One more round runs first and is discarded. */
const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const CHILD_TIMEOUT_MS = 60_000;
/** The goals of issue 12: each function within 15 % of its SDK floor. */
export const GOAL_RATIO = 1.15;
/** serverless.yml's `logLevel` param by default (and in prod); dev's DEBUG would log more than a deployed function. */
const LOG_LEVEL = 'INFO';

/** Runs in the child: import the bundle, invoke its handler once, report one line of JSON on file descriptor 3. */
const RUNNER = `
import { readFileSync, writeSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
const [url, eventFile, functionName, timeoutSeconds, memory, region, accountId] = process.argv.slice(1);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const cpuAtStart = process.cpuUsage();
const started = performance.now();
const loaded = await import(url);
const imported = performance.now();
const importCpu = process.cpuUsage(cpuAtStart);
const deadline = Date.now() + Number(timeoutSeconds) * 1000;
const context = {
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:' + region + ':' + accountId + ':function:' + functionName,
  memoryLimitInMB: memory,
  awsRequestId: randomUUID(),
  logGroupName: '/aws/lambda/' + functionName,
  logStreamName: 'bench',
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => deadline - Date.now(),
};
let result;
let error;
try {
  result = await loaded.handler(event, context);
} catch (caught) {
  error = caught instanceof Error ? { name: caught.name, message: caught.message } : { name: 'Error', message: String(caught) };
}
const invoked = performance.now();
const cpu = process.cpuUsage(cpuAtStart);
const memoryUsage = process.memoryUsage();
writeSync(3, JSON.stringify({
  bootMs: started,
  importMs: imported - started,
  invokeMs: invoked - imported,
  cpuMs: (cpu.user + cpu.system) / 1000,
  importCpuMs: (importCpu.user + importCpu.system) / 1000,
  rss: memoryUsage.rss,
  result: result ?? null,
  error,
}));
process.exit(0);
`;

interface Sample {
  /** From the process's start to the import (Node's own start-up and the runner). */
  bootMs: number;
  importMs: number;
  invokeMs: number;
  /** The child's own CPU time (user and system) for the import and the invocation. */
  cpuMs: number;
  importCpuMs: number;
  rss: number;
  result: unknown;
  error?: { name: string; message: string };
}

interface Measured {
  bundle: Bundle;
  functionKey: string;
  importMs: number;
  invokeMs: number;
  /** Import plus invocation: the first invocation's cost to the caller after the runtime has started. */
  firstMs: number;
  minFirstMs: number;
  maxFirstMs: number;
  /** CPU time of the import and invocation in the child: what the function itself costs, less sensitive to a busy machine than firstMs. */
  cpuMs: number;
  importCpuMs: number;
  rss: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  const lower = sorted[middle - 1] ?? upper;
  return sorted.length % 2 === 1 ? upper : (lower + upper) / 2;
};

interface Subject {
  bundle: Bundle;
  /** The function whose environment, timeout and memory it runs with. */
  functionKey: string;
  kind: 'function' | 'floor' | 'empty';
}

/**
 * With BENCH_CPU_PROF=<dir>: the node flags that write the child's CPU profile to <dir>/<bundle name>, where the
 * bundle's source map is copied too (bench/cpu-profile-summary.ts reads both). Without it, none.
 */
const cpuProfileArgs = (subject: Subject): string[] => {
  const root = process.env.BENCH_CPU_PROF;
  if (!root) return [];
  const dir = path.join(root, subject.bundle.name.replace(/[^A-Za-z0-9]+/g, '-'));
  mkdirSync(dir, { recursive: true });
  const map = `${subject.bundle.file}.map`;
  if (existsSync(map)) copyFileSync(map, path.join(dir, 'bundle.map'));
  return ['--cpu-prof', '--cpu-prof-interval', '100', `--cpu-prof-dir=${dir}`];
};

const invokeOnce = (
  subject: Subject,
  eventFile: string,
  env: NodeJS.ProcessEnv,
  settings: { timeout: number; memory: number; region: string; accountId: string },
): Promise<Sample> =>
  new Promise((resolve, reject) => {
    const profileArgs = cpuProfileArgs(subject);
    const child = spawn(
      process.execPath,
      [
        ...profileArgs,
        '--input-type=module',
        '-e',
        RUNNER,
        pathToFileURL(subject.bundle.file).href,
        eventFile,
        subject.functionKey,
        String(settings.timeout),
        String(settings.memory),
        settings.region,
        settings.accountId,
      ],
      { cwd: path.dirname(subject.bundle.file), env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] },
    );
    // The handler's logs go to stdout as Lambda's do; kept only to explain a failure.
    let logs = '';
    const keep = (chunk: Buffer) => {
      logs = (logs + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let report = '';
    child.stdio[3]?.on('data', (chunk: Buffer) => {
      report += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code !== 0 || !report) {
        reject(new Error(`First-invocation benchmark: ${subject.bundle.name} exited ${code}:\n${logs}`));
        return;
      }
      resolve(JSON.parse(report) as Sample);
    });
  });

/** The function's own environment names in serverless.yml (its `environment`). */
const ownEnvironment = (config: ServerlessConfig, functionKey: string): string[] =>
  Object.keys(config.functions?.[functionKey]?.environment ?? {});

/** What Lambda gives every function, besides its settings: the provider's literal settings and the runtime's own. */
const lambdaEnvironment = (config: ServerlessConfig, functionKey: string): Record<string, string> => {
  const literal = Object.entries(config.provider?.environment ?? {}).filter(
    (entry): entry is [string, string] => typeof entry[1] === 'string' && !entry[1].includes('${'),
  );
  return {
    ...Object.fromEntries(literal),
    POWERTOOLS_LOG_LEVEL: LOG_LEVEL,
    AWS_LAMBDA_LOG_FORMAT: 'JSON',
    AWS_LAMBDA_LOG_LEVEL: LOG_LEVEL,
    AWS_LAMBDA_FUNCTION_NAME: functionKey,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.provider?.memorySize ?? 128),
  };
};

const measureAll = async (
  subjects: Subject[],
  bench: BenchStack,
  config: ServerlessConfig,
  root: string,
): Promise<Measured[]> => {
  const samples = new Map<string, Sample[]>(subjects.map((subject) => [subject.bundle.name, []]));
  const { region, accountId } = bench.stack.config;
  let counter = 0;
  for (let round = 0; round <= RUNS; round += 1) {
    for (let index = 0; index < subjects.length; index += 1) {
      const subject = subjects[(index + round) % subjects.length];
      if (!subject) continue;
      counter += 1;
      // Before the event is made: an export started for it (cancelExport's) must not wait for other work to end.
      await bench.settle();
      const invocation: Invocation =
        subject.kind === 'function'
          ? await bench.invocationOf(subject.functionKey, counter)
          : { event: {}, check: () => undefined };
      const eventFile = path.join(root, 'event.json');
      writeFileSync(eventFile, JSON.stringify(invocation.event));
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        ...bench.environmentOf(subject.functionKey, ownEnvironment(config, subject.functionKey)),
        ...lambdaEnvironment(config, subject.functionKey),
      };
      const sample = await invokeOnce(subject, eventFile, env, {
        timeout: config.functions?.[subject.functionKey]?.timeout ?? 6,
        memory: config.provider?.memorySize ?? 128,
        region,
        accountId,
      });
      if (sample.error) {
        throw new Error(
          `First-invocation benchmark: ${subject.bundle.name} threw ${sample.error.name}: ${sample.error.message}`,
        );
      }
      invocation.check(sample.result);
      await invocation.after?.(sample.result);
      if (round > 0) samples.get(subject.bundle.name)?.push(sample);
    }
  }
  return subjects.map((subject) => {
    const own = samples.get(subject.bundle.name) ?? [];
    const first = own.map((sample) => sample.importMs + sample.invokeMs);
    return {
      bundle: subject.bundle,
      functionKey: subject.functionKey,
      importMs: median(own.map((sample) => sample.importMs)),
      invokeMs: median(own.map((sample) => sample.invokeMs)),
      firstMs: median(first),
      minFirstMs: Math.min(...first),
      maxFirstMs: Math.max(...first),
      cpuMs: median(own.map((sample) => sample.cpuMs)),
      importCpuMs: median(own.map((sample) => sample.importCpuMs)),
      rss: median(own.map((sample) => sample.rss)),
    };
  });
};

const KIB = 1024;
const MIB = 1024 * 1024;
const pad = (value: string | number, width: number): string => String(value).padStart(width);

const report = (functions: Measured[], floors: Map<string, Measured>, empty: Measured, nodeOptions: string): string => {
  const out: string[] = [];
  out.push('');
  out.push(
    `First invocation: import of each packaged bundle plus one invocation against the local stack, in a fresh Node ${process.version} process (NODE_OPTIONS=${nodeOptions}, as deployed), median of ${RUNS} (bench/first-invocation.ts)`,
  );
  out.push(
    `${'function'.padEnd(16)}${pad('zip KiB', 8)}${pad('bundle KiB', 11)}${pad('floor KiB', 10)}${pad('bytes/floor', 12)}${pad('import ms', 10)}${pad('invoke ms', 10)}${pad('first ms', 9)}${pad('(min-max)', 12)}${pad('floor ms', 9)}${pad('first/floor', 12)}${pad('CPU ms', 8)}${pad('floor CPU', 10)}${pad('CPU/floor', 10)}${pad('import CPU/floor', 17)}${pad('RSS MiB', 8)}${pad('floor RSS', 10)}`,
  );
  for (const r of functions) {
    const floor = floors.get(r.functionKey);
    if (!floor) throw new Error(`No floor for ${r.functionKey}`);
    out.push(
      `${r.functionKey.padEnd(16)}${pad(((r.bundle.zipBytes ?? 0) / KIB).toFixed(0), 8)}${pad((r.bundle.bundleBytes / KIB).toFixed(0), 11)}${pad((floor.bundle.bundleBytes / KIB).toFixed(0), 10)}${pad((r.bundle.bundleBytes / floor.bundle.bundleBytes).toFixed(2), 12)}${pad(r.importMs.toFixed(0), 10)}${pad(r.invokeMs.toFixed(0), 10)}${pad(r.firstMs.toFixed(0), 9)}${pad(`(${r.minFirstMs.toFixed(0)}-${r.maxFirstMs.toFixed(0)})`, 12)}${pad(floor.firstMs.toFixed(0), 9)}${pad((r.firstMs / floor.firstMs).toFixed(2), 12)}${pad(r.cpuMs.toFixed(0), 8)}${pad(floor.cpuMs.toFixed(0), 10)}${pad((r.cpuMs / floor.cpuMs).toFixed(2), 10)}${pad(`${r.importCpuMs.toFixed(0)}/${floor.importCpuMs.toFixed(0)} ${(r.importCpuMs / floor.importCpuMs).toFixed(2)}`, 17)}${pad((r.rss / MIB).toFixed(0), 8)}${pad((floor.rss / MIB).toFixed(0), 10)}`,
    );
  }
  out.push(
    `${EMPTY_BASELINE.padEnd(16)}${pad('-', 8)}${pad((empty.bundle.bundleBytes / KIB).toFixed(1), 11)}${pad('', 10)}${pad('', 12)}${pad(empty.importMs.toFixed(1), 10)}${pad(empty.invokeMs.toFixed(1), 10)}${pad(empty.firstMs.toFixed(1), 9)}${pad('', 12)}${pad('', 9)}${pad('', 12)}${pad(empty.cpuMs.toFixed(1), 8)}${pad('', 10)}${pad('', 10)}${pad('', 17)}${pad((empty.rss / MIB).toFixed(0), 8)}`,
  );
  out.push('');
  out.push(
    "first ms = import + invocation; the floor is the same for the function's own SDK clients only, each sending one cheap call (floor clients per function below). zip KiB is the deployed artifact (bundle and source map). RSS after the invocation. CPU ms is the child's own CPU time (user and system) for the import and the invocation, median: the stack's work and the machine's other load are outside it; import CPU/floor is the import's alone (function/floor ms, ratio), before the invocation's own calls.",
  );
  for (const floor of floors.values()) {
    const packages = (floor.bundle as Floor).packages ?? [];
    out.push(`  floor ${floor.functionKey}: ${packages.map((name) => name.replace('@aws-sdk/', '')).join(', ')}`);
  }
  const net = functions.map((r) => {
    const floor = floors.get(r.functionKey);
    return floor ? (r.firstMs - empty.firstMs) / (floor.firstMs - empty.firstMs) : Number.NaN;
  });
  out.push(
    `Net of the empty handler (${empty.firstMs.toFixed(1)} ms), the functions take ${Math.min(...net).toFixed(2)} to ${Math.max(...net).toFixed(2)} times their floor's first invocation.`,
  );
  return out.join('\n');
};

const goalsOf = (functions: Measured[], floors: Map<string, Measured>): Goal[] =>
  functions.flatMap((r) => {
    const floor = floors.get(r.functionKey);
    if (!floor) return [];
    const first = r.firstMs / floor.firstMs;
    const bytes = r.bundle.bundleBytes / floor.bundle.bundleBytes;
    return [
      { name: `first-invocation/${r.functionKey}`, figure: first, target: GOAL_RATIO, ok: first <= GOAL_RATIO },
      { name: `bundle/${r.functionKey}`, figure: bytes, target: GOAL_RATIO, ok: bytes <= GOAL_RATIO },
    ];
  });

export const runFirstInvocationBenchmark = async (): Promise<Goal[]> => {
  const root = mkdtempSync(path.join(tmpdir(), 'bench-first-invocation-bundles-'));
  let bench: BenchStack | undefined;
  try {
    const config = readServerlessConfig();
    const options = esbuildOptionsOf(config);
    const bundles = await packagedBundles(config, root);
    const { floors, empty } = await buildBaselines(config, options, root);
    bench = await startBenchStack();
    const subjects: Subject[] = [
      ...bundles.map((bundle) => ({ bundle, functionKey: bundle.name, kind: 'function' as const })),
      ...floors.map((floor) => ({ bundle: floor, functionKey: floor.functionKey, kind: 'floor' as const })),
      // The empty handler runs with the first function's settings; it reads none of them.
      { bundle: empty, functionKey: bundles[0]?.name ?? 'empty', kind: 'empty' as const },
    ];
    const measured = await measureAll(subjects, bench, config, root);
    const functions = measured.filter((_, index) => subjects[index]?.kind === 'function');
    const floorResults = new Map(
      measured
        .filter((_, index) => subjects[index]?.kind === 'floor')
        .map((floor) => [floor.functionKey, floor] as const),
    );
    const emptyResult = measured.find((_, index) => subjects[index]?.kind === 'empty');
    if (!emptyResult) throw new Error('First-invocation benchmark: the empty baseline is missing');
    const nodeOptions = String(config.provider?.environment?.NODE_OPTIONS ?? '');
    process.stdout.write(`${report(functions, floorResults, emptyResult, nodeOptions)}\n`);
    return goalsOf(functions, floorResults);
  } finally {
    await bench?.stop();
    rmSync(root, { recursive: true, force: true });
  }
};

if (require.main === module) {
  // `npm run bench` reads the goals from BENCH_GOALS_FILE to print them last; alone, they are printed now.
  runFirstInvocationBenchmark().then(writeGoalsOrPrint, (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
