// The bundles the first-invocation benchmark measures: the service packaged once with `serverless package` (offline,
// no AWS credentials), each function's ES module bundle unzipped with its source map as Lambda would unpack it, and
// the esbuild settings serverless.yml gives the functions (custom.esbuild), for the baselines built beside them.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BuildOptions } from 'esbuild';
import { parse } from 'yaml';
import { packageService, SERVICE_DIR } from '../test/infrastructure/serverless-package.js';
import { readZip } from '../test/infrastructure/zip.js';

export { SERVICE_DIR };

export interface Bundle {
  name: string;
  /** The bundle's entry file (.mjs), which the child process imports. */
  file: string;
  bundleBytes: number;
  /** The deployed artifact (bundle and source map); absent for the baselines, which are never zipped. */
  zipBytes?: number;
}

export interface ServerlessConfig {
  custom?: { esbuild?: Record<string, unknown> };
  provider?: { environment?: Record<string, unknown>; memorySize?: number; runtime?: string };
  functions?: Record<string, { handler?: string; timeout?: number; environment?: Record<string, unknown> }>;
}

export const readServerlessConfig = (): ServerlessConfig =>
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
export const esbuildOptionsOf = (config: ServerlessConfig): BuildOptions => {
  const custom = config.custom?.esbuild;
  if (!custom) throw new Error('serverless.yml has no custom.esbuild section');
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(custom)) if (!PLUGIN_ONLY_OPTIONS.has(key)) options[key] = value;
  const exclude = Array.isArray(custom.exclude) ? (custom.exclude as string[]) : ['aws-sdk'];
  const external = Array.isArray(custom.external) ? (custom.external as string[]) : [];
  return { ...options, external: [...external, ...exclude.filter((name) => name !== '*')] } as BuildOptions;
};

/** Packages the service and unzips each function's bundle (with its source map) under root, in serverless.yml order. */
export const packagedBundles = async (config: ServerlessConfig, root: string): Promise<Bundle[]> => {
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
      `First-invocation benchmark: \`serverless package\` failed, so there are no bundles to measure.\n${error instanceof Error ? error.message : String(error)}`,
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
      throw new Error(`First-invocation benchmark: cannot read ${key}.zip from serverless package: ${String(error)}`);
    }
    let file: string | undefined;
    for (const entry of entries) {
      const target = path.join(root, 'functions', key, entry.name);
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, entry.content());
      if (entry.name.endsWith('.mjs')) file = target;
    }
    if (!file) throw new Error(`First-invocation benchmark: ${key}.zip holds no .mjs bundle`);
    return { name: key, file, bundleBytes: statSync(file).size, zipBytes: statSync(zip).size };
  });
};
