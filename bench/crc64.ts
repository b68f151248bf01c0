// CRC64 benchmark (issue 9): our CRC-64/Jones (handlers/lib/crc64.ts) side by side with Redis's own C implementation
// as redis-check-rdb exercises it, on the same valid 1 GiB RDB file (BENCH_RDB_MIB, default 1024: 1 MiB string
// values) in the same run; and a full verification of that file as an object of the local S3 (the emulator in a
// process of its own), through the same code path CheckExport takes (S3 adapter getObjectRange, ranges in parallel,
// CRCs combined). Figures are medians of BENCH_RUNS (default 3) runs; the file is read once first, so every
// contender reads it from the page cache.
//   node --import tsx bench/crc64.ts           (also part of `npm run bench`)
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getObjectRange } from '../handlers/lib/aws/s3.js';
import { Crc64 } from '../handlers/lib/crc64.js';
import { verifyExportObjects } from '../handlers/lib/export-verification.js';
import { startChild } from './emulator-memory.js';
import { formatGoal, type Goal } from './goals.js';

const run = promisify(execFile);
const MIB = 1024 * 1024;
const MB = 1000 * 1000;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

const rdbLength32 = (length: number): Buffer => {
  const buffer = Buffer.alloc(5);
  buffer[0] = 0x80;
  buffer.writeUInt32BE(length, 1);
  return buffer;
};

/**
 * A valid RDB version 10 file (what Redis OSS 7.0 writes and redis-check-rdb 7.0 reads) of `mib` string keys of 1 MiB
 * each, written in one pass with its CRC64 computed as it goes.
 */
const writeRdb = (file: string, mib: number): number => {
  const fd = openSync(file, 'w');
  const crc = new Crc64();
  let size = 0;
  const put = (bytes: Buffer): void => {
    crc.update(bytes);
    writeSync(fd, bytes);
    size += bytes.length;
  };
  try {
    // Magic, SELECTDB 0, RESIZEDB (keys, expires): the keys count fits a 14-bit length.
    put(Buffer.from('REDIS0010'));
    put(Buffer.from([0xfe, 0x00, 0xfb, 0x40 | (mib >> 8), mib & 0xff, 0x00]));
    const value = randomBytes(MIB);
    for (let index = 0; index < mib; index += 1) {
      const key = Buffer.from(`bench:value:${index}`);
      // Each value differs in its first bytes, so no two are alike.
      value.writeUInt32LE(index, 0);
      put(Buffer.concat([Buffer.from([0x00, key.length]), key, rdbLength32(value.length)]));
      put(value);
    }
    put(Buffer.from([0xff]));
    const checksum = Buffer.alloc(8);
    checksum.writeBigUInt64LE(crc.value());
    writeSync(fd, checksum);
    return size + 8;
  } finally {
    closeSync(fd);
  }
};

/**
 * Our CRC64 over the file, read in 8 MiB chunks from the page cache (as redis-check-rdb reads it), the next chunk
 * read while the CRC runs over this one: the same overlap of I/O and checksum as the ranged GETs of a verification.
 */
/** Bytes per read: BENCH_READ_MIB, default 1 (a chunk the CRC then reads from the CPU cache). */
const READ_BYTES = Number(process.env.BENCH_READ_MIB ?? 1) * MIB;

const crcOfFile = async (file: string): Promise<bigint> => {
  const handle = await open(file, 'r');
  const buffers = [Buffer.allocUnsafe(READ_BYTES), Buffer.allocUnsafe(READ_BYTES)];
  const crc = new Crc64();
  try {
    let turn = 0;
    let pending = handle.read(buffers[0] as Buffer, 0, READ_BYTES, null);
    for (;;) {
      const { bytesRead, buffer } = await pending;
      if (bytesRead === 0) break;
      turn ^= 1;
      pending = handle.read(buffers[turn] as Buffer, 0, READ_BYTES, null);
      crc.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return crc.value();
};

const timed = async (work: () => unknown): Promise<number> => {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
};

const mbps = (bytes: number, seconds: number): number => bytes / MB / seconds;

export const runCrc64Benchmark = async (): Promise<Goal[]> => {
  const mib = Number(process.env.BENCH_RDB_MIB ?? 1024);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-crc64-'));
  const file = path.join(dir, 'bench.rdb');
  const dataDir = path.join(dir, 'emulator');
  let emulator: Awaited<ReturnType<typeof startChild>> | undefined;
  let s3: S3Client | undefined;
  try {
    const size = writeRdb(file, mib);
    const bodyBytes = size - 8;
    await crcOfFile(file); // warm the page cache

    // Our CRC64: in memory (256 MiB buffer, the pure loop), and over the file.
    const memory = randomBytes(Math.min(256 * MIB, size));
    const memoryTimes: number[] = [];
    const fileTimes: number[] = [];
    const redisTimes: number[] = [];
    let redisOutput = '';
    for (let index = 0; index < runs; index += 1) {
      memoryTimes.push(await timed(() => new Crc64().update(memory).value()));
      fileTimes.push(await timed(() => crcOfFile(file)));
      redisTimes.push(
        await timed(async () => {
          const { stdout } = await run('redis-check-rdb', [file], { maxBuffer: 16 * MIB });
          redisOutput = stdout;
        }),
      );
    }
    if (!/Checksum OK/.test(redisOutput) || !/RDB looks OK/.test(redisOutput)) {
      throw new Error(`redis-check-rdb refused the benchmark file:\n${redisOutput}`);
    }
    const ours = mbps(size, median(fileTimes));
    const redis = mbps(size, median(redisTimes));

    // A full verification of the same bytes as an object of the local S3, through CheckExport's code path.
    emulator = await startChild(dataDir);
    s3 = new S3Client({
      endpoint: emulator.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });
    await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
    await s3.send(
      new PutObjectCommand({ Bucket: 'bench', Key: 'bench.rdb', Body: createReadStream(file), ContentLength: size }),
    );
    const client = s3;
    const verifyTimes: number[] = [];
    for (let index = 0; index < runs; index += 1) {
      verifyTimes.push(
        await timed(async () => {
          const result = await verifyExportObjects([{ key: 'bench.rdb', size: statSync(file).size }], {
            mode: 'full',
            read: (key, range) => getObjectRange(client, 'bench', key, range),
            deadline: Date.now() + 15 * 60 * 1000,
            now: () => Date.now(),
          });
          if (result.objects[0]?.rdb?.verified !== 'full')
            throw new Error('The benchmark object was not verified in full');
        }),
      );
    }
    const verify = mbps(size, median(verifyTimes));
    // Largest shard verified in full: the measured end-to-end rate times the time verification may take, the
    // function's timeout less CheckExport's 5 s return margin (handlers/check-export.ts).
    const largest = (seconds: number): string => `${((verify * MB * (seconds - 5)) / 1024 ** 3).toFixed(0)} GiB`;
    process.stdout.write(
      [
        `\nCRC64 (CRC-64/Jones), ${(size / MIB).toFixed(0)} MiB RDB file of ${mib} string values, median of ${runs}:`,
        `  ours, in memory (256 MiB buffer)         ${mbps(memory.length, median(memoryTimes)).toFixed(0).padStart(6)} MB/s`,
        `  ours, over the file (${READ_BYTES / MIB} MiB reads)        ${ours.toFixed(0).padStart(6)} MB/s`,
        `  redis-check-rdb (checksum + parse)       ${redis.toFixed(0).padStart(6)} MB/s   (${median(redisTimes).toFixed(2)} s)`,
        `  full verification via the local S3      ${verify.toFixed(0).padStart(6)} MB/s   (${median(verifyTimes).toFixed(2)} s: header, trailer, ${Math.ceil(bodyBytes / (64 * MIB))} ranged GETs of 64 MiB, 4 at a time; ${(redis / verify).toFixed(2)}× redis-check-rdb's time, most of it the emulator serving HTTP)`,
        `  largest shard verified in full at this rate: ${largest(900)} in checkExport's 15-minute timeout`,
        '  (rate × (timeout − 5 s margin); in Lambda the rate follows the CPU share of the memory size and S3 throughput)\n',
      ].join('\n'),
    );
    // Time per byte relative to redis-check-rdb's (below 1: faster than it).
    return [{ name: 'crc64-time-vs-redis-check-rdb', figure: redis / ours, target: 1, ok: redis / ours <= 1 }];
  } finally {
    s3?.destroy();
    emulator?.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
};

if (require.main === module) {
  runCrc64Benchmark()
    .then((goals) => {
      process.stdout.write(`${goals.map(formatGoal).join('\n')}\n`);
    })
    .catch((error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    });
}
