import { crc64, crc64Hex } from '../../../handlers/lib/crc64';
import { AwsUnavailableError, ConfigError, ExportFailedError } from '../../../handlers/lib/errors';
import { parseVerifyMode, type RangeReader, verifyExportObjects } from '../../../handlers/lib/export-verification';
import { enginesReading, parseRdbHeader } from '../../../handlers/lib/rdb-format';
import { writeRdb } from '../../../local/aws/elasticache/rdb';
import { rejectionOf } from '../../support/rejection';

const rdb = (entries = 40): Buffer =>
  // Valkey 7.2 writes RDB version 11 under the REDIS magic.
  writeRdb({
    engine: 'valkey',
    engineVersion: '7.2',
    createdAt: new Date('2026-11-25T03:00:00Z'),
    keys: Array.from({ length: entries }, (_, i) => ({
      key: `key-${i}`,
      type: 'string' as const,
      value: `value-${i}-${'x'.repeat(i)}`,
    })),
  });

/** A reader over in-memory objects that serves Range and IfMatch as S3 does, in small chunks, and records reads. */
const readerOf = (files: Record<string, Buffer>, encryption = 'AES256') => {
  const reads: Array<{ key: string; start: number; end?: number }> = [];
  const read: RangeReader = async (key, range) => {
    const file = files[key];
    if (!file) throw new Error(`no object ${key}`);
    reads.push({ key, start: range.start, ...(range.end !== undefined && { end: range.end }) });
    const etag = `"${crc64Hex(crc64(file))}"`;
    if (range.ifMatch !== undefined && range.ifMatch !== etag) throw new Error('PreconditionFailed');
    const bytes = file.subarray(range.start, (range.end ?? file.length - 1) + 1);
    return {
      etag,
      objectSize: file.length,
      serverSideEncryption: encryption,
      body: (async function* () {
        for (let at = 0; at < bytes.length; at += 100) yield bytes.subarray(at, at + 100);
      })(),
    };
  };
  return { read, reads };
};

const listed = (files: Record<string, Buffer>) =>
  Object.entries(files).map(([key, body]) => ({ key, size: body.length }));

const options = (read: RangeReader, extra: Partial<Parameters<typeof verifyExportObjects>[1]> = {}) => ({
  mode: 'full' as const,
  read,
  deadline: Date.now() + 60_000,
  now: () => Date.now(),
  rangeBytes: 256,
  ...extra,
});

describe('verifyExportObjects', () => {
  it('proves valid objects in full: CRC64 of ranges read in parallel, combined, equal to the trailer', async () => {
    const files = { 'a-0001.rdb': rdb(40), 'a-0002.rdb': rdb(55) };
    const { read, reads } = readerOf(files);

    const result = await verifyExportObjects(listed(files), options(read));

    expect(result.objects).toEqual(
      Object.entries(files).map(([key, body]) => ({
        key,
        size: body.length,
        rdb: {
          format: 'redis',
          version: 11,
          checksum: crc64Hex(body.readBigUInt64LE(body.length - 8)),
          verified: 'full',
        },
      })),
    );
    expect(result.summary).toEqual({ mode: 'full', notes: [] });
    // Several 256-byte ranges per object, besides the header and trailer reads.
    expect(reads.filter((r) => r.key === 'a-0002.rdb').length).toBeGreaterThan(4);
  });

  it('fails a truncated object as ExportCorrupt from its trailer', async () => {
    const whole = rdb();
    const files = { 'a.rdb': whole.subarray(0, whole.length - 100) };
    const error = await rejectionOf(verifyExportObjects(listed(files), options(readerOf(files).read)));
    expect(error).toBeInstanceOf(ExportFailedError);
    expect((error as ExportFailedError).details.code).toBe('ExportCorrupt');
    expect((error as Error).message).toMatch(/a\.rdb is not a complete RDB file: it does not end with the EOF opcode/);
  });

  it('fails an object with changed bytes as ExportCorrupt from its CRC64, naming both checksums', async () => {
    const body = Buffer.from(rdb());
    body[200] = (body[200] ?? 0) ^ 0x55;
    const files = { 'a.rdb': body };
    const error = await rejectionOf(verifyExportObjects(listed(files), options(readerOf(files).read)));
    expect((error as ExportFailedError).details.code).toBe('ExportCorrupt');
    expect((error as Error).message).toContain(`the file records ${crc64Hex(body.readBigUInt64LE(body.length - 8))}`);
  });

  it('lets a changed byte through in header mode (only magic, version and EOF are read), saying so per object', async () => {
    const body = Buffer.from(rdb());
    body[200] = (body[200] ?? 0) ^ 0x55;
    const files = { 'a.rdb': body };
    const { read, reads } = readerOf(files);
    const result = await verifyExportObjects(listed(files), options(read, { mode: 'header' }));
    expect(result.objects[0]?.rdb?.verified).toBe('header');
    expect(reads).toHaveLength(2);
  });

  it('fails what is not an RDB file at all, and a file shorter than any RDB', async () => {
    const files = {
      'a.rdb': Buffer.from('PK\u0003\u0004 this is a zip file, not a snapshot'),
      'b.rdb': Buffer.from('REDIS0011'),
    };
    const error = await rejectionOf(
      verifyExportObjects(listed({ 'a.rdb': files['a.rdb'] }), options(readerOf(files).read)),
    );
    expect((error as Error).message).toMatch(/starts with "PK\?\?.*not an RDB magic/);
    const short = await rejectionOf(
      verifyExportObjects(listed({ 'b.rdb': files['b.rdb'] }), options(readerOf(files).read)),
    );
    expect((short as Error).message).toMatch(/9 bytes long/);
  });

  it('checks only header and trailer of an object too large for the time left, and says so', async () => {
    const files = { 'a.rdb': rdb() };
    const result = await verifyExportObjects(
      listed(files),
      options(readerOf(files).read, { deadline: Date.now() + 1000, assumedBytesPerSecond: 10 }),
    );
    expect(result.objects[0]?.rdb?.verified).toBe('header');
    expect(result.summary.notes[0]).toMatch(
      /a\.rdb .*only its header and trailer were checked; its full CRC64 needs about/,
    );
  });

  it('stops a full check that runs past the deadline and reports the object as header-verified', async () => {
    const files = { 'a.rdb': rdb(200) };
    let clock = 0;
    const result = await verifyExportObjects(
      listed(files),
      // Each call of the clock advances it by 10 ms; the deadline is reached while the ranges stream.
      options(readerOf(files).read, { now: () => (clock += 10), deadline: 400, assumedBytesPerSecond: 1e12 }),
    );
    expect(result.objects[0]?.rdb?.verified).toBe('header');
    expect(result.summary.notes[0]).toMatch(/did not finish in the time left/);
  });

  it('throws a body that breaks off while streaming as AwsUnavailableError, which the state machine retries', async () => {
    const files = { 'a.rdb': rdb(100) };
    const { read } = readerOf(files);
    const breaking: RangeReader = async (key, range) => {
      const part = await read(key, range);
      if (range.start === 0 && range.end !== undefined && range.end > 100) {
        return {
          ...part,
          body: (async function* () {
            yield Buffer.alloc(10);
            throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
          })(),
        };
      }
      return part;
    };
    const error = await rejectionOf(verifyExportObjects(listed(files), options(breaking)));
    expect(error).toBeInstanceOf(AwsUnavailableError);
    expect((error as Error).message).toMatch(/Reading a\.rdb from S3 broke off: socket hang up/);
  });

  it('reports SSE-KMS objects, which ElastiCache cannot seed from', async () => {
    const files = { 'a.rdb': rdb() };
    const result = await verifyExportObjects(listed(files), options(readerOf(files, 'aws:kms').read));
    expect(result.summary.kmsEncryptedKeys).toEqual(['a.rdb']);
  });

  it('reads nothing with VERIFY_EXPORTS=off', async () => {
    const files = { 'a.rdb': rdb() };
    const { read, reads } = readerOf(files);
    const result = await verifyExportObjects(listed(files), options(read, { mode: 'off' }));
    expect(reads).toEqual([]);
    expect(result.objects).toEqual([{ key: 'a.rdb', size: files['a.rdb'].length }]);
  });
});

describe('parseVerifyMode', () => {
  it('defaults to full and refuses anything but full, header, off', () => {
    expect(parseVerifyMode(undefined)).toBe('full');
    expect(parseVerifyMode(' Header ')).toBe('header');
    expect(() => parseVerifyMode('crc')).toThrow(ConfigError);
  });
});

describe('RDB headers and readers', () => {
  it('reads the REDIS and VALKEY magics as Redis and Valkey write them', () => {
    expect(parseRdbHeader(Buffer.from('REDIS0010'))).toEqual({ format: 'redis', version: 10 });
    expect(parseRdbHeader(Buffer.from('VALKEY080'))).toEqual({ format: 'valkey', version: 80 });
  });

  it('names the engine versions that load each version', () => {
    expect(enginesReading({ format: 'redis', version: 10 })).toEqual([
      'Redis OSS 7.0, 7.1',
      'Valkey 7.2, 8.0, 8.1',
      'Valkey 9.0, 9.1',
      'Valkey 9.2 and later',
    ]);
    expect(enginesReading({ format: 'redis', version: 12 })).toEqual([]);
    expect(enginesReading({ format: 'valkey', version: 80 })).toEqual(['Valkey 9.0, 9.1', 'Valkey 9.2 and later']);
    expect(enginesReading({ format: 'valkey', version: 81 })).toEqual(['Valkey 9.2 and later']);
  });
});
