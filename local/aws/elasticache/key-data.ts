// What an emulated cache holds and what its snapshots and exports carry: a replication group's or cache cluster's
// keys (restored ones saved with it; one created empty holds the demo shop's data, derived from its creation time, so
// nothing needs saving), a snapshot's keys as of when it was taken, and the `.rdb` file of each of its shards.
// Deterministic: the same snapshot always gives the same bytes (an export redone after a restart writes the same).
import { demoKeys, keysByShard, liveKeys } from './demo-data.js';
import type { SnapshotModel } from './model.js';
import { slotRange } from './params.js';
import { type KeyRecord, writeRdb } from './rdb.js';

/** The keys of a group or cluster: what it was seeded with, or the demo data of when it was created. */
export const keysOf = (resource: { data?: KeyRecord[]; createdAt: string }): KeyRecord[] =>
  resource.data ?? demoKeys(new Date(resource.createdAt));

/** When the snapshot's data was taken (its nodes' snapshot time; the cluster's creation if it has none yet). */
const takenAt = (snapshot: SnapshotModel): Date =>
  new Date(snapshot.nodeSnapshots[0]?.snapshotCreateTime ?? snapshot.clusterCreateTime);

/** The keys a snapshot holds: those alive when it was taken. */
export const snapshotKeys = (snapshot: SnapshotModel): KeyRecord[] =>
  liveKeys(snapshot.data ?? demoKeys(new Date(snapshot.clusterCreateTime)), takenAt(snapshot));

/** The `.rdb` file of shard `shard` (0-based, node snapshot order) of a snapshot, as its engine version writes it. */
export const snapshotShardFile = (snapshot: SnapshotModel, shard: number, writtenAt: Date): Buffer => {
  const slots = snapshot.numNodeGroups > 1 ? snapshot.nodeSnapshots.map((node) => node.slots) : [undefined];
  const shards = keysByShard(snapshotKeys(snapshot), slots);
  return writeRdb({
    engine: snapshot.engine,
    engineVersion: snapshot.engineVersion,
    createdAt: writtenAt,
    keys: shards[shard] ?? [],
  });
};

/**
 * The `.rdb` file of shard `shard` of `count` of a serverless cache snapshot: the demo data of when it was taken,
 * split by hash slot (an emulated serverless cache holds no data of its own).
 */
export const serverlessShardFile = (
  snapshot: { engine: string; fullEngineVersion: string; createdAt: string },
  shard: number,
  count: number,
): Buffer => {
  const at = new Date(snapshot.createdAt);
  const slots = Array.from({ length: count }, (_, index) => slotRange(index, count));
  const shards = keysByShard(liveKeys(demoKeys(at), at), count > 1 ? slots : [undefined]);
  return writeRdb({
    engine: snapshot.engine,
    engineVersion: snapshot.fullEngineVersion,
    createdAt: at,
    keys: shards[shard] ?? [],
  });
};
