// The parsed forms of DynamoDB expressions, as parser.ts builds them and evaluate.ts and update.ts use them:
// document paths, operands, conditions (ConditionExpression, FilterExpression), update actions (UpdateExpression)
// and projections (ProjectionExpression). Placeholders are already replaced by what they stand for.
import type { AttributeValue } from '../values.js';

/** One step of a document path: a map member (`a`, `#a`) or a list element (`[2]`). */
export type PathElement = { name: string } | { index: number };
export type Path = PathElement[];

export type Operand =
  | { kind: 'path'; path: Path }
  | { kind: 'value'; value: AttributeValue }
  | { kind: 'size'; path: Path };

export type Comparator = '=' | '<>' | '<' | '<=' | '>' | '>=';

export type Condition =
  | { kind: 'compare'; comparator: Comparator; left: Operand; right: Operand }
  | { kind: 'between'; operand: Operand; low: Operand; high: Operand }
  | { kind: 'in'; operand: Operand; candidates: Operand[] }
  | { kind: 'and' | 'or'; left: Condition; right: Condition }
  | { kind: 'not'; condition: Condition }
  | { kind: 'attribute_exists' | 'attribute_not_exists'; path: Path }
  | { kind: 'attribute_type'; path: Path; type: Operand }
  | { kind: 'begins_with'; path: Path; prefix: Operand }
  | { kind: 'contains'; path: Path; operand: Operand };

/** The right-hand side of a SET action. */
export type SetValue =
  | { kind: 'path'; path: Path }
  | { kind: 'value'; value: AttributeValue }
  | { kind: 'if_not_exists'; path: Path; fallback: SetValue }
  | { kind: 'list_append'; left: SetValue; right: SetValue }
  | { kind: '+' | '-'; left: SetValue; right: SetValue };

export type UpdateAction =
  | { kind: 'SET'; path: Path; value: SetValue }
  | { kind: 'REMOVE'; path: Path }
  | { kind: 'ADD' | 'DELETE'; path: Path; value: AttributeValue };

/** `[a, b, [0]]`: how DynamoDB prints a path in its messages. */
export const describePath = (path: Path): string =>
  `[${path.map((element) => ('name' in element ? element.name : `[${element.index}]`)).join(', ')}]`;

export const samePath = (a: Path, b: Path): boolean =>
  a.length === b.length && a.every((element, index) => pathElementsEqual(element, b[index] as PathElement));

const pathElementsEqual = (a: PathElement, b: PathElement): boolean =>
  'name' in a ? 'name' in b && a.name === b.name : 'index' in b && a.index === b.index;

/** Whether one path is the other or lies inside it (DynamoDB refuses such pairs in one update or projection). */
export const pathsOverlap = (a: Path, b: Path): boolean => {
  const shorter = Math.min(a.length, b.length);
  for (let at = 0; at < shorter; at += 1) {
    if (!pathElementsEqual(a[at] as PathElement, b[at] as PathElement)) return false;
  }
  return true;
};
