import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { CRC64_ENGINE, Crc64, crc64, crc64Combine, crc64Hex, crc64Reference } from '../../../handlers/lib/crc64';
import { CRC64_WASM_BASE64 } from '../../../handlers/lib/crc64-wasm-module';
import { crc64WasmBytes } from '../../../scripts/generate-crc64-wasm';

describe('crc64 (CRC-64/Jones, as Redis computes RDB checksums)', () => {
  it('gives the check value of redis src/crc64.c for "123456789"', () => {
    expect(crc64Hex(crc64(Buffer.from('123456789')))).toBe('e9c6d914c4b8d9ca');
    expect(crc64Hex(crc64Reference(Buffer.from('123456789')))).toBe('e9c6d914c4b8d9ca');
  });

  it('is 0 for no bytes', () => {
    expect(crc64(Buffer.alloc(0))).toBe(0n);
  });

  it('matches the bit-at-a-time reference on every length around the 16-byte step', () => {
    for (let length = 0; length <= 70; length += 1) {
      const data = randomBytes(length);
      expect({ length, crc: crc64(data) }).toEqual({ length, crc: crc64Reference(data) });
    }
  });

  it('matches the reference on arbitrary bytes, read at any offset of a larger buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(7), (bytes, offset) => {
        const padded = new Uint8Array(bytes.length + offset);
        padded.set(bytes, offset);
        expect(crc64(padded.subarray(offset))).toBe(crc64Reference(bytes));
      }),
    );
  });

  it('gives the same value fed in chunks of any sizes as in one piece', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 500 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 30 }),
        (bytes, cuts) => {
          const running = new Crc64();
          let at = 0;
          for (const cut of cuts) {
            running.update(bytes.subarray(at, at + cut));
            at += cut;
          }
          running.update(bytes.subarray(Math.min(at, bytes.length)));
          expect(running.value()).toBe(crc64(bytes));
        },
      ),
    );
  });

  it('computes with the WebAssembly loop, which agrees with the JavaScript one across its 1 MiB copy window', () => {
    expect(CRC64_ENGINE).toBe('wasm');
    for (const length of [512, 513, 1000, 1024 * 1024 - 1, 1024 * 1024 + 17, 2 * 1024 * 1024 + 3]) {
      const data = randomBytes(length);
      expect({ length, crc: crc64(data) }).toEqual({ length, crc: new Crc64().updateJs(data).value() });
    }
  });

  it('ships the module scripts/generate-crc64-wasm.ts assembles', () => {
    expect(CRC64_WASM_BASE64).toBe(crc64WasmBytes().toString('base64'));
  });

  it('continues from a given CRC as if the earlier bytes had been fed', () => {
    const a = randomBytes(100);
    const b = randomBytes(37);
    expect(crc64(b, crc64(a))).toBe(crc64(Buffer.concat([a, b])));
  });
});

describe('crc64Combine', () => {
  it('gives the CRC of the concatenation from the CRCs of the parts (zlib crc32_combine on 64 bits)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.uint8Array({ maxLength: 400 }), (a, b) => {
        expect(crc64Combine(crc64(a), crc64(b), b.length)).toBe(crc64(Buffer.concat([a, b])));
      }),
    );
  });

  it('combines many ranges in order into the whole CRC, as parallel ranged reads do', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 120 }), { minLength: 1, maxLength: 12 }), (parts) => {
        const combined = parts.reduce((whole, part) => crc64Combine(whole, crc64(part), part.length), 0n);
        expect(combined).toBe(crc64(Buffer.concat(parts)));
      }),
    );
  });

  it('handles a second part of many gigabytes, as a large shard has (zeros: their CRC is 0)', () => {
    // crc(A ‖ 0^n) is crc(A) advanced over n zero bytes, which the reference computes directly for a small n.
    const a = randomBytes(50);
    const zeros = Buffer.alloc(4096);
    expect(crc64Combine(crc64(a), 0n, zeros.length)).toBe(crc64(Buffer.concat([a, zeros])));
    // And for 5 GiB, combining twice 2.5 GiB gives the same as once 5 GiB.
    const half = 2.5 * 1024 ** 3;
    expect(crc64Combine(crc64Combine(crc64(a), 0n, half), 0n, half)).toBe(crc64Combine(crc64(a), 0n, 2 * half));
  });

  it('refuses a length that is not a byte count', () => {
    expect(() => crc64Combine(1n, 2n, -1)).toThrow(RangeError);
    expect(() => crc64Combine(1n, 2n, 1.5)).toThrow(RangeError);
  });
});
