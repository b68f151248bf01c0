// JSON text of execution data of any depth (local/aws/stepfunctions/json-text.ts): the same text JSON.stringify
// writes, without its recursion.
import { jsonRoundTrip, jsonText, stringifyDeep } from '../../local/aws/stepfunctions/json-text';

describe('stringifyDeep', () => {
  it.each([
    ['null', null],
    ['a string with quotes and a newline', 'say "hi"\n'],
    ['numbers, NaN and Infinity', [1, -2.5, 1e21, Number.NaN, Number.POSITIVE_INFINITY]],
    ['an object with undefined and function members', { a: 1, b: undefined, c: () => 1, d: [undefined, () => 1] }],
    ['a Date through its toJSON', { at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) }],
    ['empty containers', { a: {}, b: [], c: [[], {}] }],
    ['nested objects and arrays', { a: { b: [1, { c: 'd', e: [true, false, null] }] }, f: 'g' }],
    ['an object whose only member is left out', { gone: undefined }],
  ])('writes %s exactly as JSON.stringify does', (_label, value) => {
    // Act
    const text = stringifyDeep(value);

    // Assert
    expect(text).toBe(JSON.stringify(value));
  });

  it('leaves out a top-level value JSON.stringify leaves out', () => {
    // Act / Assert
    expect(stringifyDeep(undefined)).toBeUndefined();
    expect(stringifyDeep(() => 1)).toBeUndefined();
  });

  it('writes 100,000 levels of nesting that JSON.stringify cannot', () => {
    // Arrange
    const depth = 100_000;
    const text = `${'[{"a":'.repeat(depth)}1${'}]'.repeat(depth)}`;
    const value = JSON.parse(text) as unknown;

    // Act
    const written = jsonText(value);

    // Assert
    expect(() => JSON.stringify(value)).toThrow(RangeError);
    expect(written).toBe(text);
    expect(jsonText(jsonRoundTrip(value))).toBe(text);
  });
});
