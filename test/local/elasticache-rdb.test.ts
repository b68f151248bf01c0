// The emulator's RDB files: the magic and version each engine version writes, the encodings each RDB version saves
// small and large values in, a write-then-read round trip of every type with expiries and databases, a file written
// by a real Redis 7.0.15 (fixtures/redis-7.0.15-dump.rdb: strings, an LZF-compressed one, an expiring key, a
// 2,000-item list, small and large hashes and sorted sets, an intset and a string set, saved by `redis-server` 7.0.15
// with its defaults), and the files a restore refuses, each with its reason.
import fs from 'node:fs';
import path from 'node:path';
import { demoKeys, keySlot, keysByShard } from '../../local/aws/elasticache/demo-data';
import {
  crc64Redis,
  engineReads,
  type KeyRecord,
  RdbError,
  rdbFormatFor,
  readRdb,
  writeRdb,
} from '../../local/aws/elasticache/rdb';
import { TYPE } from '../../local/aws/elasticache/rdb-format';

const CREATED = new Date('2026-11-25T02:30:00Z');

/** Every type, small (compact encodings) and large (plain ones), with expiries and a second database. */
const sampleKeys = (): KeyRecord[] => [
  ...demoKeys(CREATED),
  {
    key: 'big:hash',
    type: 'hash',
    fields: Array.from({ length: 200 }, (_, i): [string, string] => [`f${i}`, `v${i}`]),
  },
  { key: 'wide:hash', type: 'hash', fields: [['long', 'x'.repeat(100)]] },
  { key: 'big:zset', type: 'zset', members: Array.from({ length: 150 }, (_, i): [string, number] => [`m${i}`, i / 3]) },
  {
    key: 'odd:zset',
    type: 'zset',
    members: [
      ['low', Number.NEGATIVE_INFINITY],
      ['neg', -2.5],
      ['high', 1e21],
    ],
  },
  { key: 'big:list', type: 'list', items: Array.from({ length: 3000 }, (_, i) => `item-${i}-${'x'.repeat(i % 40)}`) },
  { key: 'big:set', type: 'set', members: Array.from({ length: 300 }, (_, i) => `s${i}`) },
  { key: 'wide:ints', type: 'set', members: ['1', '-70000', '5000000000'] },
  { key: 'long:string', type: 'string', value: 'y'.repeat(20_000) },
  { key: 'negative', type: 'string', value: '-12345678' },
  { key: 'not-canonical', type: 'string', value: '007' },
  { key: 'binary', type: 'string', value: '\u0000\u00ff\u0080bytes' },
  { key: 'in-db-3', type: 'string', value: 'elsewhere', db: 3, expiresAt: CREATED.getTime() + 60_000 },
];

/** A record as the reader gives it back: sets, hashes and sorted sets compared as unordered. */
const normal = (record: KeyRecord): unknown => {
  switch (record.type) {
    case 'set':
      return { ...record, members: [...record.members].sort() };
    case 'hash':
      return { ...record, fields: [...record.fields].sort(([a], [b]) => (a < b ? -1 : 1)) };
    case 'zset':
      return { ...record, members: [...record.members].sort(([a], [b]) => (a < b ? -1 : 1)) };
    default:
      return record;
  }
};

const byKey = (records: KeyRecord[]): Map<string, unknown> =>
  new Map(records.map((record) => [`${record.db ?? 0}/${record.key}`, normal(record)]));

const typeOf = (file: Buffer, key: string): number | undefined => {
  const parsed = readRdb(file);
  return parsed.typeCodes[parsed.keys.findIndex((record) => record.key === key)];
};

describe('the RDB version each engine version writes', () => {
  it.each([
    ['redis', '5.0.6', 'REDIS0009'],
    ['redis', '6.0', 'REDIS0009'],
    ['redis', '6.2', 'REDIS0009'],
    ['redis', '7.0', 'REDIS0010'],
    ['redis', '7.1', 'REDIS0010'],
    ['redis', '7.2', 'REDIS0011'],
    ['valkey', '7.2', 'REDIS0011'],
    ['valkey', '8.0', 'REDIS0011'],
    ['valkey', '8.1', 'REDIS0011'],
    ['valkey', '8.2', 'REDIS0011'],
    ['valkey', '9.0', 'VALKEY080'],
  ])('%s %s writes %s and its keys read back the same', (engine, engineVersion, magic) => {
    // Arrange
    const keys = sampleKeys();

    // Act
    const file = writeRdb({ engine, engineVersion, createdAt: CREATED, keys });
    const parsed = readRdb(file);

    // Assert
    expect(file.subarray(0, 9).toString('latin1')).toBe(magic);
    expect(parsed.version).toBe(rdbFormatFor(engine, engineVersion).version);
    expect(byKey(parsed.keys)).toEqual(byKey(keys));
    expect(parsed.aux[engine === 'valkey' ? 'valkey-ver' : 'redis-ver']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(parsed.aux.ctime).toBe(String(CREATED.getTime() / 1000));
    expect(file[file.length - 9]).toBe(0xff);
    expect(file.readBigUInt64LE(file.length - 8)).toBe(crc64Redis(file.subarray(0, file.length - 8)));
    expect(parsed.checksum).toBe(
      file
        .readBigUInt64LE(file.length - 8)
        .toString(16)
        .padStart(16, '0'),
    );
  });

  it('saves each type in the encoding of its RDB version', () => {
    // Arrange
    const keys = sampleKeys();
    const [v9, v10, v11] = ['6.2', '7.0', '7.2'].map((engineVersion) =>
      writeRdb({ engine: 'redis', engineVersion, createdAt: CREATED, keys }),
    ) as [Buffer, Buffer, Buffer];

    // Act
    const types = (file: Buffer) =>
      [
        'cart:u1001',
        'big:hash',
        'wide:hash',
        'queue:orders',
        'leaderboard:ratings',
        'big:zset',
        'tags:mug-blue',
        'orders:shipped',
        'big:set',
      ].map((key) => typeOf(file, key));

    // Assert
    expect(types(v9)).toEqual([
      TYPE.HASH_ZIPLIST,
      TYPE.HASH,
      TYPE.HASH,
      TYPE.LIST_QUICKLIST,
      TYPE.ZSET_ZIPLIST,
      TYPE.ZSET_2,
      TYPE.SET,
      TYPE.SET_INTSET,
      TYPE.SET,
    ]);
    expect(types(v10)).toEqual([
      TYPE.HASH_LISTPACK,
      TYPE.HASH,
      TYPE.HASH,
      TYPE.LIST_QUICKLIST_2,
      TYPE.ZSET_LISTPACK,
      TYPE.ZSET_2,
      TYPE.SET,
      TYPE.SET_INTSET,
      TYPE.SET,
    ]);
    expect(types(v11)[6]).toBe(TYPE.SET_LISTPACK);
  });
});

describe('which engine versions load which files', () => {
  it.each([
    ['redis', '7.0', 'REDIS', 10, true],
    ['redis', '7.0', 'REDIS', 11, false],
    ['redis', '6.2', 'REDIS', 10, false],
    ['redis', '7.1', 'REDIS', 9, true],
    ['valkey', '8.0', 'REDIS', 11, true],
    ['valkey', '8.0', 'VALKEY', 80, false],
    ['valkey', '9.0', 'REDIS', 11, true],
    ['valkey', '9.0', 'REDIS', 12, false],
    ['valkey', '9.0', 'VALKEY', 80, true],
  ] as const)('%s %s loading %s %i: %s', (engine, engineVersion, magic, version, loads) => {
    expect(engineReads(rdbFormatFor(engine, engineVersion), { magic, version })).toBe(loads);
  });
});

describe('reading', () => {
  it('reads a file a real Redis 7.0.15 saved, LZF-compressed strings and all', () => {
    // Arrange
    const file = fs.readFileSync(path.join(__dirname, 'fixtures', 'redis-7.0.15-dump.rdb'));

    // Act
    const parsed = readRdb(file);
    const keys = new Map(parsed.keys.map((record) => [record.key, record]));

    // Assert
    expect([parsed.magic, parsed.version, parsed.aux['redis-ver']]).toEqual(['REDIS', 10, '7.0.15']);
    expect(keys.get('lz')).toEqual({ key: 'lz', type: 'string', value: 'abc'.repeat(500) });
    expect(keys.get('n')).toEqual({ key: 'n', type: 'string', value: '123' });
    expect(keys.get('e')?.expiresAt).toBeGreaterThan(0);
    const list = keys.get('biglist');
    expect(list?.type === 'list' && list.items.slice(0, 3)).toEqual(['1', '2', '3']);
    expect(list?.type === 'list' && list.items.length).toBe(2000);
    expect(keys.get('z')).toEqual({
      key: 'z',
      type: 'zset',
      members: [
        ['a', 1.5],
        ['b', 2],
      ],
    });
    const bigHash = keys.get('bh');
    expect(bigHash?.type === 'hash' && bigHash.fields.length).toBe(200);
    const bigZset = keys.get('bz');
    expect(bigZset?.type === 'zset' && bigZset.members.length).toBe(200);
    expect(normal(keys.get('si') as KeyRecord)).toEqual({ key: 'si', type: 'set', members: ['1', '2', '3'] });
    expect(normal(keys.get('s') as KeyRecord)).toEqual({ key: 's', type: 'set', members: ['a', 'b', 'c'] });
  });

  it('accepts a file whose checksum was disabled (zero)', () => {
    // Arrange
    const file = Buffer.from(
      writeRdb({ engine: 'redis', engineVersion: '7.0', createdAt: CREATED, keys: demoKeys(CREATED) }),
    );
    file.fill(0, file.length - 8);

    // Act
    const parsed = readRdb(file);

    // Assert
    expect([parsed.checksum, parsed.keys.length]).toEqual(['0000000000000000', demoKeys(CREATED).length]);
  });

  const valid = (): Buffer =>
    writeRdb({ engine: 'redis', engineVersion: '7.0', createdAt: CREATED, keys: sampleKeys() });
  const reasonFor = (file: Buffer): string => {
    try {
      readRdb(file);
    } catch (error) {
      if (error instanceof RdbError) return error.message;
      throw error;
    }
    throw new Error('the file was accepted');
  };

  it.each([
    [
      'a truncated file',
      (file: Buffer) => file.subarray(0, Math.floor(file.length / 2)),
      /^the file is truncated: it ends at byte \d+ inside/,
    ],
    [
      'a file cut before its checksum',
      (file: Buffer) => file.subarray(0, file.length - 3),
      /inside the CRC64 checksum after EOF/,
    ],
    [
      'a flipped byte',
      (file: Buffer) => {
        const copy = Buffer.from(file);
        const at = copy.indexOf('Cast iron teapot');
        copy[at] = 0x63;
        return copy;
      },
      /^the CRC64 checksum does not match: the file says [0-9a-f]{16}, its content gives [0-9a-f]{16}$/,
    ],
    ['not an RDB file', () => Buffer.from('{"not":"an rdb file"}'), /does not start with an RDB header/],
    ['an empty file', () => Buffer.alloc(0), /has 0 bytes, fewer than an RDB header/],
    [
      'bytes after the checksum',
      (file: Buffer) => Buffer.concat([file, Buffer.from('junk')]),
      /^4 bytes follow the end of the RDB data/,
    ],
    [
      'a stream',
      () => Buffer.concat([Buffer.from('REDIS0010'), Buffer.from([TYPE.STREAM_LISTPACKS_2, 1, 0x73])]),
      /the key "s" \(byte 9\) is a stream, which the emulator does not load/,
    ],
    [
      'an unknown type',
      () => Buffer.concat([Buffer.from('REDIS0010'), Buffer.from([99, 1, 0x73])]),
      /the key "s" \(byte 9\) has the unknown type 99/,
    ],
  ])('refuses %s with its reason', (_label, spoil, reason) => {
    expect(reasonFor(spoil(valid()))).toMatch(reason);
  });
});

describe('the demo data', () => {
  it('spreads its keys over the shards by hash slot, as Redis Cluster does', () => {
    // Arrange
    const keys = demoKeys(CREATED);

    // Act
    const shards = keysByShard(keys, ['0-8191', '8192-16383']);

    // Assert
    expect(keySlot('123456789')).toBe(0x31c3 & 16383);
    expect(keySlot('{user1000}.following')).toBe(keySlot('{user1000}.followers'));
    expect(shards.map((shard) => shard.length)).toEqual([
      keys.filter((record) => keySlot(record.key) <= 8191).length,
      keys.filter((record) => keySlot(record.key) > 8191).length,
    ]);
    expect(shards.every((shard) => shard.length > 0)).toBe(true);
    expect(new Set(keys.map((record) => record.type))).toEqual(new Set(['string', 'hash', 'list', 'set', 'zset']));
    expect(keys.filter((record) => record.expiresAt !== undefined).length).toBeGreaterThan(3);
  });
});
