// Faults staged for tests (through ElastiCacheHandle or POST /_local/elasticache/faults, SnsHandle or
// POST /_local/sns/faults): the next calls of an action fail with an AWS error, or (ElastiCache) the next exports or
// the next snapshots of a replication group or cache cluster end badly. Staged faults are test scaffolding, not
// ElastiCache state, so they live in memory only and a restarted emulator starts with none. An outcome, once taken by
// a CopySnapshot or CreateSnapshot, is part of that export or snapshot and is saved with it (see Work `finish-export`,
// `finish-snapshot`).
import { AwsError } from './errors.js';

export type ExportOutcome = 'no-objects' | 'failed';
export type SnapshotOutcome = 'failed';

/** What a snapshot is taken of, to match a staged snapshot outcome against. */
export interface SnapshotSource {
  replicationGroupId?: string | undefined;
  cacheClusterId?: string | undefined;
}

/**
 * A fault staged for tests: either the next `count` calls of `action` fail with an AWS error (default Throttling,
 * "Rate exceeded", 400), or, with `exportOutcome`, the next `count` exports end badly: `no-objects` (the source
 * returns to `available` and nothing is written: the "reported success, bucket empty" case) or `failed` (the source
 * ends `failed`, nothing written), or, with `snapshotOutcome: 'failed'`, the next `count` CreateSnapshot calls of
 * `replicationGroupId` or `cacheClusterId` (of any, with neither) make a snapshot that ends `failed` instead of
 * `available`.
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
    if (fault.exportOutcome !== undefined && !['no-objects', 'failed'].includes(fault.exportOutcome)) {
      throw new Error('exportOutcome must be "no-objects" or "failed"');
    }
    if (fault.snapshotOutcome !== undefined) checkSnapshotFault(fault);
    else if (fault.replicationGroupId !== undefined || fault.cacheClusterId !== undefined) {
      throw new Error('replicationGroupId and cacheClusterId name what a snapshotOutcome applies to');
    }
    if (fault.exportOutcome === undefined && fault.snapshotOutcome === undefined && !fault.action) {
      throw new Error('A fault needs an action (or "*"), an exportOutcome or a snapshotOutcome');
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
        (candidate.action === action || candidate.action === '*'),
    );
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

  /** How the next export must end, if an outcome is staged (and counts it). */
  public takeExportOutcome(): ExportOutcome | undefined {
    return this.take((candidate) => candidate.exportOutcome !== undefined)?.exportOutcome;
  }

  /** How the next snapshot of `source` must end, if an outcome is staged for it (and counts it). */
  public takeSnapshotOutcome(source: SnapshotSource): SnapshotOutcome | undefined {
    const same = (staged: string | undefined, actual: string | undefined) =>
      staged !== undefined && actual !== undefined && staged.toLowerCase() === actual.toLowerCase();
    return this.take(
      (candidate) =>
        candidate.snapshotOutcome !== undefined &&
        ((candidate.replicationGroupId === undefined && candidate.cacheClusterId === undefined) ||
          same(candidate.replicationGroupId, source.replicationGroupId) ||
          same(candidate.cacheClusterId, source.cacheClusterId)),
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
  for (const name of ['replicationGroupId', 'cacheClusterId'] as const) {
    const value = fault[name];
    if (value !== undefined && (typeof value !== 'string' || value === '')) throw new Error(`${name} must be a name`);
  }
  if (fault.replicationGroupId !== undefined && fault.cacheClusterId !== undefined) {
    throw new Error('Give replicationGroupId or cacheClusterId, not both');
  }
};
