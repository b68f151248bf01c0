// Faults staged for tests (through ElastiCacheHandle or POST /_local/elasticache/faults, SnsHandle or
// POST /_local/sns/faults): the next calls of an action fail with an AWS error (or, ElastiCache, with a missing
// service-linked role) or are answered late (`delaySeconds`, both services), or (ElastiCache) the next exports or the next snapshots of a replication group, cache cluster
// or serverless cache end badly. Staged faults are test scaffolding, not
// ElastiCache state, so they live in memory only and a restarted emulator starts with none. An outcome, once taken by
// a CopySnapshot or CreateSnapshot, is part of that export or snapshot and is saved with it (see Work `finish-export`,
// `finish-snapshot`).
import { AwsError } from './errors.js';

export type ExportOutcome = 'no-objects' | 'failed' | 'corrupt' | 'truncated';

const EXPORT_OUTCOMES: readonly ExportOutcome[] = ['no-objects', 'failed', 'corrupt', 'truncated'];

/**
 * The bytes an export writes for an object under a staged `corrupt` or `truncated` outcome: `corrupt` flips bytes in
 * the middle of the first shard's file (header and trailer intact, so only the CRC64 tells), `truncated` cuts it to
 * two thirds (an upload that stopped early). Other shards and outcomes are written as they are.
 */
export const damagedExportBody = (outcome: ExportOutcome | undefined, shard: number, body: Buffer): Buffer => {
  if (shard !== 0) return body;
  if (outcome === 'truncated') return Buffer.from(body.subarray(0, Math.floor((body.length * 2) / 3)));
  if (outcome !== 'corrupt') return body;
  const damaged = Buffer.from(body);
  const middle = Math.floor(damaged.length / 2);
  for (let at = middle; at < Math.min(middle + 4, damaged.length - 9); at += 1) damaged[at] = (damaged[at] ?? 0) ^ 0xa5;
  return damaged;
};
export type SnapshotOutcome = 'failed';

/** What a snapshot is taken of, to match a staged snapshot outcome against. */
export interface SnapshotSource {
  replicationGroupId?: string | undefined;
  cacheClusterId?: string | undefined;
  serverlessCacheName?: string | undefined;
}

/** The serverless actions whose API reference models ServiceLinkedRoleNotFoundFault. */
export const SERVICE_LINKED_ROLE_ACTIONS: readonly string[] = [
  'CreateServerlessCache',
  'DeleteServerlessCache',
  'CreateServerlessCacheSnapshot',
  'ExportServerlessCacheSnapshot',
  'DeleteServerlessCacheSnapshot',
];

/** ServiceLinkedRoleNotFoundFault with the fault's description in the API reference (its message is not documented). */
export const serviceLinkedRoleNotFound = (): AwsError =>
  new AwsError('ServiceLinkedRoleNotFoundFault', 'The specified service linked role (SLR) was not found.', 400);

/**
 * A fault staged for tests: either the next `count` calls of `action` fail with an AWS error (default Throttling,
 * "Rate exceeded", 400), or, with `exportOutcome`, the next `count` exports end badly: `no-objects` (the source
 * returns to `available` and nothing is written: the "reported success, bucket empty" case) or `failed` (the source
 * ends `failed`, nothing written), `corrupt` (the objects are written with bytes changed in the middle of the first,
 * so its CRC64 does not match) or `truncated` (the first object is cut short), or, with `snapshotOutcome: 'failed'`, the next `count` CreateSnapshot calls of
 * `replicationGroupId` or `cacheClusterId` (of any, with neither) make a snapshot that ends `failed` instead of
 * `available`; with `serverlessCacheName`, the next CreateServerlessCacheSnapshot (or final snapshot) of that serverless
 * cache. An `exportOutcome` with `serverlessCacheSnapshotName` applies only to the next ExportServerlessCacheSnapshot of
 * that snapshot. With `serviceLinkedRoleMissing: true`, the next `count` calls of `action` (default: any of
 * SERVICE_LINKED_ROLE_ACTIONS) fail with ServiceLinkedRoleNotFoundFault, as when ElastiCache's role was deleted.
 */
export interface ElastiCacheFault {
  /** An ElastiCache action (`CopySnapshot`, `DescribeSnapshots`…) or `*` for any; ignored with `exportOutcome`. */
  action?: string;
  /** How many calls or exports the fault applies to. Default 1. */
  count?: number;
  code?: string;
  message?: string;
  status?: number;
  exportOutcome?: ExportOutcome;
  snapshotOutcome?: SnapshotOutcome;
  /** With `snapshotOutcome`: only snapshots of this replication group (or of one of its clusters). */
  replicationGroupId?: string;
  /** With `snapshotOutcome`: only snapshots taken of this cache cluster. */
  cacheClusterId?: string;
  /** With `snapshotOutcome`: only snapshots of this serverless cache. */
  serverlessCacheName?: string;
  /** With `exportOutcome`: only the export of this serverless cache snapshot (without: the next export of any kind). */
  serverlessCacheSnapshotName?: string;
  /** The next calls fail with ServiceLinkedRoleNotFoundFault (see above). */
  serviceLinkedRoleMissing?: boolean;
  /**
   * With no `code`: the next `count` calls are answered normally, but only after this many emulated seconds (a
   * slow service, e.g. to stop an execution while a task waits on it).
   */
  delaySeconds?: number;
}

type StagedFault = ElastiCacheFault & { count: number };

export class FaultQueue {
  private readonly faults: StagedFault[] = [];

  /** Checks and queues a fault; throws an Error with a message for the caller when it is malformed. */
  public stage(fault: ElastiCacheFault): void {
    if (typeof fault !== 'object' || fault === null) throw new Error('A fault must be an object');
    if (fault.exportOutcome !== undefined && !EXPORT_OUTCOMES.includes(fault.exportOutcome)) {
      throw new Error('exportOutcome must be "no-objects", "failed", "corrupt" or "truncated"');
    }
    if (fault.snapshotOutcome !== undefined) checkSnapshotFault(fault);
    else if (
      fault.replicationGroupId !== undefined ||
      fault.cacheClusterId !== undefined ||
      fault.serverlessCacheName !== undefined
    ) {
      throw new Error(
        'replicationGroupId, cacheClusterId and serverlessCacheName name what a snapshotOutcome applies to',
      );
    }
    if (fault.serverlessCacheSnapshotName !== undefined) {
      if (fault.exportOutcome === undefined) {
        throw new Error('serverlessCacheSnapshotName names the snapshot an exportOutcome applies to');
      }
      checkName('serverlessCacheSnapshotName', fault.serverlessCacheSnapshotName);
    }
    if (fault.serviceLinkedRoleMissing !== undefined) checkServiceLinkedRoleFault(fault);
    if (
      fault.exportOutcome === undefined &&
      fault.snapshotOutcome === undefined &&
      fault.serviceLinkedRoleMissing === undefined &&
      !fault.action
    ) {
      throw new Error(
        'A fault needs an action (or "*"), an exportOutcome, a snapshotOutcome or serviceLinkedRoleMissing',
      );
    }
    if (fault.delaySeconds !== undefined) {
      if (typeof fault.delaySeconds !== 'number' || !(fault.delaySeconds > 0)) {
        throw new Error('delaySeconds must be a positive number of emulated seconds');
      }
      if (fault.code !== undefined || fault.exportOutcome !== undefined) {
        throw new Error('A delay answers the call normally: give delaySeconds without code or exportOutcome');
      }
    }
    const count = fault.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new Error('count must be a positive integer');
    this.faults.push({ ...fault, count });
  }

  public pending(): ElastiCacheFault[] {
    return this.faults.map((fault) => ({ ...fault }));
  }

  public clear(): void {
    this.faults.length = 0;
  }

  /** The error the next call of `action` must fail with, if one is staged (and counts it). */
  public takeCallFault(action: string): AwsError | undefined {
    const fault = this.take(
      (candidate) =>
        !candidate.exportOutcome &&
        !candidate.snapshotOutcome &&
        candidate.delaySeconds === undefined &&
        (candidate.serviceLinkedRoleMissing
          ? candidate.action === undefined
            ? SERVICE_LINKED_ROLE_ACTIONS.includes(action)
            : candidate.action === action || candidate.action === '*'
          : candidate.action === action || candidate.action === '*'),
    );
    if (fault?.serviceLinkedRoleMissing) return serviceLinkedRoleNotFound();
    return fault && new AwsError(fault.code ?? 'Throttling', fault.message ?? 'Rate exceeded', fault.status ?? 400);
  }

  /** The emulated seconds the next call of `action` must wait before it is answered, if a delay is staged. */
  public takeCallDelay(action: string): number | undefined {
    return this.take(
      (candidate) =>
        candidate.delaySeconds !== undefined &&
        !candidate.snapshotOutcome &&
        (candidate.action === action || candidate.action === '*'),
    )?.delaySeconds;
  }

  /**
   * How the next export must end, if an outcome is staged (and counts it): one naming no snapshot applies to any
   * export, one naming a serverless snapshot only to that snapshot's ExportServerlessCacheSnapshot.
   */
  public takeExportOutcome(serverlessCacheSnapshotName?: string): ExportOutcome | undefined {
    return this.take(
      (candidate) =>
        candidate.exportOutcome !== undefined &&
        (candidate.serverlessCacheSnapshotName === undefined ||
          same(candidate.serverlessCacheSnapshotName, serverlessCacheSnapshotName)),
    )?.exportOutcome;
  }

  /** How the next snapshot of `source` must end, if an outcome is staged for it (and counts it). */
  public takeSnapshotOutcome(source: SnapshotSource): SnapshotOutcome | undefined {
    return this.take(
      (candidate) =>
        candidate.snapshotOutcome !== undefined &&
        ((candidate.replicationGroupId === undefined &&
          candidate.cacheClusterId === undefined &&
          candidate.serverlessCacheName === undefined) ||
          same(candidate.replicationGroupId, source.replicationGroupId) ||
          same(candidate.cacheClusterId, source.cacheClusterId) ||
          same(candidate.serverlessCacheName, source.serverlessCacheName)),
    )?.snapshotOutcome;
  }

  private take(matches: (fault: StagedFault) => boolean): StagedFault | undefined {
    const index = this.faults.findIndex(matches);
    const fault = this.faults[index];
    if (!fault) return undefined;
    fault.count -= 1;
    if (fault.count <= 0) this.faults.splice(index, 1);
    return fault;
  }
}

const same = (staged: string | undefined, actual: string | undefined): boolean =>
  staged !== undefined && actual !== undefined && staged.toLowerCase() === actual.toLowerCase();

const checkName = (name: string, value: unknown): void => {
  if (typeof value !== 'string' || value === '') throw new Error(`${name} must be a name`);
};

const checkServiceLinkedRoleFault = (fault: ElastiCacheFault): void => {
  if (fault.serviceLinkedRoleMissing !== true) throw new Error('serviceLinkedRoleMissing must be true');
  if (
    fault.code !== undefined ||
    fault.message !== undefined ||
    fault.status !== undefined ||
    fault.exportOutcome !== undefined ||
    fault.snapshotOutcome !== undefined ||
    fault.delaySeconds !== undefined
  ) {
    throw new Error('serviceLinkedRoleMissing takes only an action and a count');
  }
};

const checkSnapshotFault = (fault: ElastiCacheFault): void => {
  if (fault.snapshotOutcome !== 'failed') throw new Error('snapshotOutcome must be "failed"');
  if (
    fault.action !== undefined ||
    fault.code !== undefined ||
    fault.exportOutcome !== undefined ||
    fault.delaySeconds !== undefined
  ) {
    throw new Error('A snapshotOutcome fault takes no action, code, exportOutcome or delaySeconds');
  }
  const named = (['replicationGroupId', 'cacheClusterId', 'serverlessCacheName'] as const).filter((name) => {
    const value = fault[name];
    if (value !== undefined) checkName(name, value);
    return value !== undefined;
  });
  if (named.length > 1) throw new Error('Give one of replicationGroupId, cacheClusterId or serverlessCacheName');
};
