// Message bodies and message attributes as SQS checks them, and the MD5 digests it answers with, which the SDK
// verifies (MD5OfMessageBody on SendMessage, MD5OfBody on ReceiveMessage). MD5OfMessageAttributes is SQS's own
// digest: for each attribute in name order, the 4-byte big-endian length and UTF-8 bytes of the name and of the
// data type, one transport byte (1 String and Number, 2 Binary), then the length and bytes of the value.
// Sources: "Message metadata for Amazon SQS" (components, data types, "Calculating the MD5 message digest for
// message attributes", the 1 MiB message size counting attributes),
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html, and
// "Amazon SQS message quotas" (10 attributes, the allowed characters),
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html
// The wording of the attribute refusals is assumed (not documented).
import { createHash } from 'node:crypto';
import { invalidMessageContents, invalidParameterValue, serialization } from './errors.js';

/** A message attribute as SQS keeps it: binaries base64, as they travel in JSON. */
export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export type MessageAttributes = Record<string, MessageAttributeValue>;

const MAX_ATTRIBUTES = 10;
const MAX_NAME_LENGTH = 256;
const NAME = /^[A-Za-z0-9_.-]+$/;
const TYPE = /^(String|Number|Binary)(\..+)?$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what SQS refuses.
const FORBIDDEN_CHARACTERS = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;
/** Numbers: up to 38 significant digits, from -10^128 to 10^126 (SQS's Number data type). */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export const md5Hex = (data: string | Buffer): string => createHash('md5').update(data).digest('hex');

/** Refuses what SQS does not accept in a body or a string value: characters outside XML's. */
export const checkCharacters = (text: string): void => {
  if (FORBIDDEN_CHARACTERS.test(text)) throw invalidMessageContents();
};

const checkName = (name: string): void => {
  const reason =
    name.length === 0 || name.length > MAX_NAME_LENGTH
      ? `must be between 1 and ${MAX_NAME_LENGTH} characters long`
      : !NAME.test(name)
        ? 'can only contain alphanumeric characters, underscores, hyphens and periods'
        : /^(aws|amazon)\./i.test(name)
          ? 'must not start with the AWS-reserved prefixes AWS. or Amazon.'
          : name.startsWith('.') || name.endsWith('.') || name.includes('..')
            ? 'must not start or end with a period or have successive periods'
            : undefined;
  if (reason) throw invalidParameterValue(`Message (user) attribute name '${name}' is invalid: it ${reason}.`);
};

/** The attributes of a SendMessage request, checked; undefined when there are none. */
export const parseMessageAttributes = (raw: unknown, kind = 'Message (user)'): MessageAttributes | undefined => {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw serialization('MessageAttributes must be a map');
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length === 0) return undefined;
  if (entries.length > MAX_ATTRIBUTES) {
    throw invalidParameterValue(
      `Number of message attributes [${entries.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`,
    );
  }
  const attributes = Object.create(null) as MessageAttributes;
  for (const [name, value] of entries) {
    checkName(name);
    const entry = (value ?? {}) as Record<string, unknown>;
    const dataType = entry.DataType;
    if (typeof dataType !== 'string' || !TYPE.test(dataType) || dataType.length > MAX_NAME_LENGTH) {
      throw invalidParameterValue(
        `The type of ${kind.toLowerCase()} attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`,
      );
    }
    if (entry.StringListValues !== undefined || entry.BinaryListValues !== undefined) {
      throw invalidParameterValue(`${kind} attribute '${name}': list values are not supported.`);
    }
    const binary = dataType.startsWith('Binary');
    const stringValue = entry.StringValue;
    const binaryValue = entry.BinaryValue;
    const present = binary ? binaryValue : stringValue;
    if (typeof present !== 'string' || present === '') {
      throw invalidParameterValue(
        `${kind} attribute '${name}' must contain a non-empty message attribute value for message attribute type '${dataType.split('.')[0]}'.`,
      );
    }
    if (!binary) {
      checkCharacters(present);
      if (dataType.startsWith('Number') && !NUMBER.test(present.trim())) {
        throw invalidParameterValue(`Can't cast the value of ${kind.toLowerCase()} attribute '${name}' to a number.`);
      }
    }
    attributes[name] = binary
      ? { DataType: dataType, BinaryValue: Buffer.from(present, 'base64').toString('base64') }
      : { DataType: dataType, StringValue: present };
  }
  return attributes;
};

const lengthPrefixed = (bytes: Buffer): Buffer => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
};

/** SQS's MD5 of message attributes (also of message system attributes), hex. */
export const md5OfAttributes = (attributes: MessageAttributes): string => {
  const parts: Buffer[] = [];
  for (const name of Object.keys(attributes).sort()) {
    const { DataType, StringValue, BinaryValue } = attributes[name] as MessageAttributeValue;
    parts.push(lengthPrefixed(Buffer.from(name, 'utf8')), lengthPrefixed(Buffer.from(DataType, 'utf8')));
    if (BinaryValue !== undefined) {
      parts.push(Buffer.from([2]), lengthPrefixed(Buffer.from(BinaryValue, 'base64')));
    } else {
      parts.push(Buffer.from([1]), lengthPrefixed(Buffer.from(StringValue ?? '', 'utf8')));
    }
  }
  return md5Hex(Buffer.concat(parts));
};

/** Bytes a message counts against MaximumMessageSize: the body, and each attribute's name, type and value. */
export const messageSize = (body: string, attributes: MessageAttributes | undefined): number => {
  let size = Buffer.byteLength(body, 'utf8');
  for (const [name, value] of Object.entries(attributes ?? {})) {
    size += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value.DataType, 'utf8');
    size +=
      value.BinaryValue !== undefined
        ? Buffer.from(value.BinaryValue, 'base64').length
        : Buffer.byteLength(value.StringValue ?? '', 'utf8');
  }
  return size;
};

/** The attributes a ReceiveMessage asks for: names, `All`, `.*`, or prefixes such as `bar.*`. */
export const selectAttributes = (attributes: MessageAttributes | undefined, wanted: string[]): MessageAttributes => {
  const selected = Object.create(null) as MessageAttributes;
  if (!attributes) return selected;
  for (const [name, value] of Object.entries(attributes)) {
    const match = wanted.some(
      (pattern) =>
        pattern === 'All' ||
        pattern === '.*' ||
        pattern === name ||
        (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -1))),
    );
    if (match) selected[name] = value;
  }
  return selected;
};
