// Writing an RDB file as an engine version writes it (src/rdb.c rdbSaveRio): the magic and version of that engine
// version (rdb-format.ts), its aux fields, then per database SELECTDB, RESIZEDB and the keys, each with its expiry
// (EXPIRETIME_MS) and in the encoding that version saves a small value in, then EOF and the CRC64.
//
// Encodings by RDB version (rdbSaveObjectType; thresholds are the servers' defaults: 128 entries of at most 64
// bytes for hashes, sorted sets and listpack sets, 512 integers for an intset):
//   strings       STRING, integers of up to 11 characters in the INT8/16/32 encodings (rdbTryIntegerEncoding)
//   lists         QUICKLIST_2 of listpack nodes (10 and later), QUICKLIST of ziplist nodes (7-9), LIST before
//   hashes        HASH_LISTPACK (10+), HASH_ZIPLIST (before); HASH when larger
//   sorted sets   ZSET_LISTPACK (10+), ZSET_ZIPLIST (before); ZSET_2 (binary doubles) when larger
//   sets          SET_INTSET for integers; SET_LISTPACK (11+) for small sets; SET otherwise
// Strings are written uncompressed (as with `rdbcompression no`), which every reader accepts.
import { asInteger, encodeIntset, encodeListpack, encodeZiplist } from './rdb-encodings.js';
import { bytesOf, crc64Redis, type KeyRecord, OPCODE, type RdbFormat, rdbFormatFor, TYPE } from './rdb-format.js';

const length = (value: number): Buffer => {
  if (value < 64) return Buffer.from([value]);
  if (value < 16384) return Buffer.from([0x40 | (value >> 8), value & 0xff]);
  if (value <= 0xffffffff) {
    const buffer = Buffer.alloc(5);
    buffer[0] = 0x80;
    buffer.writeUInt32BE(value, 1);
    return buffer;
  }
  const buffer = Buffer.alloc(9);
  buffer[0] = 0x81;
  buffer.writeBigUInt64BE(BigInt(value), 1);
  return buffer;
};

/** rdbSaveRawString: an integer of at most 11 characters in an INT encoding, otherwise length and bytes. */
const rawString = (bytes: Buffer): Buffer => {
  if (bytes.length <= 11) {
    const integer = asInteger(bytes.toString('latin1'));
    if (integer !== undefined) {
      if (integer >= -128n && integer <= 127n) return Buffer.from([0xc0, Number(integer) & 0xff]);
      if (integer >= -32768n && integer <= 32767n) {
        const buffer = Buffer.alloc(3);
        buffer[0] = 0xc1;
        buffer.writeInt16LE(Number(integer), 1);
        return buffer;
      }
      if (integer >= -2147483648n && integer <= 2147483647n) {
        const buffer = Buffer.alloc(5);
        buffer[0] = 0xc2;
        buffer.writeInt32LE(Number(integer), 1);
        return buffer;
      }
    }
  }
  return Buffer.concat([length(bytes.length), bytes]);
};

const text = (value: string): Buffer => rawString(bytesOf(value));

/** d2string as a sorted set listpack stores a score: integral values as integers, others shortest round-trip. */
export const scoreText = (score: number): string => {
  if (score === Number.POSITIVE_INFINITY) return 'inf';
  if (score === Number.NEGATIVE_INFINITY) return '-inf';
  // Integral or not, JavaScript's shortest round-trip form is what fpconv_dtoa (Redis 7) prints, strtod reads it back.
  return String(score);
};

/** Every value within the 64 bytes of *-max-listpack-value. */
const small = (values: string[]): boolean => values.every((item) => bytesOf(item).length <= 64);

const LISTPACK_NODE_BYTES = 8192;

/** Splits list items into nodes of at most 8 KiB (list-max-listpack-size -2). */
const listNodes = (items: Buffer[]): Buffer[][] => {
  const nodes: Buffer[][] = [];
  let current: Buffer[] = [];
  let size = 0;
  for (const item of items) {
    if (current.length > 0 && size + item.length + 11 > LISTPACK_NODE_BYTES) {
      nodes.push(current);
      current = [];
      size = 0;
    }
    current.push(item);
    size += item.length + 11;
  }
  if (current.length > 0) nodes.push(current);
  return nodes;
};

const sortedMembers = (members: Array<[string, number]>): Array<[string, number]> =>
  [...members].sort(([a, sa], [b, sb]) => (sa === sb ? Buffer.compare(bytesOf(a), bytesOf(b)) : sa - sb));

const value = (record: KeyRecord, rdb: RdbFormat): { type: number; body: Buffer } => {
  const v = rdb.version;
  switch (record.type) {
    case 'string':
      return { type: TYPE.STRING, body: text(record.value) };
    case 'list': {
      const items = record.items.map(bytesOf);
      if (v >= 10) {
        const nodes = listNodes(items);
        // Each node: its container (2 = PACKED, a listpack) then the listpack as a string.
        const parts = nodes.flatMap((node) => [length(2), rawString(encodeListpack(node))]);
        return { type: TYPE.LIST_QUICKLIST_2, body: Buffer.concat([length(nodes.length), ...parts]) };
      }
      if (v >= 7) {
        const nodes = listNodes(items);
        const parts = nodes.map((node) => rawString(encodeZiplist(node)));
        return { type: TYPE.LIST_QUICKLIST, body: Buffer.concat([length(nodes.length), ...parts]) };
      }
      return { type: TYPE.LIST, body: Buffer.concat([length(items.length), ...items.map(rawString)]) };
    }
    case 'hash': {
      const flat = record.fields.flat();
      if (record.fields.length <= 128 && small(flat)) {
        const blob = v >= 10 ? encodeListpack(flat.map(bytesOf)) : encodeZiplist(flat.map(bytesOf));
        return { type: v >= 10 ? TYPE.HASH_LISTPACK : TYPE.HASH_ZIPLIST, body: rawString(blob) };
      }
      return { type: TYPE.HASH, body: Buffer.concat([length(record.fields.length), ...flat.map(text)]) };
    }
    case 'zset': {
      const members = sortedMembers(record.members);
      if (members.length <= 128 && small(members.map(([member]) => member))) {
        const flat = members.flatMap(([member, score]) => [bytesOf(member), bytesOf(scoreText(score))]);
        const blob = v >= 10 ? encodeListpack(flat) : encodeZiplist(flat);
        return { type: v >= 10 ? TYPE.ZSET_LISTPACK : TYPE.ZSET_ZIPLIST, body: rawString(blob) };
      }
      const parts = members.flatMap(([member, score]) => {
        const double = Buffer.alloc(8);
        double.writeDoubleLE(score);
        return [text(member), double];
      });
      return { type: TYPE.ZSET_2, body: Buffer.concat([length(members.length), ...parts]) };
    }
    case 'set': {
      const integers = record.members.map(asInteger);
      if (record.members.length <= 512 && integers.every((integer) => integer !== undefined)) {
        return { type: TYPE.SET_INTSET, body: rawString(encodeIntset(integers as bigint[])) };
      }
      if (v >= 11 && record.members.length <= 128 && small(record.members)) {
        return { type: TYPE.SET_LISTPACK, body: rawString(encodeListpack(record.members.map(bytesOf))) };
      }
      return { type: TYPE.SET, body: Buffer.concat([length(record.members.length), ...record.members.map(text)]) };
    }
  }
};

export interface WriteRdbInput {
  engine: string;
  engineVersion: string;
  createdAt: Date;
  keys: readonly KeyRecord[];
}

/** The engine version as its version aux field gives it (major.minor.patch). */
const fullVersion = (engineVersion: string): string =>
  engineVersion.split('.').length >= 3
    ? engineVersion
    : `${engineVersion}${'.0'.repeat(3 - engineVersion.split('.').length)}`;

/** An RDB file holding `keys`, as `engine` `engineVersion` saves it. */
export const writeRdb = (input: WriteRdbInput): Buffer => {
  const rdb = rdbFormatFor(input.engine, input.engineVersion);
  const aux = (key: string, auxValue: string): Buffer =>
    Buffer.concat([Buffer.from([OPCODE.AUX]), text(key), text(auxValue)]);
  const magic =
    rdb.magic === 'VALKEY'
      ? `VALKEY${String(rdb.version).padStart(3, '0')}`
      : `REDIS${String(rdb.version).padStart(4, '0')}`;
  const usedMemory = 1_048_576 + input.keys.reduce((sum, record) => sum + record.key.length + 64, 0);
  const parts: Buffer[] = [
    Buffer.from(magic, 'latin1'),
    aux(rdb.versionAux, fullVersion(input.engineVersion)),
    aux('redis-bits', '64'),
    aux('ctime', String(Math.floor(input.createdAt.getTime() / 1000))),
    aux('used-mem', String(usedMemory)),
    aux(rdb.aofAux, '0'),
  ];
  const databases = [...new Set(input.keys.map((record) => record.db ?? 0))].sort((a, b) => a - b);
  for (const db of databases) {
    const keys = input.keys.filter((record) => (record.db ?? 0) === db);
    parts.push(Buffer.from([OPCODE.SELECTDB]), length(db));
    parts.push(
      Buffer.from([OPCODE.RESIZEDB]),
      length(keys.length),
      length(keys.filter((record) => record.expiresAt !== undefined).length),
    );
    for (const record of keys) {
      if (record.expiresAt !== undefined) {
        const expiry = Buffer.alloc(9);
        expiry[0] = OPCODE.EXPIRETIME_MS;
        expiry.writeBigInt64LE(BigInt(record.expiresAt), 1);
        parts.push(expiry);
      }
      const encoded = value(record, rdb);
      parts.push(Buffer.from([encoded.type]), text(record.key), encoded.body);
    }
  }
  parts.push(Buffer.from([OPCODE.EOF]));
  const body = Buffer.concat(parts);
  const checksum = Buffer.alloc(8);
  checksum.writeBigUInt64LE(crc64Redis(body));
  return Buffer.concat([body, checksum]);
};
