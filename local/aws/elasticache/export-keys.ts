// The S3 keys an ElastiCache export writes, for node-based (CopySnapshot with TargetBucket) and serverless
// (ExportServerlessCacheSnapshot) snapshots. Pure functions with no imports, so the product can share them.
//
// Node-based: `<TargetSnapshotName lowercased>-0001.rdb`, one object per shard (0001, 0002, …), as exports of
// cluster-mode-enabled groups are seen to land.
//
// Serverless: assumed. AWS documents neither the key nor the number of objects of ExportServerlessCacheSnapshot (its
// reference and the User Guide's "Exporting a backup" say only that the .rdb data goes to the bucket). The request
// names no target, so the snapshot's own name (stored lowercased) is the only name it can use; a serverless cache is
// sharded internally, so the node-based pattern, one `-NNNN.rdb` per shard, is the most likely form. The number of
// shards is the emulator's `serverlessExportShards` setting (default 1).

const pad4 = (value: number): string => value.toString().padStart(4, '0');

const keysFor = (name: string, shards: number): string[] =>
  Array.from({ length: Math.max(1, shards) }, (_, index) => `${name.toLowerCase()}-${pad4(index + 1)}.rdb`);

/** The objects a node-based export writes: `<target lowercased>-0001.rdb`, one per shard. */
export const exportKeys = (target: string, shards: number): string[] => keysFor(target, shards);

/** The objects an ExportServerlessCacheSnapshot writes (assumed, see above): `<snapshot>-0001.rdb`, one per shard. */
export const serverlessExportKeys = (snapshotName: string, shards = 1): string[] => keysFor(snapshotName, shards);
