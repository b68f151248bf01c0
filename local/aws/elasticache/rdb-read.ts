// Reading an RDB file as ElastiCache loads one to seed a new cache (src/rdb.c rdbLoadRio): the magic and version, the
// aux fields, the databases with their keys and expiries in every encoding the types below have had (plain, ziplist,
// intset, listpack, quicklist; LZF-compressed and integer-encoded strings), EOF, and the CRC64 (zero means the writer
// disabled it). Anything else is refused with an RdbError saying what and where; so are streams, modules and
// functions, which the emulator does not model (a real server would load them).
import { decodeIntset, decodeListpack, decodeZiplist, lzfDecompress, RdbError } from './rdb-encodings.js';
import { crc64Redis, type KeyRecord, type KeyValue, OPCODE, TYPE, textOf } from './rdb-format.js';

export { RdbError } from './rdb-encodings.js';

export interface ParsedRdb {
  format: 'redis' | 'valkey';
  magic: 'REDIS' | 'VALKEY';
  version: number;
  aux: Record<string, string>;
  keys: KeyRecord[];
  /** The RDB type code each key was stored with, in the order of `keys` (RDB_TYPE_*, rdb-format.ts TYPE). */
  typeCodes: number[];
  /** The stored CRC64 as 16 hex digits (`0000000000000000`: checksum disabled by the writer). */
  checksum: string;
}

const TYPE_NAMES: Record<number, string> = {
  [TYPE.MODULE_PRE_GA]: 'a module value',
  [TYPE.MODULE_2]: 'a module value',
  [TYPE.STREAM_LISTPACKS]: 'a stream',
  [TYPE.STREAM_LISTPACKS_2]: 'a stream',
  [TYPE.STREAM_LISTPACKS_3]: 'a stream',
};

class Cursor {
  public at: number;

  public constructor(
    private readonly file: Buffer,
    start: number,
  ) {
    this.at = start;
  }

  public take(count: number, what: string): Buffer {
    if (this.at + count > this.file.length) {
      throw new RdbError(`the file is truncated: it ends at byte ${this.file.length} inside ${what}`);
    }
    const bytes = this.file.subarray(this.at, this.at + count);
    this.at += count;
    return bytes;
  }

  public byte(what: string): number {
    return this.take(1, what)[0] ?? 0;
  }

  /** rdbLoadLen: the length, or the special string encoding it announces. */
  public length(what: string): { value: number; encoded: boolean } {
    const first = this.byte(what);
    const kind = first >> 6;
    if (kind === 0) return { value: first & 0x3f, encoded: false };
    if (kind === 1) return { value: ((first & 0x3f) << 8) | this.byte(what), encoded: false };
    if (kind === 3) return { value: first & 0x3f, encoded: true };
    if (first === 0x80) return { value: this.take(4, what).readUInt32BE(0), encoded: false };
    if (first === 0x81) {
      const big = this.take(8, what).readBigUInt64BE(0);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new RdbError(`${what} has an impossible length ${big}`);
      return { value: Number(big), encoded: false };
    }
    throw new RdbError(`${what} has an unknown length encoding 0x${first.toString(16)}`);
  }

  public count(what: string): number {
    const { value, encoded } = this.length(what);
    if (encoded) throw new RdbError(`${what} has a string encoding where a length belongs`);
    return value;
  }

  /** rdbGenericLoadStringObject. */
  public string(what: string): Buffer {
    const { value, encoded } = this.length(what);
    if (!encoded) return this.take(value, what);
    if (value === 0) return Buffer.from(String(this.take(1, what).readInt8(0)));
    if (value === 1) return Buffer.from(String(this.take(2, what).readInt16LE(0)));
    if (value === 2) return Buffer.from(String(this.take(4, what).readInt32LE(0)));
    if (value === 3) {
      const compressed = this.count(what);
      const length = this.count(what);
      return lzfDecompress(this.take(compressed, what), length);
    }
    throw new RdbError(`${what} has an unknown string encoding ${value}`);
  }
}

const pairs = (elements: Buffer[], what: string): Array<[string, string]> => {
  if (elements.length % 2 !== 0) throw new RdbError(`${what} has an odd number of elements`);
  const result: Array<[string, string]> = [];
  for (let index = 0; index < elements.length; index += 2) {
    result.push([textOf(elements[index] ?? Buffer.alloc(0)), textOf(elements[index + 1] ?? Buffer.alloc(0))]);
  }
  return result;
};

const score = (text: string, what: string): number => {
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === '+inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  const number = Number(text);
  if (text.trim() === '' || Number.isNaN(number)) throw new RdbError(`${what} has the score "${text}", not a number`);
  return number;
};

const zsetOf = (elements: Buffer[], what: string): KeyValue => ({
  type: 'zset',
  members: pairs(elements, what).map(([member, text]) => [member, score(text, what)]),
});

/** rdbLoadObject for the types the emulator models. */
const readValue = (cursor: Cursor, type: number, what: string): KeyValue => {
  const strings = (count: number): Buffer[] => Array.from({ length: count }, () => cursor.string(what));
  switch (type) {
    case TYPE.STRING:
      return { type: 'string', value: textOf(cursor.string(what)) };
    case TYPE.LIST:
      return { type: 'list', items: strings(cursor.count(what)).map(textOf) };
    case TYPE.SET:
      return { type: 'set', members: strings(cursor.count(what)).map(textOf) };
    case TYPE.ZSET: {
      const count = cursor.count(what);
      const members: Array<[string, number]> = [];
      for (let index = 0; index < count; index += 1) {
        const member = textOf(cursor.string(what));
        const length = cursor.byte(what);
        // rdbLoadDoubleValue: 253 NaN, 254 +inf, 255 -inf, else that many ASCII bytes.
        const value =
          length === 253
            ? Number.NaN
            : length === 254
              ? Number.POSITIVE_INFINITY
              : length === 255
                ? Number.NEGATIVE_INFINITY
                : score(cursor.take(length, what).toString('latin1'), what);
        members.push([member, value]);
      }
      return { type: 'zset', members };
    }
    case TYPE.ZSET_2: {
      const count = cursor.count(what);
      const members: Array<[string, number]> = [];
      for (let index = 0; index < count; index += 1) {
        members.push([textOf(cursor.string(what)), cursor.take(8, what).readDoubleLE(0)]);
      }
      return { type: 'zset', members };
    }
    case TYPE.HASH: {
      const count = cursor.count(what);
      return { type: 'hash', fields: pairs(strings(count * 2), what) };
    }
    case TYPE.LIST_ZIPLIST:
      return { type: 'list', items: decodeZiplist(cursor.string(what)).map(textOf) };
    case TYPE.SET_INTSET:
      return { type: 'set', members: decodeIntset(cursor.string(what)).map(textOf) };
    case TYPE.SET_LISTPACK:
      return { type: 'set', members: decodeListpack(cursor.string(what)).map(textOf) };
    case TYPE.ZSET_ZIPLIST:
      return zsetOf(decodeZiplist(cursor.string(what)), what);
    case TYPE.ZSET_LISTPACK:
      return zsetOf(decodeListpack(cursor.string(what)), what);
    case TYPE.HASH_ZIPLIST:
      return { type: 'hash', fields: pairs(decodeZiplist(cursor.string(what)), what) };
    case TYPE.HASH_LISTPACK:
      return { type: 'hash', fields: pairs(decodeListpack(cursor.string(what)), what) };
    case TYPE.LIST_QUICKLIST: {
      const nodes = cursor.count(what);
      const items = Array.from({ length: nodes }, () => decodeZiplist(cursor.string(what))).flat();
      return { type: 'list', items: items.map(textOf) };
    }
    case TYPE.LIST_QUICKLIST_2: {
      const nodes = cursor.count(what);
      const items: Buffer[] = [];
      for (let node = 0; node < nodes; node += 1) {
        const container = cursor.count(what);
        const blob = cursor.string(what);
        // 1 = PLAIN (one large element as is), 2 = PACKED (a listpack).
        if (container === 1) items.push(blob);
        else if (container === 2) items.push(...decodeListpack(blob));
        else throw new RdbError(`${what} has a quicklist node of unknown container ${container}`);
      }
      return { type: 'list', items: items.map(textOf) };
    }
    default: {
      const name = TYPE_NAMES[type];
      if (name) throw new RdbError(`${what} is ${name}, which the emulator does not load`);
      throw new RdbError(`${what} has the unknown type ${type}`);
    }
  }
};

const MAGIC = /^(?:REDIS(\d{4})|VALKEY(\d{3}))$/;

/** Parses a whole RDB file; throws RdbError with the reason it cannot be loaded. */
export const readRdb = (file: Buffer): ParsedRdb => {
  if (file.length < 9) throw new RdbError(`the file has ${file.length} bytes, fewer than an RDB header`);
  const header = file.subarray(0, 9).toString('latin1');
  const match = MAGIC.exec(header);
  if (!match) {
    throw new RdbError(
      `the file does not start with an RDB header (REDIS and 4 digits, or VALKEY and 3), it starts with ${JSON.stringify(
        file
          .subarray(0, 9)
          .toString('latin1')
          .replace(/[^\x20-\x7e]/g, '.'),
      )}`,
    );
  }
  const magic = match[1] !== undefined ? 'REDIS' : 'VALKEY';
  const version = Number(match[1] ?? match[2]);
  if (version < 1) throw new RdbError(`RDB format version ${version} does not exist`);
  const cursor = new Cursor(file, 9);
  const aux: Record<string, string> = {};
  const keys: KeyRecord[] = [];
  const typeCodes: number[] = [];
  const seen = new Set<string>();
  let db = 0;
  let expiresAt: number | undefined;
  for (;;) {
    const offset = cursor.at;
    const opcode = cursor.byte('the next opcode (no EOF marker)');
    if (opcode === OPCODE.EOF) break;
    switch (opcode) {
      case OPCODE.AUX: {
        const key = textOf(cursor.string('an aux field'));
        aux[key] = textOf(cursor.string(`the aux field ${key}`));
        continue;
      }
      case OPCODE.SELECTDB:
        db = cursor.count('SELECTDB');
        continue;
      case OPCODE.RESIZEDB:
        cursor.count('RESIZEDB');
        cursor.count('RESIZEDB');
        continue;
      case OPCODE.EXPIRETIME_MS:
        expiresAt = Number(cursor.take(8, 'an expiry').readBigInt64LE(0));
        continue;
      case OPCODE.EXPIRETIME:
        expiresAt = cursor.take(4, 'an expiry').readInt32LE(0) * 1000;
        continue;
      case OPCODE.IDLE:
        cursor.count('an LRU idle time');
        continue;
      case OPCODE.FREQ:
        cursor.byte('an LFU frequency');
        continue;
      case OPCODE.MODULE_AUX:
        throw new RdbError(`byte ${offset} holds module data, which the emulator does not load`);
      case OPCODE.FUNCTION2:
      case OPCODE.FUNCTION_PRE_GA:
        throw new RdbError(`byte ${offset} holds a function library, which the emulator does not load`);
      default:
        break;
    }
    const key = textOf(cursor.string(`the key at byte ${offset}`));
    const what = `the key ${JSON.stringify(key)} (byte ${offset})`;
    const value = readValue(cursor, opcode, what);
    const id = `${db}\u0000${key}`;
    if (seen.has(id)) throw new RdbError(`${what} appears twice in database ${db}`);
    seen.add(id);
    keys.push({ key, ...value, ...(db !== 0 && { db }), ...(expiresAt !== undefined && { expiresAt }) });
    typeCodes.push(opcode);
    expiresAt = undefined;
  }
  const end = cursor.at;
  let checksum = '0000000000000000';
  if (version >= 5) {
    const stored = cursor.take(8, 'the CRC64 checksum after EOF');
    checksum = stored.readBigUInt64LE(0).toString(16).padStart(16, '0');
    const expected = stored.readBigUInt64LE(0);
    if (expected !== 0n) {
      const actual = crc64Redis(file.subarray(0, end));
      if (actual !== expected) {
        throw new RdbError(
          `the CRC64 checksum does not match: the file says ${checksum}, its content gives ${actual.toString(16).padStart(16, '0')}`,
        );
      }
    }
  }
  if (cursor.at !== file.length) {
    throw new RdbError(`${file.length - cursor.at} bytes follow the end of the RDB data (byte ${cursor.at})`);
  }
  return {
    format: magic === 'VALKEY' || aux['valkey-ver'] ? 'valkey' : 'redis',
    magic,
    version,
    aux,
    keys,
    typeCodes,
    checksum,
  };
};
