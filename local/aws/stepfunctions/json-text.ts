// JSON text of execution data (state inputs and outputs, task parameters and results) for the history, the
// journal and DescribeExecution. JSON.parse accepts any nesting, but JSON.stringify recurses and throws RangeError
// on deep values (a few thousand levels), so deep data is written by an explicit-stack serializer instead: the
// emulator never recurses on data a caller supplied. Values here are JSON data (what JSON.parse, the ASL library
// and the handlers' JSON round trips produce); toJSON, undefined and non-finite numbers follow JSON.stringify.

type Frame =
  | { kind: 'array'; items: unknown[]; index: number }
  | { kind: 'object'; entries: Array<[string, unknown]>; index: number; wrote: boolean };

/** A value as JSON.stringify would see it: toJSON applied; undefined for what it leaves out. */
const prepared = (value: unknown, key: string): unknown => {
  if (typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON: (key: string) => unknown }).toJSON(key);
  }
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  return value;
};

/** JSON.stringify(value) for plain data of any depth, without recursion. */
export const stringifyDeep = (root: unknown): string | undefined => {
  const out: string[] = [];
  const stack: Frame[] = [];
  // Writes a prepared value: a scalar, or the opening of a container whose members follow.
  const write = (value: unknown): void => {
    if (value === null || typeof value === 'boolean') out.push(String(value));
    else if (typeof value === 'number') out.push(Number.isFinite(value) ? String(value) : 'null');
    else if (typeof value === 'string') out.push(JSON.stringify(value));
    else if (typeof value === 'bigint') throw new TypeError('Do not know how to serialize a BigInt');
    else if (Array.isArray(value)) {
      out.push('[');
      stack.push({ kind: 'array', items: value, index: 0 });
    } else {
      out.push('{');
      stack.push({ kind: 'object', entries: Object.entries(value as object), index: 0, wrote: false });
    }
  };
  const top = prepared(root, '');
  if (top === undefined) return undefined;
  write(top);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1] as Frame;
    if (frame.kind === 'array') {
      if (frame.index >= frame.items.length) {
        out.push(']');
        stack.pop();
        continue;
      }
      if (frame.index > 0) out.push(',');
      const index = frame.index++;
      // An array member JSON.stringify leaves out is written as null.
      write(prepared(frame.items[index], String(index)) ?? null);
    } else {
      if (frame.index >= frame.entries.length) {
        out.push('}');
        stack.pop();
        continue;
      }
      const [key, raw] = frame.entries[frame.index++] as [string, unknown];
      const value = prepared(raw, key);
      // An object member JSON.stringify leaves out is left out, comma included.
      if (value === undefined) continue;
      out.push(`${frame.wrote ? ',' : ''}${JSON.stringify(key)}:`);
      frame.wrote = true;
      write(value);
    }
  }
  return out.join('');
};

/** JSON text of a value (`null` for undefined), whatever its depth. */
export const jsonText = (value: unknown): string => {
  try {
    return JSON.stringify(value ?? null);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    return stringifyDeep(value ?? null) ?? 'null';
  }
};

/** JSON.parse(JSON.stringify(value)), as a value crosses a wire, for values of any depth. */
export const jsonRoundTrip = <T>(value: unknown): T => JSON.parse(jsonText(value)) as T;

/** A history cause: strings as they are, errors by message, anything else as JSON. */
export const causeText = (value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.message;
  return jsonText(value);
};
