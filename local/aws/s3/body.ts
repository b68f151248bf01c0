// S3 request bodies. Uploads are consumed as streams, never held whole: `Content-Encoding: aws-chunked` (the SDK's
// streaming uploads, with trailing checksums) is decoded incrementally, the MD5 (ETag), CRC32 and any SHA-1/SHA-256
// the client sent are computed while the bytes go to a temporary file, and the checks run once it is complete; the
// file is then renamed into place by the store. The small XML and JSON bodies of the other operations are read from
// memory; one the server had to spool to disk (over its in-memory threshold) is refused as too big.
import { createHash, type Hash } from 'node:crypto';
import fs from 'node:fs';
import { Readable, Transform, type TransformCallback, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { AwsError } from '../errors.js';
import type { AwsRequest } from '../types.js';
import { parseXml, type XmlNode } from '../xml.js';
import { malformedXml } from './errors.js';
import type { ObjectContent, S3Store } from './store.js';

/** The largest object a single PUT may upload: 5 GiB (https://docs.aws.amazon.com/AmazonS3/latest/userguide/upload-objects.html). */
export const MAX_PUT_OBJECT_BYTES = 5 * 1024 ** 3;

/** EntityTooLarge as S3 sends it, with the sizes it reports. */
export const entityTooLarge = (proposedSize: number): AwsError =>
  new AwsError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400, {
    fields: { ProposedSize: String(proposedSize), MaxSizeAllowed: String(MAX_PUT_OBJECT_BYTES) },
  });

/**
 * The body of an operation that takes a small document (ACL, policy, ownership controls, DeleteObjects). One the
 * server spooled to disk is over its in-memory threshold, far above what these operations accept: S3 answers such a
 * request with MaxMessageLengthExceeded ("Your request was too big.", S3 error code list).
 */
export const requestBodyOf = (request: AwsRequest): Buffer => {
  if (request.bodyFile) throw new AwsError('MaxMessageLengthExceeded', 'Your request was too big.', 400);
  return request.body;
};

export const parseXmlBody = (request: AwsRequest): XmlNode => {
  const body = requestBodyOf(request);
  try {
    return parseXml(body);
  } catch {
    throw malformedXml();
  }
};

// ------------------------------------------------------------------------------------------------ aws-chunked

const incompleteBody = (): AwsError => new AwsError('IncompleteBody', 'The request body terminated unexpectedly', 400);

/** A chunk-size line (`<hex size>;chunk-signature=<64 hex>\r\n`) is short; anything longer is not aws-chunked. */
const MAX_SIZE_LINE_BYTES = 4096;
/** The trailer section carries a checksum or two (and a trailer signature). */
const MAX_TRAILER_BYTES = 16 * 1024;

/**
 * An incremental decoder of `aws-chunked`: `<hex size>[;chunk-signature=…]\r\n<data>\r\n … 0\r\n<trailer>:<value>\r\n\r\n`.
 * Bytes can arrive split anywhere; memory is bounded by the line and trailer limits, whatever the body's size.
 * Chunk signatures are not verified (the emulator verifies no signature).
 */
export class AwsChunkedParser {
  private state: 'size' | 'data' | 'data-end' | 'trailer' = 'size';
  private line: Buffer[] = [];
  private lineBytes = 0;
  private remaining = 0;
  private trailerText = '';
  /** Trailing headers (names lowercased), once `end` has been called. */
  public readonly trailers: Record<string, string> = Object.create(null) as Record<string, string>;

  /** Feeds raw bytes; `emit` receives each run of decoded content, in order. */
  public write(chunk: Buffer, emit: (data: Buffer) => void): void {
    let position = 0;
    while (position < chunk.length) {
      if (this.state === 'data') {
        const take = Math.min(this.remaining, chunk.length - position);
        emit(chunk.subarray(position, position + take));
        position += take;
        this.remaining -= take;
        if (this.remaining === 0) {
          this.state = 'data-end';
          this.remaining = 2;
        }
      } else if (this.state === 'data-end') {
        // The CRLF that closes a chunk's data.
        const take = Math.min(this.remaining, chunk.length - position);
        position += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = 'size';
      } else if (this.state === 'size') {
        const newline = chunk.indexOf(0x0a, position);
        const end = newline === -1 ? chunk.length : newline + 1;
        this.line.push(chunk.subarray(position, end));
        this.lineBytes += end - position;
        position = end;
        if (this.lineBytes > MAX_SIZE_LINE_BYTES) throw incompleteBody();
        if (newline !== -1) this.sizeLine(Buffer.concat(this.line).toString('latin1'));
      } else {
        this.trailerText += chunk.subarray(position).toString('latin1');
        position = chunk.length;
        if (this.trailerText.length > MAX_TRAILER_BYTES) throw incompleteBody();
      }
    }
  }

  /** The body has ended: it must have reached the last (zero-size) chunk. */
  public end(): void {
    if (this.state !== 'trailer') throw incompleteBody();
    for (const line of this.trailerText.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) this.trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }

  private sizeLine(text: string): void {
    this.line = [];
    this.lineBytes = 0;
    if (!text.endsWith('\r\n')) throw incompleteBody();
    const sizeText = text.slice(0, -2).split(';')[0]?.trim() ?? '';
    if (!/^[0-9a-fA-F]{1,15}$/.test(sizeText)) throw incompleteBody();
    const size = Number.parseInt(sizeText, 16);
    if (size === 0) {
      this.state = 'trailer';
    } else {
      this.state = 'data';
      this.remaining = size;
    }
  }
}

/** Decodes a whole aws-chunked body held in memory. */
export const decodeAwsChunked = (body: Buffer): { data: Buffer; trailers: Record<string, string> } => {
  const parser = new AwsChunkedParser();
  const chunks: Buffer[] = [];
  parser.write(body, (data) => chunks.push(data));
  parser.end();
  return { data: Buffer.concat(chunks), trailers: parser.trailers };
};

class AwsChunkedDecoder extends Transform {
  public readonly parser = new AwsChunkedParser();

  public override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    try {
      this.parser.write(chunk, (data) => this.push(data));
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  public override _flush(done: TransformCallback): void {
    try {
      this.parser.end();
      done();
    } catch (error) {
      done(error as Error);
    }
  }
}

// ------------------------------------------------------------------------------------------------ digests

/** Base64 big-endian CRC32, as S3's x-amz-checksum-crc32 carries it. */
const crc32Base64 = (crc: number): string => {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(crc >>> 0);
  return buffer.toString('base64');
};

/** Passes bytes through, counting them and computing the digests S3 checks, and stops past the size limit. */
class DigestTap extends Transform {
  public size = 0;
  private readonly md5 = createHash('md5');
  private crc = 0;
  public readonly sha1: Hash | undefined;
  public readonly sha256: Hash | undefined;

  public constructor(options: { sha1: boolean; sha256: boolean }) {
    super();
    this.sha1 = options.sha1 ? createHash('sha1') : undefined;
    this.sha256 = options.sha256 ? createHash('sha256') : undefined;
  }

  public override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > MAX_PUT_OBJECT_BYTES) {
      done(entityTooLarge(this.size));
      return;
    }
    this.md5.update(chunk);
    this.crc = zlib.crc32(chunk, this.crc);
    this.sha1?.update(chunk);
    this.sha256?.update(chunk);
    done(null, chunk);
  }

  public content(): ObjectContent {
    return { size: this.size, md5Hex: this.md5.digest('hex'), crc32: crc32Base64(this.crc) };
  }
}

// ------------------------------------------------------------------------------------------------ uploads

/** Each flexible checksum S3 accepts, with the length of its digest in bytes. */
const CHECKSUM_BYTES: Readonly<Record<string, number>> = { crc32: 4, crc32c: 4, crc64nvme: 8, sha1: 20, sha256: 32 };

/** Whether a checksum value is the base64 of a digest of the algorithm's length (values are echoed as headers). */
const isChecksumValue = (value: string, bytes: number): boolean => {
  const digest = Buffer.from(value, 'base64');
  return digest.length === bytes && digest.toString('base64') === value;
};

export const isAwsChunked = (headers: Record<string, string>): boolean => {
  const encodings = (headers['content-encoding'] ?? '').split(',').map((e) => e.trim());
  return encodings.includes('aws-chunked') || (headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
};

/** An upload written to a temporary file and checked: move `file` into place or remove it. */
export interface Upload {
  file: string;
  content: ObjectContent;
  /** The flexible checksums the client sent (validated), to echo back. */
  checksums: Record<string, string>;
}

/** A payload hash signed in `x-amz-content-sha256` (hex), as opposed to UNSIGNED-PAYLOAD or STREAMING-…. */
const signedPayloadHash = (headers: Record<string, string>): string | undefined => {
  const value = headers['x-amz-content-sha256']?.toLowerCase();
  return value !== undefined && /^[0-9a-f]{64}$/.test(value) ? value : undefined;
};

/** Whether a digest may be needed: sent as a header, or announced (or possibly sent) as a trailer. */
const mayNeed = (headers: Record<string, string>, chunked: boolean, algorithm: string): boolean => {
  if (headers[`x-amz-checksum-${algorithm}`] !== undefined) return true;
  if (algorithm === 'sha256' && signedPayloadHash(headers) !== undefined) return true;
  if (!chunked) return false;
  const announced = headers['x-amz-trailer'];
  return announced === undefined || announced.toLowerCase().includes(`x-amz-checksum-${algorithm}`);
};

/**
 * Streams a PutObject body to a temporary file: aws-chunked decoded, digests computed on the way, then Content-MD5
 * and the flexible checksums checked. A body the server spooled that needs no decoding is hashed where it lies
 * and becomes the object file itself (no copy). On any failure the temporary file is gone.
 */
export const receiveUpload = async (request: AwsRequest, store: S3Store): Promise<Upload> => {
  const { headers } = request;
  const chunked = isAwsChunked(headers);
  const tap = new DigestTap({ sha1: mayNeed(headers, chunked, 'sha1'), sha256: mayNeed(headers, chunked, 'sha256') });
  const source = request.bodyFile ? fs.createReadStream(request.bodyFile.path) : Readable.from([request.body]);
  let file: string;
  let trailers: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!chunked && request.bodyFile) {
    file = request.bodyFile.path;
    await pipeline(source, tap, new Writable({ write: (_chunk, _encoding, done) => done() }));
  } else {
    file = store.temporaryFile();
    try {
      if (chunked) {
        const decoder = new AwsChunkedDecoder();
        await pipeline(source, decoder, tap, fs.createWriteStream(file, { flags: 'wx' }));
        trailers = decoder.parser.trailers;
      } else {
        await pipeline(source, tap, fs.createWriteStream(file, { flags: 'wx' }));
      }
    } catch (error) {
      fs.rmSync(file, { force: true });
      throw error;
    }
  }
  try {
    const content = tap.content();
    return { file, content, checksums: checkUpload(headers, chunked, trailers, tap, content) };
  } catch (error) {
    fs.rmSync(file, { force: true });
    throw error;
  }
};

/** The checks S3 makes once the body is in: decoded length, checksum values, then each digest. */
const checkUpload = (
  headers: Record<string, string>,
  chunked: boolean,
  trailers: Record<string, string>,
  tap: DigestTap,
  content: ObjectContent,
): Record<string, string> => {
  const decodedLength = headers['x-amz-decoded-content-length'];
  if (chunked && decodedLength !== undefined && Number(decodedLength) !== content.size) {
    throw new AwsError(
      'IncompleteBody',
      'You did not provide the number of bytes specified by the Content-Length HTTP header',
      400,
    );
  }
  const sha256 = tap.sha256?.digest();
  const payloadHash = signedPayloadHash(headers);
  if (payloadHash !== undefined && sha256 !== undefined && payloadHash !== sha256.toString('hex')) {
    // The payload hash the SigV4 signature covers: checked against the body, as S3 does (the signature is not).
    // The two extra elements are those S3 sends (recalled from its answers, not documented).
    throw new AwsError(
      'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
      400,
      { fields: { ClientComputedContentSHA256: payloadHash, S3ComputedContentSHA256: sha256.toString('hex') } },
    );
  }
  const checksums: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(CHECKSUM_BYTES)) {
    const value = trailers[`x-amz-checksum-${name}`] ?? headers[`x-amz-checksum-${name}`];
    if (!value) continue;
    if (!isChecksumValue(value, bytes)) {
      throw new AwsError('InvalidRequest', `Value for x-amz-checksum-${name} header is invalid.`, 400);
    }
    checksums[name] = value;
  }
  const mismatch = (algorithm: string): AwsError =>
    new AwsError('BadDigest', `The ${algorithm} you specified did not match the calculated checksum.`, 400);
  if (checksums.crc32 !== undefined && checksums.crc32 !== content.crc32) throw mismatch('CRC32');
  // A digest not computed was neither sent as a header nor announced as a trailer: S3 requires x-amz-trailer to
  // name a trailing checksum, so such a trailer is left unverified (assumed; the SDK always announces it).
  const sha1 = tap.sha1?.digest('base64');
  if (checksums.sha1 !== undefined && sha1 !== undefined && checksums.sha1 !== sha1) throw mismatch('SHA1');
  if (checksums.sha256 !== undefined && sha256 !== undefined && checksums.sha256 !== sha256.toString('base64')) {
    throw mismatch('SHA256');
  }
  const md5 = headers['content-md5'];
  if (md5 !== undefined && md5 !== Buffer.from(content.md5Hex, 'hex').toString('base64')) {
    throw new AwsError('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400);
  }
  return checksums;
};
