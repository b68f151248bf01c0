// The RDB file format as the emulator writes and reads it: which RDB version (and magic) each engine version writes,
// which versions each engine version can load, the opcodes and type codes, the key data a file holds, and Redis's
// CRC-64/Jones checksum. Pure data and functions; writing is rdb-write.ts, reading rdb-read.ts.
//
// RDB version by engine version, from the sources (RDB_VERSION in src/rdb.h at each release tag; the magic is
// `REDIS%04d` in rdbSaveRio, src/rdb.c, until Valkey 9.0 switches to `VALKEY%03d` for versions above 79):
//
// | engine (ElastiCache name) | writes      | source                                                                  |
// | ------------------------- | ----------- | ----------------------------------------------------------------------- |
// | Redis OSS 4.0             | REDIS0008   | redis/redis 4.0.9 src/rdb.h                                             |
// | Redis OSS 5.0             | REDIS0009   | redis/redis 5.0.14 src/rdb.h                                            |
// | Redis OSS 6.0, 6.2        | REDIS0009   | redis/redis 6.0.20, 6.2.16 src/rdb.h                                    |
// | Redis OSS 7.0             | REDIS0010   | redis/redis 7.0.15 src/rdb.h                                            |
// | Redis OSS 7.1 (ElastiCache)| REDIS0010  | not open source; "ElastiCache v7.1 is compatible with Redis OSS v7.0"   |
// |                           |             | (ElastiCache User Guide, Supported engine versions): assumed as 7.0     |
// | Redis OSS 7.2             | REDIS0011   | redis/redis 7.2.6 src/rdb.h                                             |
// | Redis 7.4 (not offered)   | REDIS0012   | redis/redis 7.4.1 src/rdb.h                                             |
// | Valkey 7.2, 8.0           | REDIS0011   | valkey-io/valkey 7.2.7, 8.0.1 src/rdb.h; magic "REDIS%04d" in rdb.c     |
// | Valkey 8.1, 8.2           | REDIS0011   | valkey-io/valkey unstable (01756301) src/rdb.h: "RDB 11 is the last     |
// |                           |             | open-source Redis RDB version, used by Valkey 7.x and 8.x"              |
// | Valkey 9.0                | VALKEY080   | same file: RDB_VERSION_MAP {80, 0x090000}; rdbUseValkeyMagic(v > 79)    |
// | Valkey 9.2                | VALKEY081   | same file: RDB_VERSION_MAP {81, 0x090200}                               |
//
// A reader loads versions up to its own RDB_VERSION and refuses newer ones ("Can't handle RDB format version %d",
// rdbLoadRio); Valkey 9 also accepts REDIS magic up to 11 (rdbIsVersionAccepted) and refuses 12-79, the range it
// reserves for non-open-source Redis formats.
//
// Aux fields (rdbSaveInfoAuxFields): Redis writes `redis-ver`, Valkey writes `valkey-ver` (valkey 7.2.5 to 8.0.1),
// then `redis-bits`, `ctime`, `used-mem`, and `aof-preamble` (5.0, 6.x) or `aof-base` (7.0 and later).
import { crc64 } from '../../../handlers/lib/crc64.js';

/** What an engine version writes: the magic prefix, the RDB version, and the aux field naming its version. */
export interface RdbFormat {
  format: 'redis' | 'valkey';
  /** `REDIS` (REDIS0011) or `VALKEY` (VALKEY080). */
  magic: 'REDIS' | 'VALKEY';
  version: number;
  /** The newest RDB version this engine version loads. */
  reads: number;
  /** Aux field names: the version field and the AOF one. */
  versionAux: 'redis-ver' | 'valkey-ver';
  aofAux: 'aof-preamble' | 'aof-base';
}

interface FormatRow {
  engine: 'redis' | 'valkey';
  /** major.minor */
  from: string;
  version: number;
}

/** By engine, ascending: a version writes the format of the last row at or below it. */
const FORMATS: readonly FormatRow[] = [
  { engine: 'redis', from: '2.8', version: 6 },
  { engine: 'redis', from: '3.2', version: 7 },
  { engine: 'redis', from: '4.0', version: 8 },
  { engine: 'redis', from: '5.0', version: 9 },
  { engine: 'redis', from: '7.0', version: 10 },
  { engine: 'redis', from: '7.2', version: 11 },
  { engine: 'redis', from: '7.4', version: 12 },
  { engine: 'valkey', from: '7.2', version: 11 },
  { engine: 'valkey', from: '9.0', version: 80 },
  { engine: 'valkey', from: '9.2', version: 81 },
];

const majorMinor = (engineVersion: string): [number, number] => {
  const [major = '0', minor = '0'] = engineVersion.split('.');
  return [Number(major), Number(minor)];
};

const atOrBelow = (a: [number, number], b: [number, number]): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]);

/** The RDB format an engine version writes (and the newest it reads). */
export const rdbFormatFor = (engine: string, engineVersion: string): RdbFormat => {
  const name = engine.toLowerCase() === 'valkey' ? 'valkey' : 'redis';
  const version = majorMinor(engineVersion);
  const rows = FORMATS.filter((row) => row.engine === name && atOrBelow(majorMinor(row.from), version));
  const row = rows[rows.length - 1] ?? FORMATS.find((candidate) => candidate.engine === name);
  const rdbVersion = row?.version ?? 11;
  const valkeyMagic = rdbVersion > RDB_FOREIGN_VERSION_MAX;
  return {
    format: name,
    magic: valkeyMagic ? 'VALKEY' : 'REDIS',
    version: rdbVersion,
    reads: rdbVersion,
    // valkey-io/valkey 7.2.5, 7.2.6, 7.2.7 and 8.0.1 src/rdb.c rdbSaveInfoAuxFields write valkey-ver.
    versionAux: name === 'valkey' ? 'valkey-ver' : 'redis-ver',
    aofAux: rdbVersion >= 10 ? 'aof-base' : 'aof-preamble',
  };
};

/** RDB versions Valkey 9 reserves for formats of non-open-source Redis (valkey src/rdb.h RDB_FOREIGN_VERSION_*). */
export const RDB_FOREIGN_VERSION_MIN = 12;
export const RDB_FOREIGN_VERSION_MAX = 79;

/**
 * Whether an engine version loads a file of this magic and version: up to its own version; a Valkey 9 engine also
 * every REDIS file up to 11, never the foreign range 12-79 (valkey src/rdb.c rdbIsVersionAccepted).
 */
export const engineReads = (reader: RdbFormat, file: { magic: 'REDIS' | 'VALKEY'; version: number }): boolean => {
  if (file.version < 1) return false;
  if (reader.magic === 'VALKEY') {
    if (file.magic === 'REDIS') return file.version <= 11;
    return file.version > RDB_FOREIGN_VERSION_MAX && file.version <= reader.version;
  }
  return file.magic === 'REDIS' && file.version <= reader.version;
};

/** The engines (ElastiCache names) that load this file, for messages. */
export const readersOf = (file: { magic: 'REDIS' | 'VALKEY'; version: number }): string => {
  if (file.magic === 'VALKEY') return `Valkey ${file.version >= 81 ? '9.2' : '9.0'} or later`;
  if (file.version <= 9) {
    const from = file.version <= 7 ? '3.2' : file.version === 8 ? '4.0' : '5.0';
    return `Redis OSS ${from} or later, or Valkey`;
  }
  if (file.version === 10) return 'Redis OSS 7.0 or later, or Valkey';
  if (file.version === 11) return 'Redis OSS 7.2, or Valkey 7.2 or later';
  return 'no ElastiCache engine (a format of non-open-source Redis)';
};

// Opcodes and types (src/rdb.h).
export const OPCODE = {
  FUNCTION2: 245,
  FUNCTION_PRE_GA: 246,
  MODULE_AUX: 247,
  IDLE: 248,
  FREQ: 249,
  AUX: 250,
  RESIZEDB: 251,
  EXPIRETIME_MS: 252,
  EXPIRETIME: 253,
  SELECTDB: 254,
  EOF: 255,
} as const;

export const TYPE = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  MODULE_PRE_GA: 6,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
  SET_LISTPACK: 20,
  STREAM_LISTPACKS_3: 21,
} as const;

/**
 * One key as a cache holds it. Strings are byte strings, one character per byte (latin1), so any key or value a file
 * holds survives a round trip through the saved JSON state; the demo data is ASCII.
 */
export type KeyValue =
  | { type: 'string'; value: string }
  | { type: 'list'; items: string[] }
  | { type: 'set'; members: string[] }
  | { type: 'zset'; members: Array<[string, number]> }
  | { type: 'hash'; fields: Array<[string, string]> };

export type KeyRecord = KeyValue & {
  key: string;
  /** The logical database; absent means 0 (cluster mode has only 0). */
  db?: number;
  /** Absolute expiry, epoch milliseconds (RDB_OPCODE_EXPIRETIME_MS). */
  expiresAt?: number;
};

export const bytesOf = (value: string): Buffer => Buffer.from(value, 'latin1');
export const textOf = (bytes: Buffer): string => bytes.toString('latin1');

/**
 * Redis's RDB checksum (`crc64("123456789") = 0xe9c6d914c4b8d9ca`): the product's own implementation
 * (handlers/lib/crc64.ts), so the files the emulator writes and the verification that reads them agree by
 * construction, and a bug in it shows in both directions against the real redis-check-rdb (test/integration).
 */
export const crc64Redis = (data: Buffer): bigint => crc64(data);
