// RDB files, by concern: rdb-format.ts (which engine version writes which version, the key data, CRC64),
// rdb-write.ts (a file as an engine version writes it), rdb-read.ts (parsing one for a restore), rdb-encodings.ts
// (listpack, ziplist, intset, LZF). This module is their public face for the rest of the emulator.
export { RdbError } from './rdb-encodings.js';
export {
  crc64Redis,
  engineReads,
  type KeyRecord,
  type KeyValue,
  type RdbFormat,
  rdbFormatFor,
  readersOf,
} from './rdb-format.js';
export { type ParsedRdb, readRdb } from './rdb-read.js';
export { type WriteRdbInput, writeRdb } from './rdb-write.js';
