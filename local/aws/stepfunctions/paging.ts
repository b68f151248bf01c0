// Paging tokens of the List* and GetExecutionHistory actions: opaque base64url JSON that names what it pages (so a
// token of one listing is refused by another, as InvalidToken) and where the next page starts.
import { StepFunctionsError } from './errors.js';

export const encodeToken = (value: Record<string, unknown>): string =>
  Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** The token's fields when every `expected` field matches; InvalidToken otherwise. */
export const decodeToken = (token: string, expected: Record<string, string>): Record<string, unknown> => {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      if (Object.entries(expected).every(([key, wanted]) => Object.hasOwn(record, key) && record[key] === wanted)) {
        return record;
      }
    }
  } catch {
    // fall through to InvalidToken
  }
  throw new StepFunctionsError('InvalidToken', `Invalid Token: '${token}'`);
};
