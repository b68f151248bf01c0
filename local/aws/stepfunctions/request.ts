// Reading a Step Functions JSON 1.0 request and writing its answer: the body's fields with AWS's validation
// messages, names and ARNs as StartExecution and friends check them, and the response envelope. Nothing here knows
// about executions. The body and field readers are ../json-protocol.ts's, bound here to Step Functions' errors.
import { type Body, jsonAnswer, jsonFields, parseJsonBody } from '../json-protocol.js';
import { StepFunctionsError, validation } from './errors.js';

export type { Body };

const serialization = (message: string): StepFunctionsError =>
  new StepFunctionsError('SerializationException', message);

export const { optionalString, requiredString, optionalBoolean } = jsonFields({
  typeError: serialization,
  missing: (field) =>
    validation(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    ),
});

/** maxResults: 0 or absent means the default page size; at most 1000. */
export const pageSize = (body: Body): number => {
  const value = body.maxResults;
  if (value === undefined || value === null || value === 0) return 100;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1000) {
    throw validation(
      `1 validation error detected: Value '${String(value)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
    );
  }
  return value;
};

/**
 * StartExecution's `input`: "Length Constraints: Maximum length of 262144", counted in bytes of UTF-8 (API
 * reference, StartExecution). A longer one is refused by the service's model validation, a ValidationException whose
 * message leaves the (sensitive) value out.
 */
export const MAX_INPUT_BYTES = 256 * 1024;

export const checkInputSize = (input: string): void => {
  if (Buffer.byteLength(input, 'utf8') > MAX_INPUT_BYTES) {
    throw validation(
      `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${MAX_INPUT_BYTES}`,
    );
  }
};

// Names: 1-80 characters, none of whitespace, brackets, wildcards, the listed punctuation or control characters.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what the rule forbids.
const FORBIDDEN_NAME_CHARACTERS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

export const checkName = (name: string): void => {
  if (name.length < 1 || name.length > 80 || FORBIDDEN_NAME_CHARACTERS.test(name)) {
    throw new StepFunctionsError('InvalidName', `Invalid Name: '${name}'`);
  }
};

const ARN_PATTERN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):(stateMachine|execution):(.+)$/;

export const parseArn = (arn: string, kind: 'stateMachine' | 'execution'): void => {
  const match = ARN_PATTERN.exec(arn);
  if (!match || match[3] !== kind) {
    throw new StepFunctionsError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn}'`);
  }
};

export const headerValue = (headers: Record<string, string>, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
};

export const parseBody = (body: Buffer): Body =>
  parseJsonBody(body, () => serialization('The request body is not a JSON object'));

export const respond = jsonAnswer;
