// Publish's rules for a message, as SNS applies them: the subject, the message attributes (at most 10, typed String,
// Number, Binary or String.Array, with a value), a JSON-structured body with a `default` entry, and the 256 KiB size
// limit; and the shape of a published message as the local endpoint GET /_local/sns/messages lists it.
import { AwsError } from '../errors.js';
import type { QueryParams } from '../xml.js';

/** SNS's limit for a message including its attributes: 256 KiB. */
export const MAX_MESSAGE_BYTES = 262_144;

export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  /** Base64, as it came over the wire. */
  BinaryValue?: string;
}

export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  subject?: string;
  message: string;
  messageStructure?: string;
  messageAttributes: Record<string, MessageAttribute>;
  /** ISO 8601. */
  timestamp: string;
  accountId: string;
  region: string;
}

/**
 * A message as a person reads it (e-mail gets the `default` of a MessageStructure=json message): when, where, the
 * subject and the text. For GET /_local/sns/messages?format=text.
 */
export const messageAsText = (message: PublishedMessage): string => {
  let text = message.message;
  if (message.messageStructure === 'json') {
    try {
      const parsed = JSON.parse(message.message) as Record<string, unknown>;
      if (typeof parsed.default === 'string') text = parsed.default;
    } catch {
      // SNS refused such a message when it was published; show it as it is.
    }
  }
  const rule = '-'.repeat(78);
  return [rule, `${message.timestamp}  ${message.topicArn}`, `Subject: ${message.subject ?? '(none)'}`, '', text].join(
    '\n',
  );
};

export const invalidParameter = (detail: string): AwsError =>
  new AwsError('InvalidParameter', `Invalid parameter: ${detail}`);

/** SNS subjects: ASCII, starting with a letter, digit or punctuation, no line breaks or control characters. */
export const validSubject = (subject: string): boolean =>
  subject.length > 0 && subject.length <= 100 && /^[\x21-\x7e][\x20-\x7e]*$/.test(subject);

export const parseMessageAttributes = (params: QueryParams): Record<string, MessageAttribute> => {
  // Keyed by names the request chooses: no prototype, so `__proto__` is just a name.
  const attributes: Record<string, MessageAttribute> = Object.create(null);
  const entries = params.list('MessageAttributes');
  if (entries.length > 10) {
    throw invalidParameter(
      `MessageAttributes: Number of message attributes [${entries.length}] exceeds the allowed maximum [10].`,
    );
  }
  for (const entry of entries) {
    const name = entry.get('Name') ?? '';
    const dataType = entry.get('Value.DataType');
    const stringValue = entry.get('Value.StringValue');
    const binaryValue = entry.get('Value.BinaryValue');
    if (!name) throw invalidParameter('MessageAttributes: The message attribute name must not be empty.');
    if (!dataType) {
      throw new AwsError(
        'ParameterValueInvalid',
        `The message attribute '${name}' must contain a non-empty message attribute type.`,
      );
    }
    const kind = dataType.split('.')[0];
    if (kind !== 'String' && kind !== 'Number' && kind !== 'Binary' && kind !== 'String.Array') {
      throw new AwsError(
        'ParameterValueInvalid',
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    if (kind === 'Binary' ? !binaryValue : !stringValue) {
      throw new AwsError(
        'ParameterValueInvalid',
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${kind}'.`,
      );
    }
    if (kind === 'Number' && !Number.isFinite(Number(stringValue))) {
      throw new AwsError(
        'ParameterValueInvalid',
        `An error occurred while trying to parse the value of the message attribute '${name}' of type 'Number'.`,
      );
    }
    attributes[name] = {
      DataType: dataType,
      ...(stringValue !== undefined && { StringValue: stringValue }),
      ...(binaryValue !== undefined && { BinaryValue: binaryValue }),
    };
  }
  return attributes;
};

/** MessageStructure=json: a JSON object of strings with a `default` entry (AWS's wording for each failure). */
export const checkJsonStructure = (message: string): void => {
  let document: unknown;
  try {
    document = JSON.parse(message);
  } catch {
    throw invalidParameter('Message Structure - JSON message body failed to parse');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw invalidParameter('Message Structure - JSON message body failed to parse');
  }
  if (!('default' in document)) throw invalidParameter('Message Structure - No default entry in JSON message body');
  // Assumed (unconfirmed): SNS treats non-string protocol entries as a malformed body.
  if (Object.values(document).some((value) => typeof value !== 'string')) {
    throw invalidParameter('Message Structure - JSON message body failed to parse');
  }
};

/** A message's size as SNS counts it against MAX_MESSAGE_BYTES: the body plus each attribute's name, type and value. */
export const messageBytes = (message: string, attributes: Record<string, MessageAttribute>): number =>
  Object.entries(attributes).reduce(
    (sum, [name, value]) =>
      sum +
      Buffer.byteLength(name) +
      Buffer.byteLength(value.DataType) +
      Buffer.byteLength(value.StringValue ?? value.BinaryValue ?? ''),
    Buffer.byteLength(message),
  );
