// Settings of the local stack (`npm start`, `npm run demo`, integration tests), read from the environment once.
// Every value has a default, so `npm start` works with no setup; malformed values fail loudly.
import path from 'node:path';
import { parseAllowList, type VerifyMode } from '../handlers/lib/contracts.js';
import { parseVerifyMode } from '../handlers/lib/export-verification.js';
import { parseTimeScale } from './clock.js';

/** Real seconds per emulated second by default: a 30 s Wait takes 1.5 s, so the demo finishes in seconds. */
export const DEFAULT_LOCAL_TIME_SCALE = 0.05;
export const DEFAULT_AWS_PORT = 4566;
export const DEFAULT_API_PORT = 3000;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_ACCOUNT_ID = '000000000000';
export const DEFAULT_STATE_MACHINE_NAME = 'exportSnapshot-local';
export const REPOSITORY_ROOT = path.join(__dirname, '..');
/**
 * Where roles derived from `serverless package` are cached by default: the default data folder's `iam/`, whatever
 * data folder a stack uses. Entries are keyed by a hash of everything the template is made from, so every stack of
 * this checkout (npm start, each test's) shares them and packages a configuration once.
 */
export const DEFAULT_IAM_CACHE_DIR = path.join(REPOSITORY_ROOT, '.local-data', 'iam');

/** The demo data the stack seeds. */
export const DEMO = {
  bucket: 'elasticache-exports-local',
  topicName: 'elasticache-export-outcomes-local',
  replicationGroupId: 'demo-cache',
  snapshotName: 'demo-cache-snapshot',
  numNodeGroups: 2,
} as const;

/** The schedules file serverless.yml reads when SCHEDULES_FILE is not set. */
export const DEFAULT_SCHEDULES_FILE = 'config/schedules.yml';

/** `on`: the project's functions are held to their packaged roles (local/aws/iam); `off`: nothing is refused. */
export type LocalIamMode = 'on' | 'off';

export interface LocalConfig {
  host: string;
  /** 0 picks a free port. */
  awsPort: number;
  apiPort: number;
  region: string;
  /** The account the stack acts as: the access key id its clients sign with (12 digits = that account). */
  accountId: string;
  timeScale: number;
  dataDir: string;
  stateMachineName: string;
  allowedTargetBuckets: string[];
  defaultTargetBucket: string;
  deadlineMinutes: number;
  /** VERIFY_EXPORTS for CheckExport: `full` (default), `header` or `off`. */
  verifyExports: VerifyMode;
  bucket: string;
  topicName: string;
  replicationGroupId: string;
  snapshotName: string;
  numNodeGroups: number;
  /** LOCAL_IAM: `on` (default) or `off`. */
  iam: LocalIamMode;
  /** Where the roles derived from `serverless package` are cached (LOCAL_IAM_CACHE_DIR; default DEFAULT_IAM_CACHE_DIR). */
  iamCacheDir: string;
  /** SNAPSHOT_TOPICS for the packaged roles, as serverless.yml reads it; undefined: serverless.yml's default. */
  snapshotTopics?: string;
  /** SCHEDULES_FILE, relative to the repository, as serverless.yml reads it (default config/schedules.yml). */
  schedulesFile: string;
  /**
   * ElastiCache's API rate limit (local/aws/elasticache/rate-limit.ts): LOCAL_ELASTICACHE_RATE calls per emulated
   * second, LOCAL_ELASTICACHE_BURST at once from full (default: one second of the rate). Absent: no limit (AWS
   * publishes none for ElastiCache).
   */
  elastiCacheRate?: { ratePerSecond: number; burst?: number };
}

const fail = (name: string, raw: string, rule: string): never => {
  throw new Error(`${name} must be ${rule}, got "${raw}"`);
};

const port = (env: NodeJS.ProcessEnv, name: string, fallback: number): number => {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  return Number.isInteger(value) && value >= 0 && value <= 65535
    ? value
    : fail(name, raw, 'a port 0-65535 (0 = any free port)');
};

const positive = (env: NodeJS.ProcessEnv, name: string, fallback: number): number => {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  return Number.isFinite(value) && value > 0 ? value : fail(name, raw, 'a positive number');
};

const text = (env: NodeJS.ProcessEnv, name: string, fallback: string): string => env[name]?.trim() || fallback;

/** LOCAL_ELASTICACHE_RATE and LOCAL_ELASTICACHE_BURST; a burst without a rate is a mistake worth saying. */
const elastiCacheRate = (env: NodeJS.ProcessEnv): LocalConfig['elastiCacheRate'] => {
  const rate = env.LOCAL_ELASTICACHE_RATE?.trim();
  const burst = env.LOCAL_ELASTICACHE_BURST?.trim();
  if (!rate) {
    return burst ? fail('LOCAL_ELASTICACHE_BURST', burst, 'set together with LOCAL_ELASTICACHE_RATE') : undefined;
  }
  const ratePerSecond = positive(env, 'LOCAL_ELASTICACHE_RATE', 1);
  if (!burst) return { ratePerSecond };
  const size = Number(burst);
  return Number.isFinite(size) && size >= 1
    ? { ratePerSecond, burst: size }
    : fail('LOCAL_ELASTICACHE_BURST', burst, 'a number >= 1 (calls the bucket holds)');
};

const iamMode = (env: NodeJS.ProcessEnv): LocalIamMode => {
  const raw = env.LOCAL_IAM?.trim().toLowerCase();
  if (!raw || raw === 'on') return 'on';
  return raw === 'off' ? 'off' : fail('LOCAL_IAM', raw, 'on or off');
};

/**
 * Reads the local stack's settings: LOCAL_AWS_PORT, LOCAL_API_PORT, LOCAL_TIME_SCALE, LOCAL_DATA_DIR,
 * LOCAL_ACCOUNT_ID, LOCAL_STATE_MACHINE_NAME, LOCAL_IAM, LOCAL_IAM_CACHE_DIR, AWS_REGION, ALLOWED_TARGET_BUCKETS,
 * DEFAULT_TARGET_BUCKET, EXPORT_DEADLINE_MINUTES, VERIFY_EXPORTS, SNAPSHOT_TOPICS, SCHEDULES_FILE,
 * LOCAL_ELASTICACHE_RATE, LOCAL_ELASTICACHE_BURST. `overrides` win over the environment (tests, the
 * demo).
 */
export const readLocalConfig = (
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<LocalConfig> = {},
): LocalConfig => {
  const accountId = text(env, 'LOCAL_ACCOUNT_ID', DEFAULT_ACCOUNT_ID);
  if (!/^\d{12}$/.test(accountId)) fail('LOCAL_ACCOUNT_ID', accountId, '12 digits');
  const region = text(env, 'AWS_REGION', DEFAULT_REGION);
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) fail('AWS_REGION', region, 'a Region name such as us-east-1');
  const allowed = env.ALLOWED_TARGET_BUCKETS?.trim() ? parseAllowList(env.ALLOWED_TARGET_BUCKETS) : [DEMO.bucket];
  const dataDir = path.resolve(REPOSITORY_ROOT, text(env, 'LOCAL_DATA_DIR', '.local-data'));
  const rateLimit = elastiCacheRate(env);
  const config: LocalConfig = {
    host: DEFAULT_HOST,
    awsPort: port(env, 'LOCAL_AWS_PORT', DEFAULT_AWS_PORT),
    apiPort: port(env, 'LOCAL_API_PORT', DEFAULT_API_PORT),
    region,
    accountId,
    timeScale: parseTimeScale(env.LOCAL_TIME_SCALE, DEFAULT_LOCAL_TIME_SCALE),
    dataDir,
    stateMachineName: text(env, 'LOCAL_STATE_MACHINE_NAME', DEFAULT_STATE_MACHINE_NAME),
    allowedTargetBuckets: allowed,
    defaultTargetBucket: text(env, 'DEFAULT_TARGET_BUCKET', DEMO.bucket),
    deadlineMinutes: positive(env, 'EXPORT_DEADLINE_MINUTES', 720),
    verifyExports: parseVerifyMode(env.VERIFY_EXPORTS),
    bucket: DEMO.bucket,
    topicName: DEMO.topicName,
    replicationGroupId: DEMO.replicationGroupId,
    snapshotName: DEMO.snapshotName,
    numNodeGroups: DEMO.numNodeGroups,
    iam: iamMode(env),
    iamCacheDir: path.resolve(REPOSITORY_ROOT, text(env, 'LOCAL_IAM_CACHE_DIR', DEFAULT_IAM_CACHE_DIR)),
    schedulesFile: text(env, 'SCHEDULES_FILE', DEFAULT_SCHEDULES_FILE),
    ...(env.SNAPSHOT_TOPICS !== undefined && { snapshotTopics: env.SNAPSHOT_TOPICS }),
    ...(rateLimit && { elastiCacheRate: rateLimit }),
    ...overrides,
  };
  return config;
};

export const stateMachineArnOf = (config: LocalConfig): string =>
  `arn:aws:states:${config.region}:${config.accountId}:stateMachine:${config.stateMachineName}`;

export const topicArnOf = (config: LocalConfig): string =>
  `arn:aws:sns:${config.region}:${config.accountId}:${config.topicName}`;

/** Dummy credentials: the 12-digit access key id makes the emulator act as the configured account. */
export const credentialsOf = (config: LocalConfig): { accessKeyId: string; secretAccessKey: string } => ({
  accessKeyId: config.accountId,
  secretAccessKey: 'local-secret',
});

/**
 * The environment the handlers read at module load (and the SDK reads for endpoint, Region and credentials).
 * Values are always the local ones: real credentials from the shell never reach the emulator.
 */
export const handlerEnvironment = (config: LocalConfig, awsUrl: string): Record<string, string | undefined> => {
  const credentials = credentialsOf(config);
  return {
    AWS_ENDPOINT_URL: awsUrl,
    // Per-service endpoints and the opt-out would win over AWS_ENDPOINT_URL: clear any left in the shell.
    AWS_ENDPOINT_URL_ELASTICACHE: undefined,
    AWS_ENDPOINT_URL_S3: undefined,
    AWS_ENDPOINT_URL_SNS: undefined,
    AWS_ENDPOINT_URL_SFN: undefined,
    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: undefined,
    AWS_REGION: config.region,
    AWS_DEFAULT_REGION: config.region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    DEFAULT_TOPIC_ARN: topicArnOf(config),
    ALLOWED_TARGET_BUCKETS: config.allowedTargetBuckets.join(','),
    DEFAULT_TARGET_BUCKET: config.defaultTargetBucket,
    STATE_MACHINE_ARN: stateMachineArnOf(config),
    EXPORT_DEADLINE_MINUTES: String(config.deadlineMinutes),
    VERIFY_EXPORTS: config.verifyExports,
  };
};
