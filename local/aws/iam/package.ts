// Runs `serverless package` (osls, offline, no AWS credentials) on a copy of the service in a temporary folder, and
// reads what it wrote: the CloudFormation template and serverless-state.json (function keys, names and roles). A
// copy, so that runs never share serverless-esbuild's work folder (`.esbuild`) with another run in the repository,
// and so that a caller may change the copy first (`edit`: a serverless.yml with one statement removed).
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Template } from './cloudformation.js';

export const SERVICE_DIR = path.join(__dirname, '..', '..', '..');
const SERVERLESS_BIN = path.join(SERVICE_DIR, 'node_modules', 'serverless', 'bin', 'serverless.js');

/** Settings that serverless.yml reads from the environment; test/setup-env.ts sets some of them for the unit tests. */
export const CONFIG_ENV = [
  'ALLOWED_TARGET_BUCKETS',
  'DEFAULT_TARGET_BUCKET',
  'EXPORT_DEADLINE_MINUTES',
  'LOG_LEVEL',
  'SCHEDULES_FILE',
  'SNAPSHOT_TOPICS',
  'VERIFY_EXPORTS',
] as const;

export type ConfigEnv = Partial<Record<(typeof CONFIG_ENV)[number], string>>;

export interface PackageConfig {
  stage: string;
  region: string;
  env?: ConfigEnv;
  /** Changes the copy of the service before it is packaged (its root folder is given). */
  edit?: (serviceDir: string) => void;
}

/** The part of serverless-state.json read here. */
export interface ServerlessState {
  service: {
    service: string;
    functions: Record<string, { name: string; role?: unknown }>;
  };
}

export interface PackagedService {
  /** The package folder: the template, serverless-state.json and the zips. The caller removes it. */
  dir: string;
  template: Template;
  state: ServerlessState;
  seconds: number;
}

/**
 * What the copy leaves out: dependencies (linked instead), version control, build output and local data. Everything
 * else is copied, so a file serverless.yml comes to reference is there without a list to keep.
 */
const NOT_COPIED = new Set(['node_modules', '.git', '.local-data', '.serverless', '.esbuild', 'dist', 'coverage']);

const run = promisify(execFile);

export const packageService = async (config: PackageConfig): Promise<PackagedService> => {
  const work = mkdtempSync(path.join(tmpdir(), `sls-package-${config.stage}-`));
  const serviceDir = path.join(work, 'service');
  const dir = path.join(work, 'package');
  try {
    cpSync(SERVICE_DIR, serviceDir, {
      recursive: true,
      filter: (source) => source === SERVICE_DIR || !NOT_COPIED.has(path.relative(SERVICE_DIR, source)),
    });
    symlinkSync(path.join(SERVICE_DIR, 'node_modules'), path.join(serviceDir, 'node_modules'), 'dir');
    config.edit?.(serviceDir);
    const env: NodeJS.ProcessEnv = { ...process.env };
    // No credentials on purpose: packaging must not need AWS. Only the variables of this configuration.
    for (const name of [...CONFIG_ENV, 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE']) delete env[name];
    Object.assign(env, config.env);
    const started = process.hrtime.bigint();
    try {
      await run(
        process.execPath,
        [SERVERLESS_BIN, 'package', '--stage', config.stage, '--region', config.region, '--package', dir],
        { cwd: serviceDir, env, maxBuffer: 16 * 1024 * 1024 },
      );
    } catch (error) {
      const output = error as { stdout?: string; stderr?: string };
      throw new Error(`serverless package failed:\n${output.stdout ?? ''}\n${output.stderr ?? ''}`);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const read = <T>(file: string): T => JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as T;
    return {
      dir,
      template: read<Template>('cloudformation-template-update-stack.json'),
      state: read<ServerlessState>('serverless-state.json'),
      seconds,
    };
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  } finally {
    rmSync(serviceDir, { recursive: true, force: true });
  }
};

/** Removes what packageService left: the package folder and its temporary parent. */
export const removePackage = (service: Pick<PackagedService, 'dir'>): void => {
  rmSync(path.dirname(service.dir), { recursive: true, force: true });
};
