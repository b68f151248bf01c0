// The key data of emulated caches. The emulator has no data plane (no client writes keys), so a replication group or
// cache cluster created empty starts with a small shop's data instead, standing in for what an application would have
// written: sessions (strings with an expiry), carts (hashes, some expiring), product records (hashes), stock counters
// (integer strings), queues (lists), tags (sets, one of integers), leaderboards (sorted sets). A group restored from a
// snapshot or from .rdb files in S3 holds what those held. In cluster mode each shard holds the keys of its hash
// slots (CRC16 of the key or its {hash tag}, modulo 16384, as Redis Cluster assigns them), so every shard's file
// differs. Expired keys are gone from a snapshot taken after their expiry, as a server drops them.
import type { KeyRecord } from './rdb-format.js';

const DAY_MS = 86_400_000;

/** The shop's keys, expiries relative to `createdAt` (days: tests run the emulated clock fast). */
export const demoKeys = (createdAt: Date): KeyRecord[] => {
  const at = createdAt.getTime();
  const products = [
    { sku: 'mug-blue', name: 'Blue enamel mug', price: '12.50', stock: '42', tags: ['kitchen', 'enamel', 'gift'] },
    { sku: 'tea-sencha', name: 'Sencha green tea 100g', price: '8.90', stock: '310', tags: ['tea', 'organic'] },
    { sku: 'pot-cast', name: 'Cast iron teapot', price: '49.00', stock: '7', tags: ['kitchen', 'tea', 'gift'] },
    { sku: 'spoon-oak', name: 'Oak measuring spoon', price: '4.20', stock: '0', tags: ['kitchen', 'wood'] },
    { sku: 'cup-set', name: 'Porcelain cup set (4)', price: '34.00', stock: '18', tags: ['kitchen', 'gift'] },
  ];
  const users = ['u1001', 'u1002', 'u1003', 'u1004'];
  const keys: KeyRecord[] = [];
  for (const product of products) {
    keys.push({
      key: `product:${product.sku}`,
      type: 'hash',
      fields: [
        ['name', product.name],
        ['price', product.price],
        ['currency', 'EUR'],
      ],
    });
    keys.push({ key: `stock:${product.sku}`, type: 'string', value: product.stock });
    keys.push({ key: `tags:${product.sku}`, type: 'set', members: product.tags });
  }
  users.forEach((user, index) => {
    keys.push({
      key: `session:${user}`,
      type: 'string',
      value: JSON.stringify({ user, cart: `cart:${user}`, locale: index % 2 === 0 ? 'en-GB' : 'de-DE' }),
      expiresAt: at + (7 + index) * DAY_MS,
    });
    keys.push({
      key: `cart:${user}`,
      type: 'hash',
      fields: products
        .slice(index, index + 2)
        .map((product, line): [string, string] => [product.sku, String(line + 1)]),
      ...(index < 2 && { expiresAt: at + 30 * DAY_MS }),
    });
  });
  keys.push(
    {
      key: 'queue:emails',
      type: 'list',
      items: users.map((user) => JSON.stringify({ to: `${user}@shop.example`, template: 'order-confirmation' })),
    },
    { key: 'queue:orders', type: 'list', items: ['order:5001', 'order:5002', 'order:5003'] },
    { key: 'orders:shipped', type: 'set', members: ['5001', '4998', '4990', '4987'] },
    {
      key: 'leaderboard:bestsellers',
      type: 'zset',
      members: [
        ['tea-sencha', 1280],
        ['mug-blue', 954],
        ['cup-set', 311],
        ['pot-cast', 97],
        ['spoon-oak', 45],
      ],
    },
    {
      key: 'leaderboard:ratings',
      type: 'zset',
      members: [
        ['pot-cast', 4.9],
        ['tea-sencha', 4.75],
        ['mug-blue', 4.5],
        ['cup-set', 3.8],
      ],
    },
    { key: 'config:currency', type: 'string', value: 'EUR' },
    { key: 'counter:visits', type: 'string', value: '184302' },
    { key: 'ratelimit:api:u1001', type: 'string', value: '17', expiresAt: at + 2 * DAY_MS },
  );
  return keys;
};

const CRC16_TABLE = (() => {
  // CRC16-CCITT (XMODEM), polynomial 0x1021, as Redis Cluster's crc16.c.
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte += 1) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[byte] = crc;
  }
  return table;
})();

const crc16 = (bytes: Buffer): number => {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[((crc >> 8) ^ byte) & 0xff] ?? 0);
  return crc;
};

/** keyHashSlot (src/cluster.c): the {hash tag} when it is not empty, else the whole key. */
export const keySlot = (key: string): number => {
  const bytes = Buffer.from(key, 'latin1');
  const open = bytes.indexOf(0x7b);
  if (open >= 0) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) return crc16(bytes.subarray(open + 1, close)) & 16383;
  }
  return crc16(bytes) & 16383;
};

/** The keys of each shard, by the shards' slot ranges (`start-end`); without cluster mode, one shard holds all. */
export const keysByShard = (keys: readonly KeyRecord[], slotRanges: Array<string | undefined>): KeyRecord[][] => {
  if (slotRanges.length <= 1) return [[...keys]];
  const ranges = slotRanges.map((range) => {
    const [start = '0', end = '16383'] = (range ?? '0-16383').split('-');
    return [Number(start), Number(end)] as const;
  });
  const shards: KeyRecord[][] = ranges.map(() => []);
  for (const record of keys) {
    const slot = keySlot(record.key);
    const index = ranges.findIndex(([start, end]) => slot >= start && slot <= end);
    shards[Math.max(index, 0)]?.push(record);
  }
  return shards;
};

/** The keys still alive at `now` (a server drops expired keys; a snapshot does not hold them). */
export const liveKeys = (keys: readonly KeyRecord[], now: Date): KeyRecord[] =>
  keys.filter((record) => record.expiresAt === undefined || record.expiresAt > now.getTime());
