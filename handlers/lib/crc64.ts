// Redis's RDB checksum: CRC-64/Jones (reflected polynomial 0x95ac9329ac4bc9b5, init 0, no final xor; check value
// crc64("123456789") = 0xe9c6d914c4b8d9ca), as in redis src/crc64.c. Table-driven slicing-by-16 on 32-bit halves
// (the state is two int32s, so the JIT keeps it in registers: no bigint in the loop), the technique of Redis's own
// crcspeed.c (slicing-by-8 on a 64-bit state) widened to 16 bytes a step. Plus CRC combination, so ranges of an
// object checksummed apart (in parallel) give the whole object's CRC: crc(A ‖ B) = crc(A)·x^(8·|B|) mod P ⊕ crc(B),
// computed as zlib 1.2.12's crc32_combine (multmodp, x2nmodp) does, here on 64 bits (Redis 7.2's crc64_combine is
// the same operation). Pure, no dependencies.

import { CRC64_WASM_BASE64, DATA_BYTES, DATA_OFFSET, TABLES_OFFSET } from './crc64-wasm-module.js';

/** The reflected polynomial of CRC-64/Jones. */
export const CRC64_JONES_POLYNOMIAL = 0x95ac9329ac4bc9b5n;

/** Bytes consumed per step of the main loop. */
const SLICES = 16;

/**
 * TABLE_LO[k * 256 + b] / TABLE_HI[...]: low and high 32 bits of the CRC of byte b followed by k zero bytes
 * (k = 0 is the classic byte table). Slice k is applied to the byte that has 15 - k bytes after it in the step.
 */
const { TABLE_LO, TABLE_HI } = (() => {
  const lo = new Int32Array(SLICES * 256);
  const hi = new Int32Array(SLICES * 256);
  const polyLo = Number(CRC64_JONES_POLYNOMIAL & 0xffffffffn) | 0;
  const polyHi = Number(CRC64_JONES_POLYNOMIAL >> 32n) | 0;
  for (let b = 0; b < 256; b += 1) {
    let cl = b;
    let ch = 0;
    for (let bit = 0; bit < 8; bit += 1) {
      const odd = cl & 1;
      cl = (cl >>> 1) | ((ch & 1) << 31);
      ch >>>= 1;
      if (odd) {
        cl ^= polyLo;
        ch ^= polyHi;
      }
    }
    lo[b] = cl;
    hi[b] = ch;
  }
  for (let k = 1; k < SLICES; k += 1) {
    for (let b = 0; b < 256; b += 1) {
      const pl = lo[(k - 1) * 256 + b] as number;
      const ph = hi[(k - 1) * 256 + b] as number;
      const index = pl & 0xff;
      // (prev >> 8) ^ T0[prev & 0xff]
      lo[k * 256 + b] = ((pl >>> 8) | (ph << 24)) ^ (lo[index] as number);
      hi[k * 256 + b] = (ph >>> 8) ^ (hi[index] as number);
    }
  }
  return { TABLE_LO: lo, TABLE_HI: hi };
})();

/**
 * The WebAssembly slicing-by-16 (scripts/generate-crc64-wasm.ts): a 64-bit state and 64-bit table entries, as
 * crcspeed.c does it in C (there with 8 slices), so half the table loads of the JavaScript loop. Same tables as above.
 * Undefined where WebAssembly is unavailable; the JavaScript loop then does the work.
 */
/** The part of the WebAssembly JavaScript API used here (the project's TypeScript libs do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

const WASM = (() => {
  const api = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
  if (!api) return undefined;
  try {
    const module = new api.Module(Buffer.from(CRC64_WASM_BASE64, 'base64'));
    const instance = new api.Instance(module, {});
    const memory = instance.exports.memory as { buffer: ArrayBuffer };
    const tables = new BigUint64Array(memory.buffer, TABLES_OFFSET, SLICES * 256);
    for (let index = 0; index < SLICES * 256; index += 1) {
      tables[index] = (BigInt((TABLE_HI[index] as number) >>> 0) << 32n) | BigInt((TABLE_LO[index] as number) >>> 0);
    }
    return {
      update: instance.exports.update as (crc: bigint, offset: number, length: number) => bigint,
      data: new Uint8Array(memory.buffer, DATA_OFFSET, DATA_BYTES),
    };
  } catch {
    return undefined;
  }
})();

/** Below this many bytes the copy into WebAssembly memory costs more than it saves. */
const WASM_MIN_BYTES = 512;

/** Which loop computes CRCs here: `wasm`, or `js` where WebAssembly is unavailable. */
export const CRC64_ENGINE: 'wasm' | 'js' = WASM ? 'wasm' : 'js';

/**
 * A running CRC-64/Jones as two 32-bit halves; `update` feeds bytes, `value` is the CRC so far. Feeding the chunks of
 * a stream one by one gives the same value as the whole buffer at once.
 */
export class Crc64 {
  private lo = 0;
  private hi = 0;

  /** Starts from a CRC already computed (of the bytes before), e.g. to continue a checksum. */
  public constructor(initial: bigint = 0n) {
    this.lo = Number(initial & 0xffffffffn) | 0;
    this.hi = Number((initial >> 32n) & 0xffffffffn) | 0;
  }

  public update(data: Uint8Array): this {
    if (WASM && data.length >= WASM_MIN_BYTES) return this.updateWasm(data);
    return this.updateJs(data);
  }

  private updateWasm(data: Uint8Array): this {
    const wasm = WASM as NonNullable<typeof WASM>;
    let crc = this.value();
    for (let at = 0; at < data.length; at += DATA_BYTES) {
      const part = data.subarray(at, at + DATA_BYTES);
      wasm.data.set(part);
      crc = BigInt.asUintN(64, wasm.update(crc, 0, part.length));
    }
    this.lo = Number(crc & 0xffffffffn) | 0;
    this.hi = Number(crc >> 32n) | 0;
    return this;
  }

  /** The JavaScript loop: slicing-by-16 on 32-bit halves. */
  public updateJs(data: Uint8Array): this {
    const tl = TABLE_LO;
    const th = TABLE_HI;
    let lo = this.lo;
    let hi = this.hi;
    let i = 0;
    const n = data.length;
    const end16 = n - (n % 16);
    while (i < end16) {
      // The CRC's 8 bytes are xored into the step's first 8 bytes; the last 8 go in as they are.
      const b0 = (data[i] as number) ^ (lo & 0xff);
      const b1 = (data[i + 1] as number) ^ ((lo >>> 8) & 0xff);
      const b2 = (data[i + 2] as number) ^ ((lo >>> 16) & 0xff);
      const b3 = (data[i + 3] as number) ^ (lo >>> 24);
      const b4 = (data[i + 4] as number) ^ (hi & 0xff);
      const b5 = (data[i + 5] as number) ^ ((hi >>> 8) & 0xff);
      const b6 = (data[i + 6] as number) ^ ((hi >>> 16) & 0xff);
      const b7 = (data[i + 7] as number) ^ (hi >>> 24);
      const i15 = 15 * 256 + b0;
      const i14 = 14 * 256 + b1;
      const i13 = 13 * 256 + b2;
      const i12 = 12 * 256 + b3;
      const i11 = 11 * 256 + b4;
      const i10 = 10 * 256 + b5;
      const i9 = 9 * 256 + b6;
      const i8 = 8 * 256 + b7;
      const i7 = 7 * 256 + (data[i + 8] as number);
      const i6 = 6 * 256 + (data[i + 9] as number);
      const i5 = 5 * 256 + (data[i + 10] as number);
      const i4 = 4 * 256 + (data[i + 11] as number);
      const i3 = 3 * 256 + (data[i + 12] as number);
      const i2 = 2 * 256 + (data[i + 13] as number);
      const i1 = 256 + (data[i + 14] as number);
      const i0 = data[i + 15] as number;
      lo =
        (tl[i15] as number) ^
        (tl[i14] as number) ^
        (tl[i13] as number) ^
        (tl[i12] as number) ^
        (tl[i11] as number) ^
        (tl[i10] as number) ^
        (tl[i9] as number) ^
        (tl[i8] as number) ^
        (tl[i7] as number) ^
        (tl[i6] as number) ^
        (tl[i5] as number) ^
        (tl[i4] as number) ^
        (tl[i3] as number) ^
        (tl[i2] as number) ^
        (tl[i1] as number) ^
        (tl[i0] as number);
      hi =
        (th[i15] as number) ^
        (th[i14] as number) ^
        (th[i13] as number) ^
        (th[i12] as number) ^
        (th[i11] as number) ^
        (th[i10] as number) ^
        (th[i9] as number) ^
        (th[i8] as number) ^
        (th[i7] as number) ^
        (th[i6] as number) ^
        (th[i5] as number) ^
        (th[i4] as number) ^
        (th[i3] as number) ^
        (th[i2] as number) ^
        (th[i1] as number) ^
        (th[i0] as number);
      i += 16;
    }
    while (i < n) {
      const index = ((data[i] as number) ^ lo) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ (tl[index] as number);
      hi = (hi >>> 8) ^ (th[index] as number);
      i += 1;
    }
    this.lo = lo;
    this.hi = hi;
    return this;
  }

  public value(): bigint {
    return (BigInt(this.hi >>> 0) << 32n) | BigInt(this.lo >>> 0);
  }
}

/** The CRC-64/Jones of the bytes (`crc64(Buffer.from('123456789')) === 0xe9c6d914c4b8d9can`). */
export const crc64 = (data: Uint8Array, initial: bigint = 0n): bigint => new Crc64(initial).update(data).value();

/** The bit-at-a-time definition, with bigint: the reference the fast code is tested against. Slow. */
export const crc64Reference = (data: Uint8Array, initial: bigint = 0n): bigint => {
  let crc = initial;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1n ? (crc >> 1n) ^ CRC64_JONES_POLYNOMIAL : crc >> 1n;
  }
  return crc;
};

// ---- Combination (zlib crc32_combine's method on 64 bits) ---------------------------------------------------------

const X0 = 1n << 63n; // x^0 in the reflected representation

/** a·b mod P, both polynomials reflected (zlib's multmodp). */
const multModP = (a: bigint, b: bigint): bigint => {
  let m = X0;
  let p = 0n;
  let bb = b;
  for (;;) {
    if (a & m) {
      p ^= bb;
      if ((a & (m - 1n)) === 0n) break;
    }
    m >>= 1n;
    bb = bb & 1n ? (bb >> 1n) ^ CRC64_JONES_POLYNOMIAL : bb >> 1n;
  }
  return p;
};

/** X2N[k] = x^(2^k) mod P. */
const X2N: bigint[] = (() => {
  const table: bigint[] = [];
  let p = 1n << 62n; // x^1
  for (let k = 0; k < 64; k += 1) {
    table.push(p);
    p = multModP(p, p);
  }
  return table;
})();

/** x^(n·2^k) mod P (zlib's x2nmodp). */
const x2nModP = (n: number, k: number): bigint => {
  let p = X0;
  let rest = BigInt(n);
  let index = k;
  while (rest > 0n) {
    if (rest & 1n) p = multModP(X2N[index & 63] as bigint, p);
    rest >>= 1n;
    index += 1;
  }
  return p;
};

/**
 * The CRC of A ‖ B from crc(A), crc(B) and B's length in bytes (any length a number holds exactly). With init 0 and
 * no final xor this is exact: crc(A ‖ B) = crc(A)·x^(8·|B|) ⊕ crc(B).
 */
export const crc64Combine = (crcA: bigint, crcB: bigint, lengthB: number): bigint => {
  if (!Number.isSafeInteger(lengthB) || lengthB < 0)
    throw new RangeError(`lengthB must be a byte count, got ${lengthB}`);
  if (lengthB === 0) return crcA;
  return multModP(x2nModP(lengthB, 3), crcA) ^ crcB;
};

/** `e9c6d914c4b8d9ca`: 16 lower-case hex digits, as the outcome document shows a checksum. */
export const crc64Hex = (crc: bigint): string => crc.toString(16).padStart(16, '0');
