// Applying a parsed UpdateExpression to an item, as UpdateItem does: every operand is read from the item as it was
// before the update; SET writes (`+`, `-`, if_not_exists, list_append), REMOVE deletes (list elements from the highest
// index down, so that `REMOVE a[1], a[2]` removes both original elements), ADD adds to a number or a set (a missing
// attribute counts as 0 or the empty set), DELETE takes members out of a set (an emptied set disappears). Two actions
// on overlapping paths, or an action on a key attribute, are refused before anything is applied.
// Source: "Update expressions", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html
import { validation } from '../errors.js';
import { addDecimals, checkStorable, type Decimal, formatDecimal, negateDecimal, parseDecimal } from '../numbers.js';
import { type AttributeValue, cloneItem, cloneValue, type Item } from '../values.js';
import { describePath, type Path, pathsOverlap, type SetValue, type UpdateAction } from './ast.js';
import { removeAt, setAt, valueAt } from './documents.js';

const incorrectDataType = () => validation('An operand in the update expression has an incorrect data type');

const decimal = (value: AttributeValue): Decimal => {
  if (!('N' in value)) throw incorrectDataType();
  return parseDecimal(value.N) as Decimal;
};

const numberValue = (value: Decimal): AttributeValue => {
  checkStorable(value);
  return { N: formatDecimal(value) };
};

const resolve = (original: Item, value: SetValue): AttributeValue => {
  switch (value.kind) {
    case 'value':
      return value.value;
    case 'path': {
      const found = valueAt(original, value.path);
      if (!found) throw validation('The provided expression refers to an attribute that does not exist in the item');
      return cloneValue(found);
    }
    case 'if_not_exists': {
      const found = valueAt(original, value.path);
      return found ? cloneValue(found) : resolve(original, value.fallback);
    }
    case 'list_append': {
      const [left, right] = [resolve(original, value.left), resolve(original, value.right)];
      if (!('L' in left) || !('L' in right)) throw incorrectDataType();
      return { L: [...left.L, ...right.L] };
    }
    case '+':
    case '-': {
      const left = decimal(resolve(original, value.left));
      const right = decimal(resolve(original, value.right));
      return numberValue(addDecimals(left, value.kind === '+' ? right : negateDecimal(right)));
    }
  }
};

type SetType = 'SS' | 'NS' | 'BS';
const setTypeOf = (value: AttributeValue): SetType | undefined =>
  'SS' in value ? 'SS' : 'NS' in value ? 'NS' : 'BS' in value ? 'BS' : undefined;
const membersOf = (value: AttributeValue, type: SetType): string[] => (value as Record<SetType, string[]>)[type];

const added = (existing: AttributeValue | undefined, value: AttributeValue): AttributeValue => {
  if (!existing) return value;
  if ('N' in value) return numberValue(addDecimals(decimal(existing), decimal(value)));
  const type = setTypeOf(value) as SetType;
  if (setTypeOf(existing) !== type) throw incorrectDataType();
  return { [type]: [...new Set([...membersOf(existing, type), ...membersOf(value, type)])] } as AttributeValue;
};

/** The set without the members given, or undefined when nothing is left (the attribute is then removed). */
const deleted = (existing: AttributeValue, value: AttributeValue): AttributeValue | undefined => {
  const type = setTypeOf(value) as SetType;
  if (setTypeOf(existing) !== type) throw incorrectDataType();
  const gone = new Set(membersOf(value, type));
  const left = membersOf(existing, type).filter((member) => !gone.has(member));
  return left.length === 0 ? undefined : ({ [type]: left } as AttributeValue);
};

/** Later paths first, list indexes compared as numbers: removing one element does not shift the next one's index. */
const removalOrder = (a: Path, b: Path): number => {
  for (let at = 0; at < Math.min(a.length, b.length); at += 1) {
    const [x, y] = [a[at], b[at]];
    if (x && y && 'index' in x && 'index' in y && x.index !== y.index) return y.index - x.index;
    if (x && y && 'name' in x && 'name' in y && x.name !== y.name) return x.name < y.name ? 1 : -1;
  }
  return b.length - a.length;
};

/** Refuses an update DynamoDB refuses before reading the item: overlapping paths, or a key attribute touched. */
export const checkUpdate = (actions: UpdateAction[], keyNames: readonly string[]): void => {
  for (const [index, action] of actions.entries()) {
    for (const other of actions.slice(index + 1)) {
      if (pathsOverlap(action.path, other.path)) {
        throw validation(
          `Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: ${describePath(action.path)}, path two: ${describePath(other.path)}`,
        );
      }
    }
  }
  for (const action of actions) {
    const first = action.path[0];
    if (first && 'name' in first && keyNames.includes(first.name)) {
      throw validation(
        `One or more parameter values were invalid: Cannot update attribute ${first.name}. This attribute is part of the key`,
      );
    }
  }
};

/** The item after the update (a new object; `original` is left as it was). */
export const applyUpdate = (original: Item, actions: UpdateAction[]): Item => {
  // Every value is computed from the original before anything is written.
  const writes: Array<{ path: Path; value: AttributeValue | undefined }> = [];
  for (const action of actions) {
    if (action.kind === 'SET') writes.push({ path: action.path, value: resolve(original, action.value) });
    else if (action.kind === 'ADD')
      writes.push({ path: action.path, value: added(valueAt(original, action.path), action.value) });
    else if (action.kind === 'DELETE') {
      const existing = valueAt(original, action.path);
      if (existing) writes.push({ path: action.path, value: deleted(existing, action.value) });
    }
  }
  const updated = cloneItem(original);
  for (const write of writes) {
    if (write.value === undefined) removeAt(updated, write.path);
    else setAt(updated, write.path, write.value);
  }
  const removals = actions.filter((action) => action.kind === 'REMOVE').map((action) => action.path);
  for (const path of removals.sort(removalOrder)) removeAt(updated, path);
  return updated;
};
