// Runs `serverless package` (osls, offline, no AWS credentials) into a temporary folder and reads the result.
// Each configuration is packaged once per test file; the template and the zips are then only read.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Template } from './cloudformation';

export const SERVICE_DIR = path.join(__dirname, '..', '..');
const SERVERLESS_BIN = path.join(SERVICE_DIR, 'node_modules', 'serverless', 'bin', 'serverless.js');

/** Settings that serverless.yml reads from the environment; test/setup-env.ts sets some of them for the unit tests. */
const CONFIG_ENV = [
  'ALLOWED_TARGET_BUCKETS',
  'DEFAULT_TARGET_BUCKET',
  'EXPORT_DEADLINE_MINUTES',
  'LOG_LEVEL',
  'SCHEDULES_FILE',
  'SNAPSHOT_TOPICS',
] as const;

export interface PackageConfig {
  stage: string;
  region: string;
  env?: Partial<Record<(typeof CONFIG_ENV)[number], string>>;
}

export interface PackagedService {
  dir: string;
  template: Template;
  seconds: number;
}

const run = promisify(execFile);

export const packageService = async (config: PackageConfig): Promise<PackagedService> => {
  const dir = mkdtempSync(path.join(tmpdir(), `sls-package-${config.stage}-`));
  const env: NodeJS.ProcessEnv = { ...process.env };
  // No credentials on purpose: packaging must not need AWS. Only the variables of this configuration.
  for (const name of [...CONFIG_ENV, 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE']) delete env[name];
  Object.assign(env, config.env);
  const started = process.hrtime.bigint();
  try {
    await run(
      process.execPath,
      [SERVERLESS_BIN, 'package', '--stage', config.stage, '--region', config.region, '--package', dir],
      { cwd: SERVICE_DIR, env, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    const output = error as { stdout?: string; stderr?: string };
    throw new Error(`serverless package failed:\n${output.stdout ?? ''}\n${output.stderr ?? ''}`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const template = JSON.parse(
    readFileSync(path.join(dir, 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as Template;
  return { dir, template, seconds };
};
