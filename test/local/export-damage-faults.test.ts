// The staged export faults that damage the written objects (`corrupt`, `truncated`): what they do to the bytes, and
// that staging checks them. The whole path, through CheckExport's verification, is test/integration/export-verification.
import { crc64 } from '../../handlers/lib/crc64';
import { parseRdbHeader, parseRdbTrailer } from '../../handlers/lib/rdb-format';
import { writeRdb } from '../../local/aws/elasticache/rdb';
import { damagedExportBody, FaultQueue } from '../../local/aws/faults';

const body = writeRdb({
  engine: 'redis',
  engineVersion: '7.0',
  createdAt: new Date('2026-11-25T03:00:00Z'),
  keys: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, type: 'string' as const, value: `v${i}` })),
});
const stored = (file: Buffer): bigint => file.readBigUInt64LE(file.length - 8);

describe('damaged exports', () => {
  it('corrupt: keeps header, trailer and length, so only the CRC64 tells', () => {
    const damaged = damagedExportBody('corrupt', 0, body);
    expect(damaged.length).toBe(body.length);
    expect(parseRdbHeader(damaged)).toEqual(parseRdbHeader(body));
    expect(parseRdbTrailer(damaged.subarray(-9))).toEqual(parseRdbTrailer(body.subarray(-9)));
    expect(crc64(damaged.subarray(0, -8))).not.toBe(stored(damaged));
    expect(crc64(body.subarray(0, -8))).toBe(stored(body));
  });

  it('truncated: cuts the first object to two thirds, so its EOF marker is gone', () => {
    const damaged = damagedExportBody('truncated', 0, body);
    expect(damaged.length).toBe(Math.floor((body.length * 2) / 3));
    expect(parseRdbTrailer(damaged.subarray(-9))).toHaveProperty('problem');
  });

  it('leaves the other shards and the other outcomes alone', () => {
    expect(damagedExportBody('corrupt', 1, body)).toBe(body);
    expect(damagedExportBody(undefined, 0, body)).toBe(body);
  });

  it('stages corrupt and truncated, and names all four outcomes when refusing another', () => {
    const queue = new FaultQueue();
    queue.stage({ exportOutcome: 'corrupt' });
    queue.stage({ exportOutcome: 'truncated', serverlessCacheSnapshotName: 'snap' });
    expect(queue.takeExportOutcome('snap')).toBe('corrupt');
    expect(queue.takeExportOutcome('snap')).toBe('truncated');
    expect(() => queue.stage({ exportOutcome: 'garbled' as never })).toThrow(
      'exportOutcome must be "no-objects", "failed", "corrupt" or "truncated"',
    );
  });
});
