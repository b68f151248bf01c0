// Receiving request bodies with bounded memory and time. A body is read into memory up to a threshold; past it (S3
// only) the rest streams to a temporary file in the data folder, with backpressure, so a 5 GiB upload costs the
// process a few chunks of memory, not 5 GiB. A body over the service's limit is refused as soon as it is known to be
// (from Content-Length, or while it arrives); a body that stops arriving for `idleTimeoutMs` is given up; a client
// that goes away mid-body is noticed. The temporary file is removed on every one of those paths, and the caller
// removes it after the answer (a service may have renamed it into place).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import type { SpooledBody } from './types.js';

/** Why a body was not received: too large, stalled, the client went away, or the temporary file failed. */
export class BodyError extends Error {
  public constructor(
    public readonly reason: 'too-large' | 'timeout' | 'aborted' | 'io',
    /** Bytes known so far (Content-Length when it announced too many). */
    public readonly size: number,
    options?: ErrorOptions,
  ) {
    super(`Request body not received: ${reason}`, options);
    this.name = 'BodyError';
  }
}

export interface BodyOptions {
  /** The largest body accepted. */
  maxBytes: number;
  /** Past this many bytes the body goes to a file in `spoolDir`; without a `spoolDir` it stays in memory. */
  memoryBytes: number;
  spoolDir?: string;
  /** Longest wait for the next bytes of the body. */
  idleTimeoutMs: number;
  /** Called once the body is to be read (not for one refused from its Content-Length): `100 Continue` goes here. */
  beforeReading?: () => void;
}

export interface ReceivedBody {
  /** The body when it stayed in memory; empty when spooled. */
  body: Buffer;
  file?: SpooledBody;
}

const EMPTY = Buffer.alloc(0);

export const receiveBody = (incoming: http.IncomingMessage, options: BodyOptions): Promise<ReceivedBody> =>
  new Promise((resolve, reject) => {
    const announced = Number(incoming.headers['content-length'] ?? Number.NaN);
    if (Number.isFinite(announced) && announced > options.maxBytes) {
      reject(new BodyError('too-large', announced));
      return;
    }
    options.beforeReading?.();
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    let spool: { path: string; stream: fs.WriteStream } | undefined;

    const cleanUp = (): void => {
      clearTimeout(timer);
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('close', onClose);
      incoming.off('error', onError);
    };
    const fail = (error: BodyError): void => {
      if (settled) return;
      settled = true;
      cleanUp();
      chunks.length = 0;
      if (spool) {
        const file = spool.path;
        spool.stream.destroy();
        // After the stream has let go of the file (a write may still be in flight).
        spool.stream.once('close', () => fs.rm(file, { force: true }, () => undefined));
        fs.rm(file, { force: true }, () => undefined);
      }
      // Stop reading: the answer (if any) is written and the connection closed by the caller.
      incoming.pause();
      reject(error);
    };
    const timer = setTimeout(() => fail(new BodyError('timeout', size)), options.idleTimeoutMs);
    // The connection keeps the process alive while it is open; its idle timer alone must not (a stopped emulator
    // would otherwise hold the process for the whole timeout).
    timer.unref();

    const startSpool = (dir: string): void => {
      const file = path.join(dir, randomUUID());
      const stream = fs.createWriteStream(file, { flags: 'wx' });
      stream.on('error', (error) => fail(new BodyError('io', size, { cause: error })));
      // Refreshing here too: a slow disk is not a stalled client.
      stream.on('drain', () => {
        timer.refresh();
        incoming.resume();
      });
      spool = { path: file, stream };
      for (const chunk of chunks) stream.write(chunk);
      chunks.length = 0;
    };

    const onData = (chunk: Buffer): void => {
      if (settled) return;
      timer.refresh();
      size += chunk.length;
      if (size > options.maxBytes) {
        fail(new BodyError('too-large', size));
        return;
      }
      if (!spool && options.spoolDir !== undefined && size > options.memoryBytes) startSpool(options.spoolDir);
      if (spool) {
        if (!spool.stream.write(chunk)) incoming.pause();
      } else {
        chunks.push(chunk);
      }
    };
    const onEnd = (): void => {
      if (settled) return;
      if (!spool) {
        settled = true;
        cleanUp();
        resolve({ body: chunks.length === 0 ? EMPTY : Buffer.concat(chunks) });
        return;
      }
      const finished = spool;
      clearTimeout(timer);
      finished.stream.end(() => {
        if (settled) return;
        settled = true;
        cleanUp();
        resolve({ body: EMPTY, file: { path: finished.path, size } });
      });
    };
    const onClose = (): void => {
      // `close` without a complete message: the client went away mid-body.
      if (!incoming.complete) fail(new BodyError('aborted', size));
    };
    const onError = (error: Error): void => fail(new BodyError('aborted', size, { cause: error }));

    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('close', onClose);
    incoming.on('error', onError);
  });
