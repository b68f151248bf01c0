// DynamoDB attribute values as they travel on the JSON wire (`{"S": "…"}`, `{"N": "12.5"}`, binaries base64) and the
// rules they obey: exactly one data type, NULL only `true`, sets non-empty and without duplicates, numbers canonical
// (numbers.ts). Equality and ordering are DynamoDB's: numbers by value, strings and binaries by their bytes (UTF-8
// for strings), sets without order. Item sizes follow "Item sizes and formats",
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
import { serialization, validation } from './errors.js';
import { canonicalNumber, compareDecimals, type Decimal, parseDecimal } from './numbers.js';

export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { M: Item }
  | { L: AttributeValue[] }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] };

export type Item = Record<string, AttributeValue>;

export type TypeName = 'S' | 'N' | 'B' | 'BOOL' | 'NULL' | 'M' | 'L' | 'SS' | 'NS' | 'BS';
export const TYPE_NAMES: readonly TypeName[] = ['S', 'N', 'B', 'BOOL', 'NULL', 'M', 'L', 'SS', 'NS', 'BS'];

/** The long names DynamoDB uses in some messages ("operator: ADD, operand type: STRING"). */
export const LONG_TYPE_NAMES: Record<TypeName, string> = {
  S: 'STRING',
  N: 'NUMBER',
  B: 'BINARY',
  BOOL: 'BOOLEAN',
  NULL: 'NULL',
  M: 'MAP',
  L: 'LIST',
  SS: 'STRING_SET',
  NS: 'NUMBER_SET',
  BS: 'BINARY_SET',
};

/** An item keyed by names a client chose: no prototype, so `__proto__` or `constructor` is just a name. */
export const emptyItem = (): Item => Object.create(null) as Item;

export const typeOf = (value: AttributeValue): TypeName => Object.keys(value)[0] as TypeName;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const SET_NAMES: Record<'SS' | 'NS' | 'BS', string> = { SS: 'string', NS: 'number', BS: 'binary' };

const canonicalBinary = (text: unknown): string => {
  if (typeof text !== 'string') throw serialization('Binary values must be base64-encoded strings');
  return Buffer.from(text, 'base64').toString('base64');
};

const stringOf = (raw: unknown): string => {
  if (typeof raw !== 'string') throw serialization('NUMBER_VALUE cannot be converted to String');
  return raw;
};

const setOf = (type: 'SS' | 'NS' | 'BS', raw: unknown): string[] => {
  if (!Array.isArray(raw)) throw serialization(`Expected a list for ${type}`);
  const members = raw.map((member) =>
    type === 'NS' ? canonicalNumber(stringOf(member)) : type === 'BS' ? canonicalBinary(member) : stringOf(member),
  );
  if (members.length === 0) {
    // Sic: DynamoDB's message has the article and the double space.
    throw validation(`One or more parameter values were invalid: An ${SET_NAMES[type]} set  may not be empty`);
  }
  if (new Set(members).size !== members.length) {
    throw validation(
      `One or more parameter values were invalid: Input collection [${members.join(', ')}] contains duplicates.`,
    );
  }
  return members;
};

/** A wire attribute value, checked and in canonical form; DynamoDB's ValidationException when it is not valid. */
export const attributeValueFrom = (raw: unknown): AttributeValue => {
  if (!isRecord(raw)) throw serialization('Unexpected value type in payload');
  const present = Object.keys(raw).filter((key) => raw[key] !== undefined && raw[key] !== null);
  if (present.length === 0) {
    throw validation('Supplied AttributeValue is empty, must contain exactly one of the supported datatypes');
  }
  if (present.length > 1) {
    throw validation(
      'Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes',
    );
  }
  const type = present[0] as string;
  const value = raw[type];
  switch (type) {
    case 'S':
      return { S: stringOf(value) };
    case 'N':
      return { N: canonicalNumber(stringOf(value)) };
    case 'B':
      return { B: canonicalBinary(value) };
    case 'BOOL':
      if (typeof value !== 'boolean') throw serialization('BOOL must be a boolean');
      return { BOOL: value };
    case 'NULL':
      if (value !== true) {
        throw validation(
          'One or more parameter values were invalid: Null attribute value types must have the value of true',
        );
      }
      return { NULL: true };
    case 'M':
      return { M: itemFrom(value) };
    case 'L':
      if (!Array.isArray(value)) throw serialization('Expected a list for L');
      return { L: value.map(attributeValueFrom) };
    case 'SS':
    case 'NS':
    case 'BS':
      return { [type]: setOf(type, value) } as AttributeValue;
    default:
      throw serialization(`Unknown attribute value type ${type}`);
  }
};

/** A wire map of attribute values (an item, a key, a map value). */
export const itemFrom = (raw: unknown): Item => {
  if (!isRecord(raw)) throw serialization('Expected a map of attribute values');
  const item = emptyItem();
  for (const [name, value] of Object.entries(raw)) item[name] = attributeValueFrom(value);
  return item;
};

const decimalOf = (text: string): Decimal => parseDecimal(text) as Decimal;

const bytesOf = (value: AttributeValue): Buffer | undefined => {
  if ('S' in value) return Buffer.from(value.S, 'utf8');
  if ('B' in value) return Buffer.from(value.B, 'base64');
  return undefined;
};

/** DynamoDB's ordering of two values of one scalar type (S, N, B); undefined when they cannot be ordered. */
export const compareValues = (a: AttributeValue, b: AttributeValue): number | undefined => {
  const type = typeOf(a);
  if (type !== typeOf(b)) return undefined;
  if (type === 'N') return compareDecimals(decimalOf((a as { N: string }).N), decimalOf((b as { N: string }).N));
  if (type === 'S' || type === 'B') return Buffer.compare(bytesOf(a) as Buffer, bytesOf(b) as Buffer);
  return undefined;
};

export const valuesEqual = (a: AttributeValue, b: AttributeValue): boolean => {
  const type = typeOf(a);
  if (type !== typeOf(b)) return false;
  switch (type) {
    case 'S':
    case 'N':
    case 'B':
      return compareValues(a, b) === 0;
    case 'BOOL':
      return (a as { BOOL: boolean }).BOOL === (b as { BOOL: boolean }).BOOL;
    case 'NULL':
      return true;
    case 'SS':
    case 'NS':
    case 'BS': {
      // Members are canonical (numbers and binaries normalized on the way in), so text equality is value equality.
      const left = (a as Record<string, string[]>)[type] as string[];
      const right = new Set((b as Record<string, string[]>)[type]);
      return left.length === right.size && left.every((member) => right.has(member));
    }
    case 'L': {
      const [left, right] = [(a as { L: AttributeValue[] }).L, (b as { L: AttributeValue[] }).L];
      return (
        left.length === right.length &&
        left.every((member, index) => valuesEqual(member, right[index] as AttributeValue))
      );
    }
    case 'M':
      return itemsEqual((a as { M: Item }).M, (b as { M: Item }).M);
  }
};

export const itemsEqual = (a: Item, b: Item): boolean => {
  const names = Object.keys(a);
  return (
    names.length === Object.keys(b).length &&
    names.every((name) => Object.hasOwn(b, name) && valuesEqual(a[name] as AttributeValue, b[name] as AttributeValue))
  );
};

/** Bytes a value counts for in an item (the documented approximations for numbers, lists and maps). */
export const valueSize = (value: AttributeValue): number => {
  if ('S' in value) return Buffer.byteLength(value.S, 'utf8');
  if ('N' in value) return Math.ceil(decimalOf(value.N).digits.length / 2) + 1;
  if ('B' in value) return Buffer.from(value.B, 'base64').length;
  if ('BOOL' in value || 'NULL' in value) return 1;
  if ('SS' in value) return value.SS.reduce((sum, member) => sum + Buffer.byteLength(member, 'utf8'), 0);
  if ('NS' in value) return value.NS.reduce((sum, member) => sum + valueSize({ N: member }), 0);
  if ('BS' in value) return value.BS.reduce((sum, member) => sum + Buffer.from(member, 'base64').length, 0);
  if ('L' in value) return 3 + value.L.reduce((sum, member) => sum + 1 + valueSize(member), 0);
  return 3 + itemSize(value.M) + Object.keys(value.M).length;
};

export const itemSize = (item: Item): number =>
  Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name, 'utf8') + valueSize(value), 0);

/** DynamoDB's limit on one item: 400 KB, names and values together. */
export const MAX_ITEM_BYTES = 400 * 1024;

/** A deep copy, maps without prototypes (stored items are never handed out to be changed). */
export const cloneValue = (value: AttributeValue): AttributeValue => {
  if ('M' in value) return { M: cloneItem(value.M) };
  if ('L' in value) return { L: value.L.map(cloneValue) };
  if ('SS' in value) return { SS: [...value.SS] };
  if ('NS' in value) return { NS: [...value.NS] };
  if ('BS' in value) return { BS: [...value.BS] };
  return { ...value };
};

export const cloneItem = (item: Item): Item => {
  const copy = emptyItem();
  for (const [name, value] of Object.entries(item)) copy[name] = cloneValue(value);
  return copy;
};

/** `{N:5}`, `{S:abc}`: how DynamoDB quotes a value in a message. */
export const describeValue = (value: AttributeValue): string => {
  const type = typeOf(value);
  const raw = (value as Record<string, unknown>)[type];
  return `{${type}:${Array.isArray(raw) ? `[${raw.join(', ')}]` : typeof raw === 'object' ? JSON.stringify(raw) : String(raw)}}`;
};
