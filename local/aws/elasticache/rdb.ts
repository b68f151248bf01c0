// RDB files as an ElastiCache export writes them: Redis's CRC-64/Jones checksum, a minimal valid RDB (version 11) of
// string keys, and the deterministic sample data one shard of an emulated snapshot holds. Pure functions, no state.
import { createHash } from 'node:crypto';

const CRC64_TABLE = (() => {
  // Redis's CRC-64/Jones: reflected polynomial 0x95ac9329ac4bc9b5, init 0, no final xor.
  const polynomial = 0x95ac9329ac4bc9b5n;
  const table: bigint[] = [];
  for (let byte = 0n; byte < 256n; byte += 1n) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1n ? (crc >> 1n) ^ polynomial : crc >> 1n;
    table.push(crc);
  }
  return table;
})();

/** Redis's RDB checksum (`crc64("123456789") = 0xe9c6d914c4b8d9ca`). */
export const crc64Redis = (data: Buffer): bigint => {
  let crc = 0n;
  for (const byte of data) crc = (CRC64_TABLE[Number((crc ^ BigInt(byte)) & 0xffn)] ?? 0n) ^ (crc >> 8n);
  return crc;
};

const rdbLength = (length: number): Buffer => {
  if (length < 64) return Buffer.from([length]);
  if (length < 16384) return Buffer.from([0x40 | (length >> 8), length & 0xff]);
  const buffer = Buffer.alloc(5);
  buffer[0] = 0x80;
  buffer.writeUInt32BE(length, 1);
  return buffer;
};

const rdbString = (value: string): Buffer => {
  const bytes = Buffer.from(value);
  return Buffer.concat([rdbLength(bytes.length), bytes]);
};

/**
 * A valid RDB (version 11) holding string keys: magic, aux fields, one database, EOF and the CRC64 checksum, so
 * `redis-check-rdb` and restores accept it.
 */
export const buildRdb = (input: {
  engineVersion: string;
  createdAt: Date;
  entries: Array<[string, string]>;
}): Buffer => {
  const aux = (key: string, value: string): Buffer =>
    Buffer.concat([Buffer.from([0xfa]), rdbString(key), rdbString(value)]);
  const parts: Buffer[] = [
    Buffer.from('REDIS0011'),
    aux('redis-ver', input.engineVersion.split('.').length >= 3 ? input.engineVersion : `${input.engineVersion}.0`),
    aux('redis-bits', '64'),
    aux('ctime', String(Math.floor(input.createdAt.getTime() / 1000))),
    aux('used-mem', String(1_048_576 + input.entries.length * 128)),
    aux('aof-base', '0'),
    Buffer.from([0xfe]),
    rdbLength(0),
    Buffer.from([0xfb]),
    rdbLength(input.entries.length),
    rdbLength(0),
    ...input.entries.map(([key, value]) => Buffer.concat([Buffer.from([0x00]), rdbString(key), rdbString(value)])),
    Buffer.from([0xff]),
  ];
  const body = Buffer.concat(parts);
  const checksum = Buffer.alloc(8);
  checksum.writeBigUInt64LE(crc64Redis(body));
  return Buffer.concat([body, checksum]);
};

/** Deterministic sample data for one shard of a snapshot. */
export const shardEntries = (snapshotName: string, shard: number): Array<[string, string]> =>
  Array.from({ length: 16 }, (_, index) => {
    const key = `${snapshotName}:shard-${shard}:key-${index}`;
    return [key, createHash('sha256').update(key).digest('hex')];
  });
