// Document paths applied to items: reading `a.b[2].c`, writing and removing at a path as UpdateExpression's SET and
// REMOVE do, and ProjectionExpression's copy of the named parts. Map members are looked up as own properties only
// (an item may have an attribute named `constructor`).
import { validation } from '../errors.js';
import { type AttributeValue, emptyItem, type Item } from '../values.js';
import type { Path, PathElement } from './ast.js';

const member = (map: Item, name: string): AttributeValue | undefined =>
  Object.hasOwn(map, name) ? map[name] : undefined;

/** The value at a path, or undefined when any step is missing or of the wrong kind. */
export const valueAt = (item: Item, path: Path): AttributeValue | undefined => {
  let current: AttributeValue | undefined;
  for (const [position, element] of path.entries()) {
    if (position === 0) {
      current = 'name' in element ? member(item, element.name) : undefined;
    } else if (current && 'name' in element) {
      current = 'M' in current ? member(current.M, element.name) : undefined;
    } else if (current && 'index' in element) {
      current = 'L' in current ? current.L[element.index] : undefined;
    }
    if (current === undefined) return undefined;
  }
  return current;
};

/** "The document path provided in the update expression is invalid for update" (a missing or mistyped parent). */
export const invalidDocumentPath = () =>
  validation('The document path provided in the update expression is invalid for update');

/** The map or list a path's last step lives in (created by nobody: it must exist), for writing into it. */
const parentOf = (item: Item, path: Path): { container: AttributeValue | Item; last: PathElement } => {
  const last = path[path.length - 1] as PathElement;
  if (path.length === 1) return { container: item, last };
  const parent = valueAt(item, path.slice(0, -1));
  if (!parent) throw invalidDocumentPath();
  return { container: parent, last };
};

const isItem = (container: AttributeValue | Item): container is Item => !('M' in container || 'L' in container);

/** SET: the top level always takes it; below, the parent must exist; an index past a list's end appends. */
export const setAt = (item: Item, path: Path, value: AttributeValue): void => {
  const { container, last } = parentOf(item, path);
  if (path.length === 1) {
    if (!('name' in last)) throw invalidDocumentPath();
    item[last.name] = value;
    return;
  }
  if ('name' in last && !isItem(container) && 'M' in container) {
    container.M[last.name] = value;
  } else if ('index' in last && !isItem(container) && 'L' in container) {
    if (last.index >= container.L.length) container.L.push(value);
    else container.L[last.index] = value;
  } else {
    throw invalidDocumentPath();
  }
};

/** REMOVE: nothing to do when the path is missing; a step through a value of the wrong kind is refused. */
export const removeAt = (item: Item, path: Path): void => {
  const last = path[path.length - 1] as PathElement;
  if (path.length === 1) {
    if ('name' in last) delete item[last.name];
    return;
  }
  const parent = valueAt(item, path.slice(0, -1));
  if (!parent) return;
  if ('name' in last && 'M' in parent) delete parent.M[last.name];
  else if ('index' in last && 'L' in parent) {
    if (last.index < parent.L.length) parent.L.splice(last.index, 1);
  } else throw invalidDocumentPath();
};

/** A tree of what a projection keeps, merged path by path; list elements keep their order, not their index. */
type Kept = { value: AttributeValue } | { members: Map<string, Kept> } | { elements: Map<number, Kept> };

const build = (kept: Kept): AttributeValue => {
  if ('value' in kept) return kept.value;
  if ('members' in kept) {
    const map = emptyItem();
    for (const [name, child] of kept.members) map[name] = build(child);
    return { M: map };
  }
  return { L: [...kept.elements.entries()].sort(([a], [b]) => a - b).map(([, child]) => build(child)) };
};

/** The parts of an item the paths name (ProjectionExpression); a path that is missing adds nothing. */
export const project = (item: Item, paths: Path[]): Item => {
  const root = new Map<string, Kept>();
  for (const path of paths) {
    const value = valueAt(item, path);
    if (value === undefined) continue;
    const first = path[0] as { name: string };
    let holder: Map<string | number, Kept> = root as Map<string | number, Kept>;
    let key: string | number = first.name;
    for (const element of path.slice(1)) {
      let node = holder.get(key);
      const wantsMembers = 'name' in element;
      if (!node || 'value' in node) {
        node = wantsMembers ? { members: new Map() } : { elements: new Map() };
        holder.set(key, node);
      }
      holder = ('members' in node ? node.members : (node as { elements: Map<number, Kept> }).elements) as Map<
        string | number,
        Kept
      >;
      key = 'name' in element ? element.name : element.index;
    }
    holder.set(key, { value });
  }
  const projected = emptyItem();
  for (const [name, kept] of root) projected[name] = build(kept);
  return projected;
};
