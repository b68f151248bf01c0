// Narrowing untrusted JSON-ish values without casts.

/** A plain object (not null, not an array), whose fields can be read as `unknown`. */
export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
