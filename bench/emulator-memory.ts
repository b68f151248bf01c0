// Emulator memory benchmark: starts the local AWS emulator in its own process, uploads one large object through
// the real S3 client (a streamed body, so aws-chunked with a trailing CRC32, as the SDK sends it), downloads it
// again, and reads the emulator's resident memory from /proc (VmRSS now, VmHWM = peak so far) before, after the
// upload and after the download. The body size defaults to 600 MB (BENCH_BODY_MB). Linux only (/proc).
//   node --import tsx bench/emulator-memory.ts           (also part of `npm run bench`)
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const MB = 1000 * 1000;
const MIB = 1024 * 1024;

/** In the child: the emulator alone, printing its URL once it listens. */
const CHILD = `
import { startAwsEmulator } from ${JSON.stringify(path.join(__dirname, '..', 'local', 'aws', 'server.ts'))};
const aws = await startAwsEmulator({ port: 0, dataDir: process.env.BENCH_DATA_DIR, log: () => undefined });
process.stdout.write(aws.url + '\\n');
`;

interface Memory {
  rssMiB: number;
  peakMiB: number;
}

const memoryOf = (pid: number): Memory => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: Math.round(kib('VmRSS') / 1024), peakMiB: Math.round(kib('VmHWM') / 1024) };
};

/** The emulator alone in a process of its own (also bench/crc64.ts), its URL once it listens. */
export const startChild = (dataDir: string): Promise<{ child: ChildProcess; url: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
      env: { ...process.env, BENCH_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`The emulator exited early (${code})`)));
    child.stdout?.once('data', (data: Buffer) => resolve({ child, url: data.toString().trim() }));
  });

/** `bytes` of content produced as it is read (the client does not hold it either), with its MD5. */
const generated = (bytes: number): { stream: Readable; md5: () => string } => {
  const block = randomBytes(MIB);
  const md5 = createHash('md5');
  let sent = 0;
  const stream = new Readable({
    read() {
      if (sent >= bytes) {
        this.push(null);
        return;
      }
      const chunk = block.subarray(0, Math.min(block.length, bytes - sent));
      md5.update(chunk);
      sent += chunk.length;
      this.push(chunk);
    },
  });
  return { stream, md5: () => md5.digest('hex') };
};

export interface EmulatorMemoryResult {
  bodyMB: number;
  idle: Memory;
  afterUpload: Memory;
  afterDownload: Memory;
}

export const runEmulatorMemoryBenchmark = async (): Promise<EmulatorMemoryResult> => {
  const bodyMB = Number(process.env.BENCH_BODY_MB ?? 600);
  const bytes = bodyMB * MB;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-emulator-'));
  const { child, url } = await startChild(dataDir);
  const pid = child.pid ?? 0;
  const s3 = new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    await s3.send(new CreateBucketCommand({ Bucket: 'bench' }));
    const idle = memoryOf(pid);
    const body = generated(bytes);
    const put = await s3.send(
      new PutObjectCommand({ Bucket: 'bench', Key: 'large.bin', Body: body.stream, ContentLength: bytes }),
    );
    if (put.ETag !== `"${body.md5()}"`) throw new Error(`Upload ETag ${put.ETag} does not match the content`);
    const afterUpload = memoryOf(pid);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'bench', Key: 'large.bin' }));
    const md5 = createHash('md5');
    for await (const chunk of got.Body as Readable) md5.update(chunk as Buffer);
    if (`"${md5.digest('hex')}"` !== put.ETag) throw new Error('The download does not match the upload');
    const afterDownload = memoryOf(pid);
    const result = { bodyMB, idle, afterUpload, afterDownload };
    const line = (label: string, memory: Memory): string =>
      `  ${label.padEnd(16)} RSS ${String(memory.rssMiB).padStart(5)} MiB   peak so far ${String(memory.peakMiB).padStart(5)} MiB`;
    process.stdout.write(
      [
        `\nEmulator memory, one ${bodyMB} MB object up and down through the S3 client (emulator process only):`,
        line('idle', idle),
        line('after upload', afterUpload),
        line('after download', afterDownload),
        `  peak growth over idle: ${afterDownload.peakMiB - idle.rssMiB} MiB for a ${Math.round(bytes / MIB)} MiB body\n`,
      ].join('\n'),
    );
    return result;
  } finally {
    s3.destroy();
    child.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
};

if (require.main === module) {
  runEmulatorMemoryBenchmark().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
