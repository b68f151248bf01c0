// Writes handlers/lib/crc64-wasm-module.ts: a WebAssembly module, assembled byte by byte here, for CRC-64/Jones by
// slicing-by-16 on a 64-bit state (the loop of Redis's crcspeed.c, crcspeed64little, 16 bytes a step instead of 8:
// two independent table lookups chains halve the dependency on the running CRC). No toolchain needed: the
// opcodes are those of the WebAssembly core specification (binary format, section 5). Run it after changing this
// file, and commit both:  node --import tsx scripts/generate-crc64-wasm.ts
//
// Memory (exported as `memory`, 17 pages): bytes 0..32767 hold the sixteen 256-entry i64 tables (table k at k * 2048,
// the CRC of a byte followed by k zero bytes, written by the caller), bytes 65536.. the data to checksum (at most 1 MiB per call).
// `update(crc: i64, offset: i32, length: i32) -> i64` returns the CRC after `length` bytes at DATA_OFFSET + offset.
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export const TABLES_OFFSET = 0;
export const DATA_OFFSET = 65536;
export const DATA_BYTES = 1024 * 1024;
const PAGES = (DATA_OFFSET + DATA_BYTES) / 65536;

const uleb = (value: number): number[] => {
  const bytes: number[] = [];
  let rest = value;
  do {
    let byte = rest & 0x7f;
    rest >>>= 7;
    if (rest !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (rest !== 0);
  return bytes;
};

/** Signed LEB128 of a small non-negative constant. */
const sleb = (value: number): number[] => {
  const bytes: number[] = [];
  let rest = value;
  for (;;) {
    const byte = rest & 0x7f;
    rest >>= 7;
    if (rest === 0 && (byte & 0x40) === 0) {
      bytes.push(byte);
      return bytes;
    }
    bytes.push(byte | 0x80);
  }
};

const name = (text: string): number[] => [...uleb(text.length), ...Buffer.from(text)];
const section = (id: number, content: number[]): number[] => [id, ...uleb(content.length), ...content];
const vector = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];

// Opcodes (WebAssembly core specification, 5.4 Instructions).
const op = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  i64Load: 0x29,
  i64Load8U: 0x31,
  i32Const: 0x41,
  i64Const: 0x42,
  i32Eqz: 0x45,
  i32LtU: 0x49,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Shl: 0x74,
  i32And: 0x71,
  i32ShrU: 0x76,
  i64And: 0x83,
  i64Xor: 0x85,
  i64ShrU: 0x88,
  i32WrapI64: 0xa7,
  void: 0x40,
} as const;
const CRC = 0;
const OFFSET = 1;
const LENGTH = 2;
const WORD = 3;
const NEXT = 4;
// The two words' 32-bit halves: the table indexes are taken from them with one shift and one mask each.
const WORD_LO = 5;
const WORD_HI = 6;
const NEXT_LO = 7;
const NEXT_HI = 8;

/** table[k][(x >> shift) & 0xff] pushed: the index scaled by 8 and the table's place as the load's static offset. */
const lookup = (local: number, shift: number, table: number): number[] => [
  op.localGet,
  local,
  ...(shift > 0 ? [op.i64Const, ...sleb(shift), op.i64ShrU] : []),
  ...(shift < 56 ? [op.i64Const, ...sleb(255), op.i64And] : []),
  op.i32WrapI64,
  op.i32Const,
  3,
  op.i32Shl,
  op.i64Load,
  3,
  ...uleb(TABLES_OFFSET + table * 2048),
];

/** table[k][byte of a 32-bit half] pushed: ((half >>> (8·byte − 3)) & 0x7f8) is the byte already scaled by 8. */
const lookup32 = (local: number, byte: number, table: number): number[] => [
  op.localGet,
  local,
  ...(byte === 0 ? [op.i32Const, 3, op.i32Shl] : [op.i32Const, ...sleb(8 * byte - 3), op.i32ShrU]),
  op.i32Const,
  ...sleb(0x7f8),
  op.i32And,
  op.i64Load,
  3,
  ...uleb(TABLES_OFFSET + table * 2048),
];

/** Splits an i64 local into two i32 locals. */
const halves = (word: number, lo: number, hi: number): number[] => [
  op.localGet,
  word,
  op.i32WrapI64,
  op.localSet,
  lo,
  op.localGet,
  word,
  op.i64Const,
  32,
  op.i64ShrU,
  op.i32WrapI64,
  op.localSet,
  hi,
];

const advance = (bytes: number): number[] => [
  op.localGet,
  OFFSET,
  op.i32Const,
  ...sleb(bytes),
  op.i32Add,
  op.localSet,
  OFFSET,
  op.localGet,
  LENGTH,
  op.i32Const,
  ...sleb(bytes),
  op.i32Sub,
  op.localSet,
  LENGTH,
];

const body = [
  ...vector([
    [2, 0x7e],
    [4, 0x7f],
  ]), // locals: WORD and NEXT (i64), their halves (i32)
  // while (length >= 16): word = crc ^ load64(data), next = load64(data + 8);
  //   crc = T15[word b0] ^ ... ^ T8[word b7] ^ T7[next b0] ^ ... ^ T0[next b7]
  op.block,
  op.void,
  op.loop,
  op.void,
  op.localGet,
  LENGTH,
  op.i32Const,
  16,
  op.i32LtU,
  op.brIf,
  1,
  op.localGet,
  CRC,
  op.localGet,
  OFFSET,
  op.i64Load,
  3,
  ...uleb(DATA_OFFSET),
  op.i64Xor,
  op.localSet,
  WORD,
  op.localGet,
  OFFSET,
  op.i64Load,
  3,
  ...uleb(DATA_OFFSET + 8),
  op.localSet,
  NEXT,
  ...halves(WORD, WORD_LO, WORD_HI),
  ...halves(NEXT, NEXT_LO, NEXT_HI),
  ...Array.from({ length: 8 }, (_, byte) => [
    ...lookup32(byte < 4 ? WORD_LO : WORD_HI, byte % 4, 15 - byte),
    ...(byte > 0 ? [op.i64Xor] : []),
  ]).flat(),
  ...Array.from({ length: 8 }, (_, byte) => [
    ...lookup32(byte < 4 ? NEXT_LO : NEXT_HI, byte % 4, 7 - byte),
    op.i64Xor,
  ]).flat(),
  op.localSet,
  CRC,
  ...advance(16),
  op.br,
  0,
  op.end,
  op.end,
  // while (length > 0): crc = T0[(crc ^ byte) & 0xff] ^ (crc >> 8)
  op.block,
  op.void,
  op.loop,
  op.void,
  op.localGet,
  LENGTH,
  op.i32Eqz,
  op.brIf,
  1,
  op.localGet,
  CRC,
  op.localGet,
  OFFSET,
  op.i64Load8U,
  0,
  ...uleb(DATA_OFFSET),
  op.i64Xor,
  op.localSet,
  WORD,
  ...lookup(WORD, 0, 0),
  op.localGet,
  CRC,
  op.i64Const,
  8,
  op.i64ShrU,
  op.i64Xor,
  op.localSet,
  CRC,
  ...advance(1),
  op.br,
  0,
  op.end,
  op.end,
  op.localGet,
  CRC,
  op.end,
];

export const crc64WasmBytes = (): Buffer =>
  Buffer.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vector([[0x60, ...vector([[0x7e], [0x7f], [0x7f]]), ...vector([[0x7e]])]])), // (i64 i32 i32) -> i64
    ...section(3, vector([[0]])),
    ...section(5, vector([[0x00, ...uleb(PAGES)]])),
    ...section(
      7,
      vector([
        [...name('memory'), 0x02, 0],
        [...name('update'), 0x00, 0],
      ]),
    ),
    ...section(10, vector([[...uleb(body.length), ...body]])),
  ]);

if (require.main === module) {
  const target = path.join(__dirname, '..', 'handlers', 'lib', 'crc64-wasm-module.ts');
  writeFileSync(
    target,
    [
      '// Generated by scripts/generate-crc64-wasm.ts (the assembler and its comments are there); do not edit.',
      `export const DATA_OFFSET = ${DATA_OFFSET};`,
      `export const DATA_BYTES = ${DATA_BYTES};`,
      `export const TABLES_OFFSET = ${TABLES_OFFSET};`,
      `export const CRC64_WASM_BASE64 = '${crc64WasmBytes().toString('base64')}';`,
      '',
    ].join('\n'),
  );
  process.stdout.write(`wrote ${target}\n`);
}
