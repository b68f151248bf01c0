// The compact encodings an RDB file carries inside its strings: listpack (src/listpack.c, RDB 10 and later), ziplist
// (src/ziplist.c, RDB 9 and earlier), intset (src/intset.c), and LZF-compressed strings (src/lzf_d.c, reading only:
// the emulator writes strings uncompressed, which every reader accepts). Each decoder refuses a malformed blob with
// an RdbError saying what is wrong.

export class RdbError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'RdbError';
  }
}

/** Canonical decimal integers as Redis's string2ll accepts them (no sign on 0, no leading zeros, no plus). */
const INTEGER = /^(?:0|-?[1-9]\d{0,18})$/;

export const asInteger = (value: string): bigint | undefined => {
  if (!INTEGER.test(value)) return undefined;
  const number = BigInt(value);
  return number >= -(2n ** 63n) && number < 2n ** 63n ? number : undefined;
};

// listpack

const backlen = (length: number): Buffer => {
  // lpEncodeBacklen: 7 bits a byte, most significant first; every byte after the first carries the 128 bit.
  const bytes: number[] = [];
  let rest = length;
  do {
    bytes.unshift(rest & 127);
    rest >>>= 7;
  } while (rest > 0);
  return Buffer.from(bytes.map((byte, index) => (index > 0 ? byte | 128 : byte)));
};

const listpackInteger = (value: bigint): Buffer => {
  const n = Number(value);
  if (value >= 0n && value <= 127n) return Buffer.from([n]);
  if (value >= -4096n && value <= 4095n) {
    const u = n < 0 ? (1 << 13) + n : n;
    return Buffer.from([0xc0 | (u >> 8), u & 0xff]);
  }
  if (value >= -32768n && value <= 32767n) {
    const buffer = Buffer.alloc(3);
    buffer[0] = 0xf1;
    buffer.writeInt16LE(n, 1);
    return buffer;
  }
  if (value >= -8388608n && value <= 8388607n) {
    const buffer = Buffer.alloc(4);
    buffer[0] = 0xf2;
    buffer.writeIntLE(n, 1, 3);
    return buffer;
  }
  if (value >= -2147483648n && value <= 2147483647n) {
    const buffer = Buffer.alloc(5);
    buffer[0] = 0xf3;
    buffer.writeInt32LE(n, 1);
    return buffer;
  }
  const buffer = Buffer.alloc(9);
  buffer[0] = 0xf4;
  buffer.writeBigInt64LE(value, 1);
  return buffer;
};

const listpackString = (bytes: Buffer): Buffer => {
  if (bytes.length < 64) return Buffer.concat([Buffer.from([0x80 | bytes.length]), bytes]);
  if (bytes.length < 4096)
    return Buffer.concat([Buffer.from([0xe0 | (bytes.length >> 8), bytes.length & 0xff]), bytes]);
  const header = Buffer.alloc(5);
  header[0] = 0xf0;
  header.writeUInt32LE(bytes.length, 1);
  return Buffer.concat([header, bytes]);
};

/** A listpack of the elements, integers encoded as integers as lpAppend does. */
export const encodeListpack = (elements: Buffer[]): Buffer => {
  const entries = elements.map((element) => {
    const integer = asInteger(element.toString('latin1'));
    const body = integer === undefined ? listpackString(element) : listpackInteger(integer);
    return Buffer.concat([body, backlen(body.length)]);
  });
  const total = 6 + entries.reduce((sum, entry) => sum + entry.length, 0) + 1;
  const header = Buffer.alloc(6);
  header.writeUInt32LE(total, 0);
  header.writeUInt16LE(Math.min(elements.length, 65535), 4);
  return Buffer.concat([header, ...entries, Buffer.from([0xff])]);
};

export const decodeListpack = (blob: Buffer): Buffer[] => {
  if (blob.length < 7 || blob.readUInt32LE(0) !== blob.length) {
    throw new RdbError('a listpack whose header does not match its length');
  }
  const elements: Buffer[] = [];
  let at = 6;
  const need = (count: number): void => {
    if (at + count > blob.length - 1) throw new RdbError('a listpack entry runs past its end');
  };
  while (blob[at] !== 0xff) {
    const start = at;
    const byte = blob[at] ?? 0;
    if ((byte & 0x80) === 0) {
      elements.push(Buffer.from(String(byte & 0x7f)));
      at += 1;
    } else if ((byte & 0xc0) === 0x80) {
      const length = byte & 0x3f;
      need(1 + length);
      elements.push(blob.subarray(at + 1, at + 1 + length));
      at += 1 + length;
    } else if ((byte & 0xe0) === 0xc0) {
      need(2);
      let value = ((byte & 0x1f) << 8) | (blob[at + 1] ?? 0);
      if (value >= 1 << 12) value -= 1 << 13;
      elements.push(Buffer.from(String(value)));
      at += 2;
    } else if ((byte & 0xf0) === 0xe0) {
      need(2);
      const length = ((byte & 0x0f) << 8) | (blob[at + 1] ?? 0);
      need(2 + length);
      elements.push(blob.subarray(at + 2, at + 2 + length));
      at += 2 + length;
    } else if (byte === 0xf0) {
      need(5);
      const length = blob.readUInt32LE(at + 1);
      need(5 + length);
      elements.push(blob.subarray(at + 5, at + 5 + length));
      at += 5 + length;
    } else if (byte >= 0xf1 && byte <= 0xf4) {
      const width = { 241: 2, 242: 3, 243: 4, 244: 8 }[byte] ?? 0;
      need(1 + width);
      const value = width === 8 ? blob.readBigInt64LE(at + 1) : BigInt(blob.readIntLE(at + 1, width));
      elements.push(Buffer.from(value.toString()));
      at += 1 + width;
    } else {
      throw new RdbError(`a listpack entry with the unknown encoding 0x${byte.toString(16)}`);
    }
    const expected = backlen(at - start);
    if (!blob.subarray(at, at + expected.length).equals(expected)) {
      throw new RdbError('a listpack entry whose back-length does not match it');
    }
    at += expected.length;
    if (at >= blob.length) throw new RdbError('a listpack without its end marker');
  }
  const count = blob.readUInt16LE(4);
  if (count !== 65535 && count !== elements.length) {
    throw new RdbError(`a listpack that says ${count} elements but holds ${elements.length}`);
  }
  return elements;
};

// ziplist (RDB 9 and earlier: hashes, sorted sets and quicklist nodes). Written with string entries only, which
// ziplistValidateIntegrity accepts; read with every encoding.

export const encodeZiplist = (elements: Buffer[]): Buffer => {
  const entries: Buffer[] = [];
  let previous = 0;
  let tail = 10;
  let offset = 10;
  for (const element of elements) {
    const prevlen =
      previous < 254
        ? Buffer.from([previous])
        : (() => {
            const buffer = Buffer.alloc(5);
            buffer[0] = 0xfe;
            buffer.writeUInt32LE(previous, 1);
            return buffer;
          })();
    let encoding: Buffer;
    if (element.length <= 63) encoding = Buffer.from([element.length]);
    else if (element.length <= 16383) encoding = Buffer.from([0x40 | (element.length >> 8), element.length & 0xff]);
    else {
      encoding = Buffer.alloc(5);
      encoding[0] = 0x80;
      encoding.writeUInt32BE(element.length, 1);
    }
    const entry = Buffer.concat([prevlen, encoding, element]);
    entries.push(entry);
    tail = offset;
    offset += entry.length;
    previous = entry.length;
  }
  const header = Buffer.alloc(10);
  header.writeUInt32LE(offset + 1, 0);
  header.writeUInt32LE(tail, 4);
  header.writeUInt16LE(Math.min(elements.length, 65535), 8);
  return Buffer.concat([header, ...entries, Buffer.from([0xff])]);
};

export const decodeZiplist = (blob: Buffer): Buffer[] => {
  if (blob.length < 11 || blob.readUInt32LE(0) !== blob.length) {
    throw new RdbError('a ziplist whose header does not match its length');
  }
  const elements: Buffer[] = [];
  let at = 10;
  const need = (count: number): void => {
    if (at + count > blob.length - 1) throw new RdbError('a ziplist entry runs past its end');
  };
  while (blob[at] !== 0xff) {
    at += blob[at] === 0xfe ? 5 : 1;
    need(1);
    const byte = blob[at] ?? 0;
    const kind = byte >> 6;
    if (kind === 0) {
      need(1 + byte);
      elements.push(blob.subarray(at + 1, at + 1 + byte));
      at += 1 + byte;
    } else if (kind === 1) {
      need(2);
      const length = ((byte & 0x3f) << 8) | (blob[at + 1] ?? 0);
      need(2 + length);
      elements.push(blob.subarray(at + 2, at + 2 + length));
      at += 2 + length;
    } else if (byte === 0x80) {
      need(5);
      const length = blob.readUInt32BE(at + 1);
      need(5 + length);
      elements.push(blob.subarray(at + 5, at + 5 + length));
      at += 5 + length;
    } else {
      const widths: Record<number, number> = { 192: 2, 208: 4, 224: 8, 240: 3, 254: 1 };
      let value: bigint;
      if (byte >= 0xf1 && byte <= 0xfd) {
        value = BigInt((byte & 0x0f) - 1);
        at += 1;
      } else {
        const width = widths[byte];
        if (width === undefined) throw new RdbError(`a ziplist entry with the unknown encoding 0x${byte.toString(16)}`);
        need(1 + width);
        value = width === 8 ? blob.readBigInt64LE(at + 1) : BigInt(blob.readIntLE(at + 1, width));
        at += 1 + width;
      }
      elements.push(Buffer.from(value.toString()));
    }
    if (at >= blob.length) throw new RdbError('a ziplist without its end marker');
  }
  return elements;
};

// intset

export const encodeIntset = (members: bigint[]): Buffer => {
  const sorted = [...members].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const fits = (bits: bigint): boolean =>
    sorted.every((value) => value >= -(2n ** (bits - 1n)) && value < 2n ** (bits - 1n));
  const width = fits(16n) ? 2 : fits(32n) ? 4 : 8;
  const buffer = Buffer.alloc(8 + width * sorted.length);
  buffer.writeUInt32LE(width, 0);
  buffer.writeUInt32LE(sorted.length, 4);
  sorted.forEach((value, index) => {
    const at = 8 + index * width;
    if (width === 8) buffer.writeBigInt64LE(value, at);
    else buffer.writeIntLE(Number(value), at, width);
  });
  return buffer;
};

export const decodeIntset = (blob: Buffer): Buffer[] => {
  if (blob.length < 8) throw new RdbError('an intset shorter than its header');
  const width = blob.readUInt32LE(0);
  const count = blob.readUInt32LE(4);
  if (![2, 4, 8].includes(width) || blob.length !== 8 + width * count) {
    throw new RdbError('an intset whose header does not match its length');
  }
  return Array.from({ length: count }, (_, index) => {
    const at = 8 + index * width;
    const value = width === 8 ? blob.readBigInt64LE(at) : BigInt(blob.readIntLE(at, width));
    return Buffer.from(value.toString());
  });
};

/** LZF decompression (src/lzf_d.c), for strings a real server wrote compressed. */
export const lzfDecompress = (input: Buffer, length: number): Buffer => {
  const output = Buffer.alloc(length);
  let at = 0;
  let out = 0;
  while (at < input.length) {
    const control = input[at++] ?? 0;
    if (control < 32) {
      const run = control + 1;
      if (out + run > length || at + run > input.length) throw new RdbError('an LZF string that overruns its length');
      input.copy(output, out, at, at + run);
      at += run;
      out += run;
    } else {
      let run = control >> 5;
      let back = out - ((control & 0x1f) << 8) - 1;
      if (run === 7) run += input[at++] ?? 0;
      back -= input[at++] ?? 0;
      run += 2;
      if (back < 0 || out + run > length) throw new RdbError('an LZF string with a bad back reference');
      for (let index = 0; index < run; index += 1) output[out++] = output[back++] ?? 0;
    }
  }
  if (out !== length) throw new RdbError('an LZF string shorter than its stated length');
  return output;
};
