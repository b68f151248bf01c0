// Evaluating a parsed condition against an item (the item as stored, or an empty one when there is none), with
// DynamoDB's semantics: a missing attribute makes a comparison false, except `<>`, which is true when only one side
// exists; values of different types are never equal and never ordered; `size` is a string's or binary's length in
// bytes, or a set's, list's or map's number of elements. Functions: "Comparison operator and function reference",
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html
import { type AttributeValue, compareValues, type Item, typeOf, valuesEqual } from '../values.js';
import type { Condition, Operand } from './ast.js';
import { valueAt } from './documents.js';

const sizeOf = (value: AttributeValue): number | undefined => {
  if ('S' in value) return Buffer.byteLength(value.S, 'utf8');
  if ('B' in value) return Buffer.from(value.B, 'base64').length;
  if ('SS' in value) return value.SS.length;
  if ('NS' in value) return value.NS.length;
  if ('BS' in value) return value.BS.length;
  if ('L' in value) return value.L.length;
  if ('M' in value) return Object.keys(value.M).length;
  return undefined;
};

export const operandValue = (item: Item, operand: Operand): AttributeValue | undefined => {
  switch (operand.kind) {
    case 'value':
      return operand.value;
    case 'path':
      return valueAt(item, operand.path);
    case 'size': {
      const value = valueAt(item, operand.path);
      const size = value && sizeOf(value);
      return size === undefined ? undefined : { N: String(size) };
    }
  }
};

const ordered = (a: AttributeValue | undefined, b: AttributeValue | undefined): number | undefined =>
  a && b ? compareValues(a, b) : undefined;

const beginsWith = (value: AttributeValue, prefix: AttributeValue): boolean => {
  if ('S' in value && 'S' in prefix) return value.S.startsWith(prefix.S);
  if ('B' in value && 'B' in prefix) {
    const [bytes, start] = [Buffer.from(value.B, 'base64'), Buffer.from(prefix.B, 'base64')];
    return bytes.subarray(0, start.length).equals(start);
  }
  return false;
};

const contains = (value: AttributeValue, wanted: AttributeValue): boolean => {
  if ('S' in value) return 'S' in wanted && value.S.includes(wanted.S);
  if ('SS' in value) return 'S' in wanted && value.SS.includes(wanted.S);
  if ('NS' in value) return 'N' in wanted && value.NS.some((member) => valuesEqual({ N: member }, wanted));
  if ('BS' in value) return 'B' in wanted && value.BS.some((member) => valuesEqual({ B: member }, wanted));
  if ('L' in value) return value.L.some((member) => valuesEqual(member, wanted));
  return false;
};

export const evaluate = (condition: Condition, item: Item): boolean => {
  switch (condition.kind) {
    case 'and':
      return evaluate(condition.left, item) && evaluate(condition.right, item);
    case 'or':
      return evaluate(condition.left, item) || evaluate(condition.right, item);
    case 'not':
      return !evaluate(condition.condition, item);
    case 'attribute_exists':
      return valueAt(item, condition.path) !== undefined;
    case 'attribute_not_exists':
      return valueAt(item, condition.path) === undefined;
    case 'attribute_type': {
      const [value, type] = [valueAt(item, condition.path), operandValue(item, condition.type)];
      return value !== undefined && type !== undefined && 'S' in type && typeOf(value) === type.S;
    }
    case 'begins_with': {
      const [value, prefix] = [valueAt(item, condition.path), operandValue(item, condition.prefix)];
      return value !== undefined && prefix !== undefined && beginsWith(value, prefix);
    }
    case 'contains': {
      const [value, wanted] = [valueAt(item, condition.path), operandValue(item, condition.operand)];
      return value !== undefined && wanted !== undefined && contains(value, wanted);
    }
    case 'between': {
      const value = operandValue(item, condition.operand);
      const low = ordered(value, operandValue(item, condition.low));
      const high = ordered(value, operandValue(item, condition.high));
      return low !== undefined && high !== undefined && low >= 0 && high <= 0;
    }
    case 'in': {
      const value = operandValue(item, condition.operand);
      return (
        value !== undefined &&
        condition.candidates.some((candidate) => {
          const other = operandValue(item, candidate);
          return other !== undefined && valuesEqual(value, other);
        })
      );
    }
    case 'compare': {
      const left = operandValue(item, condition.left);
      const right = operandValue(item, condition.right);
      if (condition.comparator === '=') return left !== undefined && right !== undefined && valuesEqual(left, right);
      if (condition.comparator === '<>') {
        if (left === undefined || right === undefined) return left !== right;
        return !valuesEqual(left, right);
      }
      const order = ordered(left, right);
      if (order === undefined) return false;
      switch (condition.comparator) {
        case '<':
          return order < 0;
        case '<=':
          return order <= 0;
        case '>':
          return order > 0;
        default:
          return order >= 0;
      }
    }
  }
};
