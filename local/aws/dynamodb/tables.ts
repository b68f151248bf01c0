// Tables: CreateTable's checks of the key schema, attribute definitions and billing mode (with DynamoDB's
// messages), and the TableDescription every table action answers with. A table is ACTIVE as soon as it is created
// and gone as soon as it is deleted (DynamoDB takes seconds for either; waiters and describe loops see the end state
// at once). Secondary indexes and streams are not emulated and are refused by name. Source: API reference,
// CreateTable and TableDescription, https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html
import { randomUUID } from 'node:crypto';
import { partitionFor } from '../sigv4.js';
import type { Caller } from '../types.js';
import { validation } from './errors.js';
import type { AttributeDefinition, KeyElement, ScalarType, TableDefinition } from './state.js';
import { type AttributeValue, type Item, itemSize } from './values.js';
import {
  type Body,
  notNull,
  optionalBoolean,
  optionalEnum,
  optionalList,
  optionalRecord,
  requiredString,
} from './wire.js';

const TABLE_NAME = /^[a-zA-Z0-9_.-]+$/;

/** TableName: 3 to 255 characters of `[a-zA-Z0-9_.-]` (the model's constraints, checked by every action). */
export const checkTableName = (name: string, member = 'tableName'): void => {
  const constraint =
    name.length < 3
      ? 'Member must have length greater than or equal to 3'
      : name.length > 255
        ? 'Member must have length less than or equal to 255'
        : !TABLE_NAME.test(name)
          ? 'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+'
          : undefined;
  if (constraint) {
    throw validation(
      `1 validation error detected: Value '${name}' at '${member}' failed to satisfy constraint: ${constraint}`,
    );
  }
};

const invalidParameters = (detail: string) => validation(`One or more parameter values were invalid: ${detail}`);

const keySchemaOf = (raw: unknown[]): KeyElement[] => {
  if (raw.length < 1 || raw.length > 2) {
    throw validation(
      `1 validation error detected: Value '${JSON.stringify(raw)}' at 'keySchema' failed to satisfy constraint: Member must have length ${raw.length < 1 ? 'greater than or equal to 1' : 'less than or equal to 2'}`,
    );
  }
  const elements = raw.map((entry, index) => {
    const element = (entry ?? {}) as Body;
    const name = requiredString(element, 'AttributeName');
    const keyType = optionalEnum(element, 'KeyType', ['HASH', 'RANGE'] as const);
    if (!keyType) throw notNull(`keySchema.${index + 1}.member.keyType`);
    return { AttributeName: name, KeyType: keyType };
  });
  const [hash, range] = elements;
  if (hash?.KeyType !== 'HASH')
    throw validation('Invalid KeySchema: The first KeySchemaElement is not a HASH key type');
  if (range && range.KeyType !== 'RANGE') {
    throw validation('Invalid KeySchema: The second KeySchemaElement is not a RANGE key type');
  }
  if (range && range.AttributeName === hash.AttributeName) {
    throw validation('Both the Hash Key and the Range Key element in the KeySchema have the same name');
  }
  return elements;
};

const attributeDefinitionsOf = (raw: unknown[], keySchema: KeyElement[]): AttributeDefinition[] => {
  const definitions = raw.map((entry) => {
    const definition = (entry ?? {}) as Body;
    const name = requiredString(definition, 'AttributeName');
    const type = optionalEnum(definition, 'AttributeType', ['B', 'N', 'S'] as const);
    if (!type) throw notNull('AttributeType');
    return { AttributeName: name, AttributeType: type as ScalarType };
  });
  const defined = definitions.map((definition) => definition.AttributeName);
  if (new Set(defined).size !== defined.length) {
    throw invalidParameters('Cannot have two attributes with the same name');
  }
  const keys = keySchema.map((element) => element.AttributeName);
  const undefinedKeys = keys.filter((key) => !defined.includes(key));
  if (undefinedKeys.length > 0) {
    throw invalidParameters(
      `Some index key attributes are not defined in AttributeDefinitions. Keys: [${undefinedKeys.join(', ')}], AttributeDefinitions: [${defined.join(', ')}]`,
    );
  }
  if (defined.length !== keys.length) {
    throw invalidParameters(
      'Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions',
    );
  }
  return definitions;
};

const NOT_EMULATED = ['GlobalSecondaryIndexes', 'LocalSecondaryIndexes'] as const;

/** "Size of hashkey has exceeded the maximum size limit of2048 bytes" (sic): keys of 2048 and 1024 bytes at most. */
const MAX_KEY_BYTES = { hash: 2048, range: 1024 };

/** A new table's definition from a CreateTable request. */
export const tableFromRequest = (body: Body, caller: Caller, now: Date): TableDefinition => {
  const name = requiredString(body, 'TableName');
  checkTableName(name);
  for (const field of NOT_EMULATED) {
    if (body[field] !== undefined && body[field] !== null) {
      throw validation(`${field} are not emulated by the local DynamoDB; create the table without them`);
    }
  }
  const stream = optionalRecord(body, 'StreamSpecification');
  if (stream?.StreamEnabled === true) throw validation('Streams are not emulated by the local DynamoDB');
  const rawKeySchema = optionalList(body, 'KeySchema');
  if (!rawKeySchema) throw notNull('KeySchema');
  const keySchema = keySchemaOf(rawKeySchema);
  const rawDefinitions = optionalList(body, 'AttributeDefinitions');
  if (!rawDefinitions) throw notNull('AttributeDefinitions');
  const attributeDefinitions = attributeDefinitionsOf(rawDefinitions, keySchema);
  const billingMode = optionalEnum(body, 'BillingMode', ['PROVISIONED', 'PAY_PER_REQUEST'] as const) ?? 'PROVISIONED';
  const throughput = optionalRecord(body, 'ProvisionedThroughput');
  let provisioned: TableDefinition['provisioned'];
  if (billingMode === 'PROVISIONED') {
    const read = throughput?.ReadCapacityUnits;
    const write = throughput?.WriteCapacityUnits;
    if (typeof read !== 'number' || typeof write !== 'number') {
      throw invalidParameters(
        'ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED',
      );
    }
    if (read < 1 || write < 1) {
      throw validation(
        `1 validation error detected: Value '${Math.min(read, write)}' at 'provisionedThroughput.${read < 1 ? 'readCapacityUnits' : 'writeCapacityUnits'}' failed to satisfy constraint: Member must have value greater than or equal to 1`,
      );
    }
    provisioned = { read, write };
  } else if (throughput) {
    throw invalidParameters(
      'Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST',
    );
  }
  const sse = optionalRecord(body, 'SSESpecification');
  return {
    name,
    id: randomUUID(),
    arn: `arn:${partitionFor(caller.region)}:dynamodb:${caller.region}:${caller.accountId}:table/${name}`,
    createdAt: now.getTime() / 1000,
    keySchema,
    attributeDefinitions,
    billingMode,
    ...(provisioned && { provisioned }),
    deletionProtection: optionalBoolean(body, 'DeletionProtectionEnabled') ?? false,
    sseEnabled: sse?.Enabled === true,
  };
};

/** The TableDescription shape of DescribeTable, CreateTable and DeleteTable. */
export const describeTable = (
  table: TableDefinition,
  items: Map<string, Item>,
  status: 'ACTIVE' | 'DELETING' = 'ACTIVE',
): Record<string, unknown> => {
  let size = 0;
  for (const item of items.values()) size += itemSize(item);
  return {
    AttributeDefinitions: table.attributeDefinitions,
    TableName: table.name,
    KeySchema: table.keySchema,
    TableStatus: status,
    CreationDateTime: table.createdAt,
    ProvisionedThroughput: {
      NumberOfDecreasesToday: 0,
      ReadCapacityUnits: table.provisioned?.read ?? 0,
      WriteCapacityUnits: table.provisioned?.write ?? 0,
    },
    TableSizeBytes: size,
    ItemCount: items.size,
    TableArn: table.arn,
    TableId: table.id,
    ...(table.billingMode === 'PAY_PER_REQUEST' && {
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST', LastUpdateToPayPerRequestDateTime: table.createdAt },
    }),
    DeletionProtectionEnabled: table.deletionProtection,
    ...(table.sseEnabled && { SSEDescription: { Status: 'ENABLED', SSEType: 'KMS' } }),
  };
};

/** The table's key attributes: hash first, then range. */
export const keyNamesOf = (table: TableDefinition): string[] => table.keySchema.map((element) => element.AttributeName);

const typeOfKey = (table: TableDefinition, name: string): ScalarType =>
  table.attributeDefinitions.find((definition) => definition.AttributeName === name)?.AttributeType as ScalarType;

/**
 * The key of an item that must hold it (PutItem): each key attribute present, of its declared type, not empty.
 * Returns the map key the item is stored under.
 */
export const keyOfItem = (table: TableDefinition, item: Item): string =>
  keyString(table, item, (name) => invalidParameters(`Missing the key ${name} in the item`));

/** The key of a `Key` parameter (GetItem, UpdateItem, DeleteItem): exactly the key attributes. */
export const keyOfKey = (table: TableDefinition, key: Item): string => {
  const names = keyNamesOf(table);
  if (Object.keys(key).length !== names.length) throw validation('The provided key element does not match the schema');
  return keyString(table, key, () => validation('The provided key element does not match the schema'));
};

const keyString = (table: TableDefinition, item: Item, missing: (name: string) => Error): string => {
  const parts = keyNamesOf(table).map((name, position) => {
    const value = Object.hasOwn(item, name) ? item[name] : undefined;
    if (!value) throw missing(name);
    const expected = typeOfKey(table, name);
    const actual = Object.keys(value)[0] as string;
    if (actual !== expected) {
      throw invalidParameters(`Type mismatch for key ${name} expected: ${expected} actual: ${actual}`);
    }
    const text = (value as Record<string, string>)[expected] as string;
    if (text === '') {
      throw validation(
        `One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty ${expected === 'S' ? 'string' : 'binary'} value. Key: ${name}`,
      );
    }
    const bytes = expected === 'B' ? Buffer.from(text, 'base64').length : Buffer.byteLength(text, 'utf8');
    if (position === 0 && bytes > MAX_KEY_BYTES.hash) {
      throw invalidParameters(`Size of hashkey has exceeded the maximum size limit of${MAX_KEY_BYTES.hash} bytes`);
    }
    if (position === 1 && bytes > MAX_KEY_BYTES.range) {
      throw invalidParameters(
        `Aggregated size of all range keys has exceeded the size limit of ${MAX_KEY_BYTES.range} bytes`,
      );
    }
    return `${expected}:${text}`;
  });
  return JSON.stringify(parts);
};

/** The key attributes of an item, as a `Key` (Scan's LastEvaluatedKey). */
export const keyAttributesOf = (table: TableDefinition, item: Item): Record<string, AttributeValue> =>
  Object.fromEntries(keyNamesOf(table).map((name) => [name, item[name] as AttributeValue]));
