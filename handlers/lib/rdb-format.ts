// What an RDB file's first and last bytes say, and which engines read which RDB version. Pure: no I/O.
//
// Sources (checked with the search tool):
// - Header: Redis writes `REDIS%04d` (9 bytes: magic and RDB_VERSION; redis src/rdb.c rdbSaveRio); Valkey 9 writes
//   `VALKEY%03d` (valkey src/rdb.c, RDB_VERSION 80). Valkey 9.1's loader (rdbLoadRioWithLoadingCtx) accepts
//   `REDIS0` or `VALKEY` and reads the version as the digits from byte 6 (atoi(buf + 6)).
// - Trailer: the EOF opcode 0xFF, then from RDB version 5 the 8-byte little-endian CRC-64 of every byte before it;
//   0 when the checksum was disabled (`rdbchecksum no`: "the loading code skips the check in this case", rdb.c).
// - Versions: RDB_VERSION is 8 in Redis 4.0, 9 in 5.0 to 6.2, 10 in 7.0, 11 in 7.2 (and Valkey 7.2 to 8.1), 12 in
//   Redis 7.4; Valkey 9.0 writes 80 (9.2: 81) under its own magic and refuses 12 to 79 (RDB_FOREIGN_VERSION_MIN/MAX, "foreign"
//   versions) under its default rdb-version-check strict. Redis refuses any version above its own RDB_VERSION
//   ("Can't handle RDB format version %d"). ElastiCache 7.1 "is compatible with Redis OSS 7.0" (ElastiCache User
//   Guide, "Supported engine versions").

export type RdbFormat = 'redis' | 'valkey';

/** Magic (9 bytes) + EOF opcode + 8-byte checksum: no RDB with a checksum is shorter. */
export const RDB_MIN_SIZE = 18;
export const RDB_HEADER_SIZE = 9;
export const RDB_TRAILER_SIZE = 9;
const RDB_OPCODE_EOF = 0xff;
/** From this version the file ends with a CRC64 (rdb.c: `if (rdbver >= 5)` on load). */
const FIRST_CHECKSUM_VERSION = 5;

export interface RdbHeader {
  format: RdbFormat;
  version: number;
}

/** The header, or what is wrong with it in words. */
export const parseRdbHeader = (bytes: Uint8Array): RdbHeader | { problem: string } => {
  const head = Buffer.from(bytes.subarray(0, RDB_HEADER_SIZE));
  const text = head.toString('latin1');
  const shown = JSON.stringify(text.replace(/[^\x20-\x7e]/g, '?'));
  if (head.length < RDB_HEADER_SIZE) return { problem: `it is ${head.length} bytes long, shorter than an RDB header` };
  const redis = /^REDIS(\d{4})$/.exec(text);
  if (redis) return { format: 'redis', version: Number(redis[1]) };
  const valkey = /^VALKEY(\d{3})$/.exec(text);
  if (valkey) return { format: 'valkey', version: Number(valkey[1]) };
  return { problem: `it starts with ${shown}, not an RDB magic (REDIS and four digits, or VALKEY and three)` };
};

export interface RdbTrailer {
  /** The stored CRC64; 0n when the writer had checksums disabled. */
  checksum: bigint;
}

/** The last nine bytes: EOF opcode and the little-endian CRC64; or what is wrong with them. */
export const parseRdbTrailer = (bytes: Uint8Array): RdbTrailer | { problem: string } => {
  if (bytes.length !== RDB_TRAILER_SIZE) return { problem: `its last ${bytes.length} bytes could not be read` };
  if (bytes[0] !== RDB_OPCODE_EOF) {
    return {
      problem: `it does not end with the EOF opcode 0xFF and a checksum (byte ${bytes.length} from the end is 0x${(bytes[0] ?? 0).toString(16).padStart(2, '0')}): the file is cut short or was not completely written`,
    };
  }
  return { checksum: Buffer.from(bytes).readBigUInt64LE(1) };
};

/** Problems of a header ElastiCache could not have written (no checksum, a Valkey magic on a Redis version). */
export const headerProblem = (header: RdbHeader): string | undefined => {
  if (header.version < FIRST_CHECKSUM_VERSION)
    return `its RDB version ${header.version} has no checksum; no ElastiCache engine writes it`;
  if (header.format === 'valkey' && header.version < 80)
    return `it has the VALKEY magic with version ${header.version}; Valkey writes that magic only from version 80`;
  return undefined;
};

// ---- Who reads which version ----------------------------------------------------------------------------------

interface Reader {
  /** How ElastiCache names the engine versions. */
  engines: string;
  /** Highest RDB version it reads under the REDIS magic. */
  redisMax: number;
  /** Highest RDB version it reads under the VALKEY magic (none: 0). */
  valkeyMax: number;
}

/** ElastiCache engine versions and the RDB versions they load (sources in the header comment). */
const READERS: readonly Reader[] = [
  { engines: 'Redis OSS 4.0', redisMax: 8, valkeyMax: 0 },
  { engines: 'Redis OSS 5.0, 6.0, 6.2', redisMax: 9, valkeyMax: 0 },
  { engines: 'Redis OSS 7.0, 7.1', redisMax: 10, valkeyMax: 0 },
  // Valkey refuses 12..79 (foreign) under its default strict check, so it reads REDIS up to 11.
  { engines: 'Valkey 7.2, 8.0, 8.1', redisMax: 11, valkeyMax: 0 },
  { engines: 'Valkey 9.0, 9.1', redisMax: 11, valkeyMax: 80 },
  // valkey src/rdb.h RDB_VERSION_MAP {81, 0x090200} (as the emulator's local/aws/elasticache/rdb-format.ts has it).
  { engines: 'Valkey 9.2 and later', redisMax: 11, valkeyMax: 81 },
];

/** The ElastiCache engine versions that can load this RDB, in words (empty: none known). */
export const enginesReading = (header: RdbHeader): string[] =>
  READERS.filter((reader) =>
    header.format === 'redis' ? header.version <= reader.redisMax : header.version <= reader.valkeyMax,
  ).map((reader) => reader.engines);
