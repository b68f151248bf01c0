// Large and slow request bodies: S3 uploads past the memory threshold go to disk and stream through, downloads
// stream from disk, sizes past a service's limit are refused in its own shape, stalled bodies time out, and no
// temporary file outlives its request.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { eventually, type Harness, rawRequest, type Signer, sigV4Headers, startHarness } from './emulator-harness';

const MIB = 1024 * 1024;
/**
 * Larger than the memory V8 lets garbage Buffers take before it collects them (its 64 MiB external-memory soft
 * limit), which is what a streamed body leaves behind for a while: about 40 MiB here whatever the body's size (the
 * bench shows the same for 64 MB and 600 MB). A body held whole would add at least its own size.
 */
const BODY_BYTES = 160 * MIB;
const BLOCK = randomBytes(64 * 1024);

let harness: Harness;
let s3: S3Client;
const bucket = 'large-bodies';
const signer: Signer = { service: 's3' };
const logged: string[] = [];

beforeAll(async () => {
  harness = await startHarness({
    bodyMemoryBytes: 1 * MIB,
    bodyIdleTimeoutMs: 300,
    log: (_level, message) => logged.push(message),
  });
  s3 = harness.s3();
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(() => harness.stop());

const spoolDir = (): string => path.join(harness.dataDir, '.tmp', 'requests');
const spooled = (): string[] => fs.readdirSync(spoolDir());

/** `BODY_BYTES` of content produced as it is read, with its MD5, so the test process never holds it whole. */
const generatedBody = (): { stream: Readable; md5: () => string } => {
  const md5 = createHash('md5');
  let sent = 0;
  const stream = new Readable({
    read() {
      if (sent >= BODY_BYTES) {
        this.push(null);
        return;
      }
      md5.update(BLOCK);
      sent += BLOCK.length;
      this.push(BLOCK);
    },
  });
  return { stream, md5: () => md5.digest('hex') };
};

/** Samples this process's RSS (the emulator runs in it) while `work` runs; also reports what `probe` saw. */
const measured = async <T>(work: () => Promise<T>, probe: () => boolean = () => false) => {
  const before = process.memoryUsage.rss();
  let peak = before;
  let probed = false;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
    probed ||= probe();
  }, 2);
  try {
    const result = await work();
    return { result, growth: Math.max(peak, process.memoryUsage.rss()) - before, probed };
  } finally {
    clearInterval(sampler);
  }
};

/** Sends a PUT's headers and the first `sent` bytes of the body, then waits for what the server does. */
const partialPut = (
  key: string,
  headers: Record<string, string>,
  sent: Buffer,
  then: 'wait' | 'abort',
): Promise<{ status: number; body: string } | 'closed'> =>
  new Promise((resolve, reject) => {
    const request = http.request(`${harness.aws.url}/${bucket}/${key}`, {
      method: 'PUT',
      headers: { ...sigV4Headers(harness.aws.url, { method: 'PUT', path: `/${bucket}/${key}` }, signer), ...headers },
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET' || then === 'abort') resolve('closed');
      else reject(error);
    });
    request.on('close', () => resolve('closed'));
    request.write(sent, () => {
      if (then === 'abort') {
        // Aborted once the server has spooled what was sent.
        eventually(() => (spooled().length > 0 ? true : undefined)).then(
          () => request.destroy(),
          (error: unknown) => reject(error),
        );
      }
    });
  });

describe('large bodies', () => {
  it('uploads a body far over the memory threshold through a temporary file, memory staying well under its size', async () => {
    // Arrange
    const body = generatedBody();

    // Act
    const { result, growth, probed } = await measured(
      () =>
        s3.send(
          new PutObjectCommand({ Bucket: bucket, Key: 'large.bin', Body: body.stream, ContentLength: BODY_BYTES }),
        ),
      () => spooled().length > 0,
    );

    // Assert
    expect(result.ETag).toBe(`"${body.md5()}"`);
    expect(probed).toBe(true);
    expect(growth).toBeLessThan(BODY_BYTES / 2);
    expect(fs.statSync(harness.aws.s3.objectFile(bucket, 'large.bin') ?? '').size).toBe(BODY_BYTES);
    await eventually(() => (spooled().length === 0 ? true : undefined));
  });

  it('downloads a large object as a stream from disk, memory staying well under its size', async () => {
    // Arrange
    const md5 = createHash('md5');
    const etag = harness.aws.s3.store.headObject(bucket, 'large.bin')?.etag;

    // Act
    const { growth } = await measured(async () => {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'large.bin' }));
      for await (const chunk of got.Body as Readable) md5.update(chunk as Buffer);
    });

    // Assert
    expect(`"${md5.digest('hex')}"`).toBe(etag);
    expect(growth).toBeLessThan(BODY_BYTES / 2);
  });

  it('moves a plain (not aws-chunked) spooled body into place and checks its Content-MD5', async () => {
    // Arrange
    const body = randomBytes(3 * MIB);
    const md5 = createHash('md5').update(body);
    const put = (key: string, contentMd5: string) =>
      new Promise<number>((resolve, reject) => {
        const path = `/${bucket}/${key}`;
        const request = http.request(`${harness.aws.url}${path}`, {
          method: 'PUT',
          headers: { ...sigV4Headers(harness.aws.url, { method: 'PUT', path }, signer), 'content-md5': contentMd5 },
        });
        request.on('response', (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        });
        request.on('error', reject);
        request.end(body);
      });

    // Act
    const stored = await put('plain.bin', md5.copy().digest('base64'));
    const corrupt = await put('corrupt.bin', createHash('md5').update('other').digest('base64'));

    // Assert
    expect([stored, corrupt]).toEqual([200, 400]);
    expect(harness.aws.s3.store.headObject(bucket, 'plain.bin')?.etag).toBe(`"${md5.digest('hex')}"`);
    expect(fs.readFileSync(harness.aws.s3.objectFile(bucket, 'plain.bin') ?? '')).toEqual(body);
    expect(harness.aws.s3.store.headObject(bucket, 'corrupt.bin')).toBeUndefined();
    await eventually(() => (spooled().length === 0 ? true : undefined));
  });

  it('serves a byte range of a large object from disk', async () => {
    // Act
    const got = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: 'large.bin',
        Range: `bytes=${BLOCK.length + 10}-${BLOCK.length + 19}`,
      }),
    );

    // Assert
    expect(got.ContentRange).toBe(`bytes ${BLOCK.length + 10}-${BLOCK.length + 19}/${BODY_BYTES}`);
    expect(Buffer.from(await (got.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())))).toEqual(
      BLOCK.subarray(10, 20),
    );
  });

  it('refuses an upload announced over 5 GiB with EntityTooLarge before reading it', async () => {
    // Act
    const response = await partialPut(
      'huge.bin',
      { 'content-length': String(5 * 1024 ** 3 + 1) },
      Buffer.alloc(0),
      'wait',
    );

    // Assert
    expect(response).toMatchObject({ status: 400 });
    const { body } = response as { body: string };
    expect(body).toContain('<Code>EntityTooLarge</Code>');
    expect(body).toContain('<Message>Your proposed upload exceeds the maximum allowed size</Message>');
    expect(body).toContain(
      `<ProposedSize>${5 * 1024 ** 3 + 1}</ProposedSize><MaxSizeAllowed>5368709120</MaxSizeAllowed>`,
    );
  });

  it('answers Expect: 100-continue with EntityTooLarge for an oversized upload, and with 100 Continue otherwise', async () => {
    // Arrange
    const expectContinue = (key: string, length: number) =>
      new Promise<{ continued: boolean; status: number }>((resolve, reject) => {
        const path = `/${bucket}/${key}`;
        let continued = false;
        const request = http.request(`${harness.aws.url}${path}`, {
          method: 'PUT',
          headers: {
            ...sigV4Headers(harness.aws.url, { method: 'PUT', path }, signer),
            expect: '100-continue',
            'content-length': String(length),
          },
        });
        request.on('continue', () => {
          continued = true;
          request.end(Buffer.alloc(length, 7));
        });
        request.on('response', (response) => {
          response.resume();
          resolve({ continued, status: response.statusCode ?? 0 });
        });
        request.on('error', reject);
        request.flushHeaders();
      });

    // Act
    const oversized = await expectContinue('continue-huge.bin', 6 * 1024 ** 3);
    const small = await expectContinue('continue-small.bin', 1000);

    // Assert
    expect(oversized).toEqual({ continued: false, status: 400 });
    expect(small).toEqual({ continued: true, status: 200 });
  });

  it('refuses an aws-chunked upload whose decoded length is over 5 GiB', async () => {
    // Act
    const response = await partialPut(
      'huge-chunked.bin',
      {
        'content-length': '100',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': String(6 * 1024 ** 3),
      },
      Buffer.alloc(0),
      'wait',
    );

    // Assert
    expect(response).toMatchObject({ status: 400, body: expect.stringContaining('<Code>EntityTooLarge</Code>') });
  });

  it('refuses a body over the SNS limit with RequestEntityTooLarge in the query protocol shape', async () => {
    // Act
    const response = await rawRequest(harness.aws.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `Action=Publish&Version=2010-03-31&Message=${'x'.repeat(3 * MIB)}`,
      sign: { service: 'sns' },
    });

    // Assert
    expect(response.status).toBe(413);
    expect(response.body).toMatch(
      /^<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>RequestEntityTooLarge<\/Code>/,
    );
  });
});

describe('slow and abandoned bodies', () => {
  it('answers RequestTimeout when an upload body stops arriving, and removes its temporary file', async () => {
    // Arrange: more than the memory threshold is sent, so the body is already on disk when it stalls.
    const sent = Buffer.alloc(2 * MIB, 1);

    // Act
    const response = await partialPut('stalled.bin', { 'content-length': String(4 * MIB) }, sent, 'wait');

    // Assert
    expect(response).toMatchObject({ status: 400 });
    expect((response as { body: string }).body).toContain(
      '<Code>RequestTimeout</Code><Message>Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.</Message>',
    );
    await eventually(() => (spooled().length === 0 ? true : undefined));
    expect(harness.aws.s3.store.headObject(bucket, 'stalled.bin')).toBeUndefined();
  });

  it('closes the connection when a body to another service stops arriving', async () => {
    // Act
    const outcome = await new Promise<string>((resolve) => {
      const request = http.request(`${harness.aws.url}/`, {
        method: 'POST',
        headers: {
          ...sigV4Headers(harness.aws.url, { method: 'POST' }, { service: 'sns' }),
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': '1000',
        },
      });
      request.on('response', (response) => resolve(`answered ${response.statusCode}`));
      request.on('error', () => resolve('closed'));
      request.on('close', () => resolve('closed'));
      request.write('Action=ListTopics');
    });

    // Assert
    expect(outcome).toBe('closed');
  });

  it('cuts off a download the client stops reading', async () => {
    // Act: the answer's headers are read, then nothing more until the emulator says it gave up.
    const complete = await new Promise<boolean>((resolve, reject) => {
      const path = `/${bucket}/large.bin`;
      const request = http.get(`${harness.aws.url}${path}`, {
        headers: sigV4Headers(harness.aws.url, { path }, signer),
      });
      request.on('response', (response) => {
        response.pause();
        response.on('error', () => undefined);
        response.on('close', () => resolve(response.complete));
        eventually(() => (logged.includes('Answer cut off: the client stopped reading it') ? true : undefined)).then(
          () => response.resume(),
          reject,
        );
      });
      request.on('error', reject);
    });

    // Assert
    expect(complete).toBe(false);
  });

  it('removes the temporary file of an upload whose client goes away mid-body', async () => {
    // Arrange
    const sent = Buffer.alloc(2 * MIB, 2);

    // Act
    const outcome = await partialPut('abandoned.bin', { 'content-length': String(8 * MIB) }, sent, 'abort');

    // Assert
    expect(outcome).toBe('closed');
    await eventually(() => (spooled().length === 0 ? true : undefined));
    expect(harness.aws.s3.store.headObject(bucket, 'abandoned.bin')).toBeUndefined();
  });
});
