// ElastiCache's state and how it persists: per account and Region, the replication groups, cache clusters, snapshots,
// serverless caches and their snapshots, the work pending on them and the counters that order them, saved as one JSON
// document under `<dataDir>/elasticache/` (see ../regional-documents.ts) and rewritten after every change. Pending work carries the
// wall-clock time it completes at, so a restarted emulator on the same data folder finishes it at its original time
// (right after start when that time has passed). Creation-order numbers (Marker pagination) continue after a restart,
// and so does the count of manual snapshots the 24-hour quota is held to.
import path from 'node:path';
import type { Clock } from '../../clock.js';
import { RegionalDocuments } from '../regional-documents.js';
import type {
  CacheClusterModel,
  PendingWork,
  ReplicationGroupModel,
  Scope,
  ServerlessCacheModel,
  ServerlessSnapshotModel,
  SnapshotModel,
  Work,
} from './model.js';

/** The state of one account and Region. Maps keyed by request-supplied names: no prototype to reach. */
export interface RegionState {
  readonly scope: Scope;
  replicationGroups: Map<string, ReplicationGroupModel>;
  cacheClusters: Map<string, CacheClusterModel>;
  snapshots: Map<string, SnapshotModel>;
  serverlessCaches: Map<string, ServerlessCacheModel>;
  serverlessSnapshots: Map<string, ServerlessSnapshotModel>;
  work: Map<number, PendingWork>;
  /**
   * When (wall-clock epoch ms) each manual snapshot was created, by what it was taken of (`replicationgroup:<id>`,
   * `cluster:<id>`, `serverlesscache:<name>`): the 24-hour quotas count creations, so a snapshot deleted since still
   * counts.
   */
  manualSnapshotLog: Map<string, number[]>;
  /** The next creation-order number. */
  nextSeq: number;
  nextWorkId: number;
}

/** The saved form of a RegionState (format version 1). */
interface RegionDocument {
  nextSeq: number;
  nextWorkId: number;
  replicationGroups: ReplicationGroupModel[];
  cacheClusters: CacheClusterModel[];
  snapshots: SnapshotModel[];
  /** Absent in documents saved before serverless caches were emulated. */
  serverlessCaches?: ServerlessCacheModel[];
  serverlessSnapshots?: ServerlessSnapshotModel[];
  work: PendingWork[];
  /** Absent in documents saved before the quota was emulated: no creations counted. */
  manualSnapshotLog?: Array<[string, number[]]>;
}

const FORMAT_VERSION = 1;

const byKey = <K, T>(items: readonly T[] | undefined, key: (item: T) => K): Map<K, T> =>
  new Map((items ?? []).map((item) => [key(item), item] as const));

export class ElastiCacheState {
  private readonly documents: RegionalDocuments<RegionState, RegionDocument>;
  private readonly timers = new Map<string, () => void>();

  /**
   * @param perform completes one piece of due work on its Region's state; the state is saved afterwards. An exception
   *   is logged and the work dropped, as a failed background task would be.
   */
  public constructor(
    dataDir: string,
    private readonly clock: Clock,
    private readonly perform: (region: RegionState, work: Work) => void,
    private readonly log: (level: 'info' | 'error', message: string, data?: Record<string, unknown>) => void,
  ) {
    this.documents = new RegionalDocuments<RegionState, RegionDocument>({
      dir: path.join(dataDir, 'elasticache'),
      version: FORMAT_VERSION,
      create: (scope) => ({
        scope,
        replicationGroups: new Map(),
        cacheClusters: new Map(),
        snapshots: new Map(),
        serverlessCaches: new Map(),
        serverlessSnapshots: new Map(),
        work: new Map(),
        manualSnapshotLog: new Map(),
        nextSeq: 1,
        nextWorkId: 1,
      }),
      toJson: (region) => ({
        nextSeq: region.nextSeq,
        nextWorkId: region.nextWorkId,
        replicationGroups: [...region.replicationGroups.values()],
        cacheClusters: [...region.cacheClusters.values()],
        snapshots: [...region.snapshots.values()],
        serverlessCaches: [...region.serverlessCaches.values()],
        serverlessSnapshots: [...region.serverlessSnapshots.values()],
        work: [...region.work.values()],
        manualSnapshotLog: [...region.manualSnapshotLog.entries()],
      }),
      fromJson: (saved, scope) => ({
        scope,
        replicationGroups: byKey(saved.replicationGroups, (group) => group.id),
        cacheClusters: byKey(saved.cacheClusters, (cluster) => cluster.id),
        snapshots: byKey(saved.snapshots, (snapshot) => snapshot.name),
        serverlessCaches: byKey(saved.serverlessCaches, (cache) => cache.name),
        serverlessSnapshots: byKey(saved.serverlessSnapshots, (snapshot) => snapshot.name),
        work: byKey(saved.work, (pending) => pending.id),
        manualSnapshotLog: new Map(saved.manualSnapshotLog ?? []),
        nextSeq: saved.nextSeq,
        nextWorkId: saved.nextWorkId,
      }),
    });
  }

  /** The account and Region's state, for reading. Change it only inside `change`. */
  public region(scope: Scope): RegionState {
    return this.documents.get(scope);
  }

  /** Runs `mutate` on the account and Region's state and saves it, also when `mutate` throws half-way. */
  public change<T>(scope: Scope, mutate: (region: RegionState) => T): T {
    const region = this.region(scope);
    try {
      return mutate(region);
    } finally {
      this.documents.save(region.scope);
    }
  }

  public nextSeq(region: RegionState): number {
    const seq = region.nextSeq;
    region.nextSeq += 1;
    return seq;
  }

  /** Queues `work` to complete `seconds` of emulated time from now; call inside `change` so it is saved. */
  public schedule(region: RegionState, seconds: number, work: Work): PendingWork {
    const pending: PendingWork = {
      id: region.nextWorkId,
      dueAt: this.clock.now().getTime() + this.clock.realMs(seconds),
      work,
    };
    region.nextWorkId += 1;
    region.work.set(pending.id, pending);
    this.arm(region.scope, pending);
    return pending;
  }

  /** Loads every saved account and Region and arms the work they had pending. */
  public resume(): void {
    for (const scope of this.documents.loadAll()) {
      for (const pending of this.region(scope).work.values()) this.arm(scope, pending);
    }
  }

  /** Cancels the timers of pending work (it stays saved, for the next start on this data folder). */
  public stop(): void {
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
  }

  private arm(scope: Scope, pending: PendingWork): void {
    const key = `${scope.accountId}/${scope.region}#${pending.id}`;
    const remainingMs = Math.max(0, pending.dueAt - this.clock.now().getTime());
    // The clock counts emulated seconds; the due time is wall-clock, so convert back (a zero scale waits for nothing).
    const seconds = this.clock.timeScale > 0 ? remainingMs / 1000 / this.clock.timeScale : 0;
    const cancel = this.clock.schedule(seconds, () => {
      this.timers.delete(key);
      try {
        this.change(scope, (region) => {
          if (!region.work.delete(pending.id)) return;
          this.perform(region, pending.work);
        });
      } catch (error) {
        this.log('error', 'Emulated ElastiCache work failed', { error: String(error), kind: pending.work.kind });
      }
    });
    this.timers.set(key, cancel);
  }
}
