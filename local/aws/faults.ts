// Faults staged for tests (through ElastiCacheHandle or POST /_local/elasticache/faults, SnsHandle or
// POST /_local/sns/faults): the next calls of an action fail with an AWS error, or (ElastiCache) the next exports end
// badly. Staged faults are test scaffolding, not ElastiCache state,
// so they live in memory only and a restarted emulator starts with none. An export outcome, once taken by a
// CopySnapshot, is part of that export and is saved with it (see Work `finish-export`).
import { AwsError } from './errors.js';

export type ExportOutcome = 'no-objects' | 'failed';

/**
 * A fault staged for tests: either the next `count` calls of `action` fail with an AWS error (default Throttling,
 * "Rate exceeded", 400), or, with `exportOutcome`, the next `count` exports end badly: `no-objects` (the source
 * returns to `available` and nothing is written: the "reported success, bucket empty" case) or `failed` (the source
 * ends `failed`, nothing written).
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
    if (fault.exportOutcome === undefined && !fault.action) {
      throw new Error('A fault needs an action (or "*") or an exportOutcome');
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
        candidate.delaySeconds === undefined &&
        (candidate.action === action || candidate.action === '*'),
    );
    return fault && new AwsError(fault.code ?? 'Throttling', fault.message ?? 'Rate exceeded', fault.status ?? 400);
  }

  /** The emulated seconds the next call of `action` must wait before it is answered, if a delay is staged. */
  public takeCallDelay(action: string): number | undefined {
    return this.take(
      (candidate) => candidate.delaySeconds !== undefined && (candidate.action === action || candidate.action === '*'),
    )?.delaySeconds;
  }

  /** How the next export must end, if an outcome is staged (and counts it). */
  public takeExportOutcome(): ExportOutcome | undefined {
    return this.take((candidate) => candidate.exportOutcome !== undefined)?.exportOutcome;
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
