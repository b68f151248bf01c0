// The aws-chunked decoder S3 uploads stream through: the same result however the bytes are split, bounded memory
// on hostile framing, and IncompleteBody for bodies that end early.
import { AwsChunkedParser, decodeAwsChunked } from '../../local/aws/s3/index';

const BODY = Buffer.from(
  '5;chunk-signature=' +
    'a'.repeat(64) +
    '\r\nhello\r\n7\r\n, world\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\nx-amz-trailer-signature:' +
    'b'.repeat(64) +
    '\r\n\r\n',
  'latin1',
);

/** Feeds `body` in the given piece sizes, cycling through them. */
const decodeInPieces = (body: Buffer, sizes: number[]) => {
  const parser = new AwsChunkedParser();
  const out: Buffer[] = [];
  let position = 0;
  for (let index = 0; position < body.length; index += 1) {
    const size = sizes[index % sizes.length] ?? 1;
    parser.write(body.subarray(position, position + size), (data) => out.push(Buffer.from(data)));
    position += size;
  }
  parser.end();
  return { data: Buffer.concat(out).toString(), trailers: { ...parser.trailers } };
};

const incomplete = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
  return 'decoded';
};

it('decodes data and trailers', () => {
  // Act
  const decoded = decodeAwsChunked(BODY);

  // Assert
  expect(decoded.data.toString()).toBe('hello, world');
  expect(decoded.trailers['x-amz-checksum-crc32']).toBe('AAAAAA==');
});

it('decodes the same whichever way the bytes are split', () => {
  // Arrange
  const whole = decodeInPieces(BODY, [BODY.length]);

  // Act
  const splits = [[1], [2], [3, 7], [5, 1, 13], [64]].map((sizes) => decodeInPieces(BODY, sizes));
  const cutOnce = Array.from({ length: BODY.length - 1 }, (_, at) => decodeInPieces(BODY, [at + 1, BODY.length]));

  // Assert
  for (const decoded of [...splits, ...cutOnce]) expect(decoded).toEqual(whole);
});

it.each([
  ['a body cut inside a chunk', '5\r\nhel'],
  ['a body with no last chunk', '5\r\nhello\r\n'],
  ['a size that is not hexadecimal', 'zz\r\nhello\r\n0\r\n\r\n'],
  ['a size line without its carriage return', '5\nhello\r\n0\r\n\r\n'],
])('answers IncompleteBody for %s', (_case, body) => {
  // Act
  const outcome = incomplete(() => decodeAwsChunked(Buffer.from(body, 'latin1')));

  // Assert
  expect(outcome).toBe('IncompleteBody: The request body terminated unexpectedly');
});

it('refuses a size line longer than any aws-chunked one without buffering it', () => {
  // Arrange
  const parser = new AwsChunkedParser();
  const endless = Buffer.alloc(1024, 'f');

  // Act
  const outcome = incomplete(() => {
    for (let sent = 0; sent < 64 * 1024; sent += endless.length) parser.write(endless, () => undefined);
  });

  // Assert
  expect(outcome).toBe('IncompleteBody: The request body terminated unexpectedly');
});

it('refuses a trailer section larger than a few checksums', () => {
  // Arrange
  const parser = new AwsChunkedParser();
  parser.write(Buffer.from('0\r\n'), () => undefined);

  // Act
  const outcome = incomplete(() => parser.write(Buffer.alloc(32 * 1024, 'x'), () => undefined));

  // Assert
  expect(outcome).toBe('IncompleteBody: The request body terminated unexpectedly');
});

it('keeps trailer names out of the prototype', () => {
  // Act
  const decoded = decodeAwsChunked(Buffer.from('0\r\n__proto__:polluted\r\nconstructor:x\r\n\r\n', 'latin1'));

  // Assert
  expect(Object.getPrototypeOf(decoded.trailers)).toBeNull();
  expect(Object.entries(decoded.trailers)).toContainEqual(['__proto__', 'polluted']);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
