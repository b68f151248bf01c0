// DynamoDB numbers in the emulator (local/aws/dynamodb/numbers.ts): exact decimal arithmetic and ordering on the
// strings DynamoDB stores, canonical forms, and the limits DynamoDB refuses past.
import {
  addDecimals,
  canonicalNumber,
  compareDecimals,
  type Decimal,
  formatDecimal,
  parseDecimal,
} from '../../local/aws/dynamodb/numbers';

const decimal = (text: string): Decimal => parseDecimal(text) as Decimal;

describe('DynamoDB numbers', () => {
  it.each([
    ['1.50', '1.5'],
    ['-0.0', '0'],
    ['007', '7'],
    ['1e3', '1000'],
    ['1.25E-2', '0.0125'],
    ['.5', '0.5'],
    ['+42', '42'],
  ])('stores %s as %s', (text, canonical) => {
    // Act
    const stored = canonicalNumber(text);

    // Assert
    expect(stored).toBe(canonical);
  });

  it.each([
    ['9', '10', -1],
    ['-10', '-9', -1],
    ['1750000000.123', '1750000000', 1],
    ['0.1', '0.10', 0],
    ['-1', '0', -1],
    ['1e-130', '0', 1],
  ])('orders %s against %s as %i', (a, b, order) => {
    // Act
    const result = compareDecimals(decimal(a), decimal(b));

    // Assert
    expect(result).toBe(order);
  });

  it('adds without rounding, past what a double holds', () => {
    // Act
    const sum = addDecimals(decimal('12345678901234567890.1'), decimal('0.0000000000000000009'));

    // Assert
    expect(formatDecimal(sum)).toBe('12345678901234567890.1000000000000000009');
  });

  it.each([
    ['abc', 'A value provided cannot be converted into a number'],
    ['1e126', 'Number overflow. Attempting to store a number with magnitude larger than supported range'],
    ['1e-131', 'Number underflow. Attempting to store a number with magnitude smaller than supported range'],
  ])('refuses %s', (text, message) => {
    // Act
    const refusal = () => canonicalNumber(text);

    // Assert
    expect(refusal).toThrow(message);
  });
});
