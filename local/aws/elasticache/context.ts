// What every ElastiCache resource module works with: the saved state, the clock its durations run on, the S3 store
// exports write into, the emulated durations, the limits, the serverless export settings, the staged faults and the API rate limit; and the
// ARN of a resource.
import type { Clock } from '../../clock.js';
import type { FaultQueue } from '../faults.js';
import type { S3Store } from '../s3/store.js';
import { partitionFor } from '../sigv4.js';
import type { ElastiCacheLimits, ElastiCacheTimings, Scope, ServerlessExportSettings } from './model.js';
import type { ApiRateLimit } from './rate-limit.js';
import type { ElastiCacheState } from './state.js';

export interface ElastiCacheContext {
  state: ElastiCacheState;
  clock: Clock;
  s3Store: S3Store;
  timings: ElastiCacheTimings;
  limits: ElastiCacheLimits;
  serverlessExport: ServerlessExportSettings;
  faults: FaultQueue;
  /** ElastiCache's API rate limit, per account and Region (off unless configured). */
  rateLimit: ApiRateLimit;
}

export type ArnKind = 'cluster' | 'replicationgroup' | 'snapshot' | 'serverlesscache' | 'serverlesscachesnapshot';

export const arnOf = (scope: Scope, kind: ArnKind, id: string): string =>
  `arn:${partitionFor(scope.region)}:elasticache:${scope.region}:${scope.accountId}:${kind}:${id}`;

export const nowIso = (context: ElastiCacheContext): string => context.clock.now().toISOString();
