// Cold-start benchmark: packages the service once with `serverless package` (offline, no AWS credentials), unzips
// each function's ES module bundle, and imports it in fresh Node processes, as a Lambda cold start does before the
// first invocation. Per function: zip and bundle size, median import time and memory after import. Baselines, built
// by esbuild in the same run with the esbuild settings of serverless.yml: a handler that only creates an SNSClient
// (the floor any Lambda function using the AWS SDK pays) and an empty handler (the runtime's own floor).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type BuildOptions, build } from 'esbuild';
import { parse } from 'yaml';
import { packageService, SERVICE_DIR } from '../test/infrastructure/serverless-package.js';
import { readZip } from '../test/infrastructure/zip.js';

/** Measured imports per bundle; the figures are medians. One more round runs first and is discarded (disk cache). */
const RUNS = 7;
const CHILD_TIMEOUT_MS = 30_000;
const SNS_BASELINE = 'baseline: SNSClient';
const EMPTY_BASELINE = 'baseline: empty';

/** What a handler reads at import time, with dummy values; nothing here reaches AWS. */
const HANDLER_ENV: Record<string, string> = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  DEFAULT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:elasticache-export-outcomes-bench',
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:exportSnapshot-bench',
  ALLOWED_TARGET_BUCKETS: 'exports-bucket',
  DEFAULT_TARGET_BUCKET: 'exports-bucket',
  EXPORT_DEADLINE_MINUTES: '720',
  NOTIFICATION_TABLE_NAME: 'elasticache-export-safety-net-bench',
};

/** Runs in the child: import the bundle given as argv[1], then report time and memory as one line of JSON. The heap
 * is measured after a forced GC on both sides, so its growth is what the import keeps alive. */
const RUNNER = `
const url = process.argv[1];
globalThis.gc();
const before = process.memoryUsage();
const started = process.hrtime.bigint();
const loaded = await import(url);
const importMs = Number(process.hrtime.bigint() - started) / 1e6;
const rss = process.memoryUsage().rss;
globalThis.gc();
const heapUsed = process.memoryUsage().heapUsed;
process.stdout.write(JSON.stringify({
  importMs,
  rss,
  rssDelta: rss - before.rss,
  heapDelta: heapUsed - before.heapUsed,
  handler: typeof loaded.handler,
}));
`;

interface Sample {
  importMs: number;
  rss: number;
  rssDelta: number;
  heapDelta: number;
}

interface Bundle {
  name: string;
  file: string;
  bundleBytes: number;
  zipBytes?: number;
}

export interface ColdStartResult extends Bundle {
  importMs: number;
  minImportMs: number;
  maxImportMs: number;
  rss: number;
  rssDelta: number;
  heapDelta: number;
}

interface ServerlessConfig {
  custom?: { esbuild?: Record<string, unknown> };
  provider?: { environment?: Record<string, unknown> };
  functions?: Record<string, { handler?: string }>;
}

const readServerlessConfig = (): ServerlessConfig =>
  parse(readFileSync(path.join(SERVICE_DIR, 'serverless.yml'), 'utf8')) as ServerlessConfig;

/** serverless-esbuild's own options, which it strips before calling esbuild (node_modules/serverless-esbuild/dist/bundle.js). */
const PLUGIN_ONLY_OPTIONS = new Set([
  'concurrency',
  'zipConcurrency',
  'exclude',
  'nativeZip',
  'packager',
  'packagePath',
  'watch',
  'keepOutputDirectory',
  'packagerOptions',
  'installExtraArgs',
  'outputFileExtension',
  'outputBuildFolder',
  'outputWorkFolder',
  'nodeExternals',
  'skipBuild',
  'skipRebuild',
  'skipBuildExcludeFns',
  'stripEntryResolveExtensions',
  'disposeContext',
]);

/** The esbuild options serverless.yml gives the functions (custom.esbuild), minus the plugin's own settings. */
const esbuildOptionsOf = (config: ServerlessConfig): BuildOptions => {
  const custom = config.custom?.esbuild;
  if (!custom) throw new Error('serverless.yml has no custom.esbuild section');
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(custom)) if (!PLUGIN_ONLY_OPTIONS.has(key)) options[key] = value;
  const exclude = Array.isArray(custom.exclude) ? (custom.exclude as string[]) : ['aws-sdk'];
  const external = Array.isArray(custom.external) ? (custom.external as string[]) : [];
  return { ...options, external: [...external, ...exclude.filter((name) => name !== '*')] } as BuildOptions;
};

const buildBaseline = async (
  name: string,
  source: string,
  options: BuildOptions,
  root: string,
  slug: string,
): Promise<Bundle> => {
  const file = path.join(root, 'baselines', `${slug}.mjs`);
  await build({
    ...options,
    stdin: { contents: source, resolveDir: SERVICE_DIR, sourcefile: `bench/${slug}.ts`, loader: 'ts' },
    outfile: file,
    logLevel: 'silent',
  });
  return { name, file, bundleBytes: statSync(file).size };
};

const BASELINE_SOURCES = {
  sns: `import { SNSClient } from '@aws-sdk/client-sns';
export const sns = new SNSClient({});
export const handler = async () => ({});
`,
  empty: `export const handler = async () => ({});
`,
};

/** Packages the service and unzips each function's bundle (with its source map) under root, in serverless.yml order. */
const packagedBundles = async (config: ServerlessConfig, root: string): Promise<Bundle[]> => {
  const keys = Object.keys(config.functions ?? {});
  if (keys.length === 0) throw new Error('serverless.yml declares no functions');
  // packageService makes its folder in os.tmpdir(); point that at root so the folder is removed with it, even when
  // packaging fails. The serverless child inherits TMPDIR too, so its own temporary files land there as well.
  const previousTmpdir = process.env.TMPDIR;
  process.env.TMPDIR = root;
  let dir: string;
  try {
    ({ dir } = await packageService({ stage: 'dev', region: 'us-east-1' }));
  } catch (error) {
    throw new Error(
      `Cold-start benchmark: \`serverless package\` failed, so there are no bundles to measure.\n${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    if (previousTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previousTmpdir;
  }
  return keys.map((key) => {
    const zip = path.join(dir, `${key}.zip`);
    let entries: ReturnType<typeof readZip>;
    try {
      entries = readZip(zip);
    } catch (error) {
      throw new Error(`Cold-start benchmark: cannot read ${key}.zip from serverless package: ${String(error)}`);
    }
    let file: string | undefined;
    for (const entry of entries) {
      const target = path.join(root, 'functions', key, entry.name);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, entry.content());
      if (entry.name.endsWith('.mjs')) file = target;
    }
    if (!file) throw new Error(`Cold-start benchmark: ${key}.zip holds no .mjs bundle`);
    return { name: key, file, bundleBytes: statSync(file).size, zipBytes: statSync(zip).size };
  });
};

const run = promisify(execFile);

const importOnce = async (bundle: Bundle, env: NodeJS.ProcessEnv): Promise<Sample> => {
  let stdout: string;
  try {
    ({ stdout } = await run(
      process.execPath,
      ['--expose-gc', '--input-type=module', '-e', RUNNER, pathToFileURL(bundle.file).href],
      { cwd: path.dirname(bundle.file), env, timeout: CHILD_TIMEOUT_MS },
    ));
  } catch (error) {
    const output = error as { stderr?: string };
    throw new Error(`Cold-start benchmark: importing ${bundle.name} failed:\n${output.stderr ?? String(error)}`);
  }
  const sample = JSON.parse(stdout) as Sample & { handler: string };
  if (sample.handler !== 'function') throw new Error(`Cold-start benchmark: ${bundle.name} exports no handler`);
  return sample;
};

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] ?? Number.NaN;
  const lower = sorted[middle - 1] ?? upper;
  return sorted.length % 2 === 1 ? upper : (lower + upper) / 2;
};

/** Imports every bundle RUNS times in fresh processes, round-robin (and rotated) so drift spreads over all of them. */
const measureAll = async (bundles: Bundle[], env: NodeJS.ProcessEnv): Promise<ColdStartResult[]> => {
  const samples = new Map<string, Sample[]>(bundles.map((bundle) => [bundle.name, []]));
  for (let round = 0; round <= RUNS; round += 1) {
    for (let index = 0; index < bundles.length; index += 1) {
      const bundle = bundles[(index + round) % bundles.length];
      if (!bundle) continue;
      const sample = await importOnce(bundle, env);
      if (round > 0) samples.get(bundle.name)?.push(sample);
    }
  }
  return bundles.map((bundle) => {
    const own = samples.get(bundle.name) ?? [];
    const times = own.map((sample) => sample.importMs);
    return {
      ...bundle,
      importMs: median(times),
      minImportMs: Math.min(...times),
      maxImportMs: Math.max(...times),
      rss: median(own.map((sample) => sample.rss)),
      rssDelta: median(own.map((sample) => sample.rssDelta)),
      heapDelta: median(own.map((sample) => sample.heapDelta)),
    };
  });
};

const KIB = 1024;
const MIB = 1024 * 1024;
const pad = (value: string | number, width: number): string => String(value).padStart(width);

const report = (results: ColdStartResult[], nodeOptions: string | undefined): string => {
  const sns = results.find((r) => r.name === SNS_BASELINE);
  const empty = results.find((r) => r.name === EMPTY_BASELINE);
  if (!sns || !empty) throw new Error('Cold-start benchmark: a baseline is missing');
  const out: string[] = [];
  out.push('');
  out.push(
    `Cold start: import of each packaged bundle in a fresh Node ${process.version} process${nodeOptions ? ` (NODE_OPTIONS=${nodeOptions}, as deployed)` : ''}, median of ${RUNS} (bench/cold-start.ts)`,
  );
  out.push(
    `${'function'.padEnd(22)}${pad('zip KiB', 8)}${pad('bundle KiB', 11)}${pad('import ms', 10)}${pad('(min-max)', 14)}${pad('RSS MiB', 8)}${pad('+RSS MiB', 9)}${pad('+heap MiB', 10)}${pad('import/SNS', 11)}${pad('RSS/SNS', 8)}`,
  );
  for (const r of results) {
    out.push(
      `${r.name.padEnd(22)}${pad(r.zipBytes === undefined ? '-' : (r.zipBytes / KIB).toFixed(1), 8)}${pad((r.bundleBytes / KIB).toFixed(1), 11)}${pad(r.importMs.toFixed(1), 10)}${pad(`(${r.minImportMs.toFixed(0)}-${r.maxImportMs.toFixed(0)})`, 14)}${pad((r.rss / MIB).toFixed(1), 8)}${pad((r.rssDelta / MIB).toFixed(1), 9)}${pad((r.heapDelta / MIB).toFixed(1), 10)}${pad((r.importMs / sns.importMs).toFixed(2), 11)}${pad((r.rss / sns.rss).toFixed(2), 8)}`,
    );
  }
  out.push('');
  out.push(
    `import/SNS and RSS/SNS: ratio to "${SNS_BASELINE}" in this run (RSS is the whole process after import). zip KiB is the deployed artifact (bundle and source map); +RSS and +heap are the growth during the import (heap measured after a forced GC).`,
  );
  const functions = results.filter((r) => r.name !== SNS_BASELINE && r.name !== EMPTY_BASELINE);
  const above = functions.map((r) => (r.importMs - empty.importMs) / (sns.importMs - empty.importMs));
  out.push(
    `Net of the empty handler (${empty.importMs.toFixed(1)} ms), the functions take ${Math.min(...above).toFixed(2)} to ${Math.max(...above).toFixed(2)} times the SNSClient floor's import time (${(sns.importMs - empty.importMs).toFixed(1)} ms).`,
  );
  return out.join('\n');
};

export const runColdStartBenchmark = async (): Promise<ColdStartResult[]> => {
  const root = mkdtempSync(path.join(tmpdir(), 'bench-cold-start-'));
  try {
    const config = readServerlessConfig();
    const options = esbuildOptionsOf(config);
    const bundles = await packagedBundles(config, root);
    const baselines = [
      await buildBaseline(SNS_BASELINE, BASELINE_SOURCES.sns, options, root, 'sns-baseline'),
      await buildBaseline(EMPTY_BASELINE, BASELINE_SOURCES.empty, options, root, 'empty-baseline'),
    ];
    // The children get only what a Lambda function would: its settings and the provider's NODE_OPTIONS.
    const nodeOptions = config.provider?.environment?.NODE_OPTIONS;
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, ...HANDLER_ENV };
    if (typeof nodeOptions === 'string') env.NODE_OPTIONS = nodeOptions;
    const results = await measureAll([...bundles, ...baselines], env);
    process.stdout.write(`${report(results, typeof nodeOptions === 'string' ? nodeOptions : undefined)}\n`);
    return results;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
};
