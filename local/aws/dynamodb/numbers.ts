// DynamoDB's Number type: decimal strings compared, added and stored exactly, never as JavaScript doubles (a TTL
// in seconds compared with Powertools' `Date.now() / 1000` must not round). DynamoDB keeps up to 38 significant
// digits, positive magnitudes from 1E-130 to 9.9999999999999999999999999999999999999E+125, and answers a number in
// its canonical form (no leading or trailing zeros: "1.50" is stored and read back as "1.5"). Source: "Data types",
// Number, https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
import { validation } from './errors.js';

/** value = (negative ? -1 : 1) × digits × 10^exponent; digits has no leading or trailing zeros ('' is zero). */
export interface Decimal {
  negative: boolean;
  digits: string;
  exponent: number;
}

const MAX_DIGITS = 38;
/** The position of the most significant digit (10^adjusted ≤ |value| < 10^(adjusted+1)) allowed. */
const MAX_ADJUSTED = 125;
const MIN_ADJUSTED = -130;

const NUMBER = /^([+-])?(?:(\d+)(?:\.(\d*))?|\.(\d+))(?:[eE]([+-]?\d+))?$/;

/** The decimal a DynamoDB number string denotes, or undefined when it is not one. */
export const parseDecimal = (text: string): Decimal | undefined => {
  const match = NUMBER.exec(text);
  if (!match) return undefined;
  const [, sign, whole = '', fractionAfterWhole, fractionOnly, exponentText] = match;
  const fraction = fractionAfterWhole ?? fractionOnly ?? '';
  let digits = `${whole}${fraction}`;
  let exponent = Number(exponentText ?? '0') - fraction.length;
  if (!Number.isSafeInteger(exponent)) return undefined;
  digits = digits.replace(/^0+/, '');
  const trailing = /0+$/.exec(digits)?.[0].length ?? 0;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  if (digits === '') return { negative: false, digits: '', exponent: 0 };
  return { negative: sign === '-', digits, exponent };
};

/** Refuses what DynamoDB cannot store, with its messages. */
export const checkStorable = (value: Decimal): void => {
  if (value.digits === '') return;
  if (value.digits.length > MAX_DIGITS) {
    throw validation('Attempting to store more than 38 significant digits in a Number');
  }
  const adjusted = value.digits.length - 1 + value.exponent;
  if (adjusted > MAX_ADJUSTED) {
    throw validation('Number overflow. Attempting to store a number with magnitude larger than supported range');
  }
  if (adjusted < MIN_ADJUSTED) {
    throw validation('Number underflow. Attempting to store a number with magnitude smaller than supported range');
  }
};

/** The canonical text: plain notation, no superfluous zeros ("0" for zero). */
export const formatDecimal = (value: Decimal): string => {
  if (value.digits === '') return '0';
  const sign = value.negative ? '-' : '';
  if (value.exponent >= 0) return `${sign}${value.digits}${'0'.repeat(value.exponent)}`;
  const point = value.digits.length + value.exponent;
  if (point > 0) return `${sign}${value.digits.slice(0, point)}.${value.digits.slice(point)}`;
  return `${sign}0.${'0'.repeat(-point)}${value.digits}`;
};

/** -1, 0 or 1. */
export const compareDecimals = (a: Decimal, b: Decimal): number => {
  const signOf = (value: Decimal): number => (value.digits === '' ? 0 : value.negative ? -1 : 1);
  const [signA, signB] = [signOf(a), signOf(b)];
  if (signA !== signB) return signA < signB ? -1 : 1;
  if (signA === 0) return 0;
  const adjustedA = a.digits.length + a.exponent;
  const adjustedB = b.digits.length + b.exponent;
  let magnitude: number;
  if (adjustedA !== adjustedB) {
    magnitude = adjustedA < adjustedB ? -1 : 1;
  } else {
    const width = Math.max(a.digits.length, b.digits.length);
    const [left, right] = [a.digits.padEnd(width, '0'), b.digits.padEnd(width, '0')];
    magnitude = left === right ? 0 : left < right ? -1 : 1;
  }
  return signA * magnitude;
};

const toScaled = (value: Decimal, exponent: number): bigint => {
  const magnitude = BigInt(value.digits || '0') * 10n ** BigInt(value.exponent - exponent);
  return value.negative ? -magnitude : magnitude;
};

const fromScaled = (scaled: bigint, exponent: number): Decimal => {
  const negative = scaled < 0n;
  return parseDecimal(`${negative ? '-' : ''}${(negative ? -scaled : scaled).toString()}e${exponent}`) as Decimal;
};

/** a + b, exactly (UpdateExpression `+` and ADD). */
export const addDecimals = (a: Decimal, b: Decimal): Decimal => {
  const exponent = Math.min(a.digits === '' ? b.exponent : a.exponent, b.digits === '' ? a.exponent : b.exponent);
  return fromScaled(toScaled(a, exponent) + toScaled(b, exponent), exponent);
};

export const negateDecimal = (value: Decimal): Decimal =>
  value.digits === '' ? value : { ...value, negative: !value.negative };

/** The canonical text of a DynamoDB number string; a ValidationException when it is not one DynamoDB stores. */
export const canonicalNumber = (text: string): string => {
  const value = parseDecimal(text);
  if (!value) throw validation('A value provided cannot be converted into a number');
  checkStorable(value);
  return formatDecimal(value);
};
