// The item actions: PutItem, GetItem, UpdateItem, DeleteItem and Scan, with the expression parameters DynamoDB
// takes (ConditionExpression, UpdateExpression, ProjectionExpression, FilterExpression, ExpressionAttributeNames and
// ExpressionAttributeValues, every placeholder used exactly as DynamoDB insists), ReturnValues, and
// ReturnValuesOnConditionCheckFailure (ALL_OLD puts the item as it was into the ConditionalCheckFailedException, the
// way Powertools' idempotency reads an existing record). A condition is evaluated against the stored item, or an
// empty one when there is none. Each action runs to its end before the next begins (the emulator is one thread), so
// two conditional writes of one key never both succeed. Expired items (TTL) are read like any other: DynamoDB
// deletes them only "typically within a few days", and code must check the expiry itself, as Powertools does.
// The legacy parameters (Expected, AttributeUpdates, ConditionalOperator, ScanFilter) are refused by name.
import { crc32 } from 'node:zlib';
import { conditionalCheckFailed, DynamoDbError, validation } from './errors.js';
import type { Condition, Path } from './expressions/ast.js';
import { project } from './expressions/documents.js';
import { evaluate } from './expressions/evaluate.js';
import { Placeholders, parseCondition, parseProjection, parseUpdate } from './expressions/parser.js';
import { applyUpdate, checkUpdate } from './expressions/update.js';
import type { TableDefinition } from './state.js';
import { keyAttributesOf, keyNamesOf, keyOfItem, keyOfKey } from './tables.js';
import { attributeValueFrom, cloneItem, emptyItem, type Item, itemFrom, itemSize, MAX_ITEM_BYTES } from './values.js';
import {
  type Body,
  notNull,
  optionalBoolean,
  optionalEnum,
  optionalInteger,
  optionalList,
  optionalRecord,
  optionalString,
} from './wire.js';

/** The table an action works on and its items; `save` writes one item after it changed (or was deleted). */
export interface TableAccess {
  table: TableDefinition;
  items: Map<string, Item>;
  save(key: string): void;
}

const LEGACY = ['Expected', 'AttributeUpdates', 'ConditionalOperator', 'ScanFilter', 'QueryFilter'] as const;

const refuseLegacy = (body: Body): void => {
  for (const field of LEGACY) {
    if (body[field] !== undefined && body[field] !== null) {
      throw validation(
        `${field} is a legacy parameter the local DynamoDB does not emulate; use ConditionExpression, UpdateExpression or FilterExpression`,
      );
    }
  }
};

const NAME_KEY = /^#[A-Za-z0-9_]+$/;
const VALUE_KEY = /^:[A-Za-z0-9_]+$/;

const placeholdersOf = (body: Body): Placeholders => {
  const rawNames = optionalRecord(body, 'ExpressionAttributeNames');
  const rawValues = optionalRecord(body, 'ExpressionAttributeValues');
  let names: Record<string, string> | undefined;
  if (rawNames) {
    if (Object.keys(rawNames).length === 0) throw validation('ExpressionAttributeNames must not be empty');
    names = Object.create(null) as Record<string, string>;
    for (const [key, name] of Object.entries(rawNames)) {
      if (!NAME_KEY.test(key))
        throw validation(`ExpressionAttributeNames contains invalid key: Syntax error; key: "${key}"`);
      if (typeof name !== 'string' || name === '') {
        throw validation(`ExpressionAttributeNames contains invalid value: Empty attribute name for key ${key}`);
      }
      names[key] = name;
    }
  }
  let values: Item | undefined;
  if (rawValues) {
    if (Object.keys(rawValues).length === 0) throw validation('ExpressionAttributeValues must not be empty');
    values = emptyItem();
    for (const [key, raw] of Object.entries(rawValues)) {
      if (!VALUE_KEY.test(key)) {
        throw validation(`ExpressionAttributeValues contains invalid key: Syntax error; key: "${key}"`);
      }
      try {
        values[key] = attributeValueFrom(raw);
      } catch (error) {
        if (error instanceof DynamoDbError) {
          throw validation(`ExpressionAttributeValues contains invalid value: ${error.message} for key ${key}`);
        }
        throw error;
      }
    }
  }
  return new Placeholders(names, values);
};

/** DynamoDB refuses placeholders no expression of the request used, and placeholders without any expression. */
const checkPlaceholdersUsed = (placeholders: Placeholders, anyExpression: boolean): void => {
  const { names, values } = placeholders;
  if (!anyExpression) {
    if (names) throw validation('ExpressionAttributeNames can only be specified when using expressions');
    if (values) throw validation('ExpressionAttributeValues can only be specified when using expressions');
    return;
  }
  const unusedNames = Object.keys(names ?? {}).filter((key) => !placeholders.usedNames.has(key));
  if (unusedNames.length > 0) {
    throw validation(
      `Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedNames.join(', ')}}`,
    );
  }
  const unusedValues = Object.keys(values ?? {}).filter((key) => !placeholders.usedValues.has(key));
  if (unusedValues.length > 0) {
    throw validation(
      `Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValues.join(', ')}}`,
    );
  }
};

/** The expressions of a request, parsed, with its placeholders checked. */
interface Expressions {
  condition?: Condition;
  projection?: Path[];
}

const expressionsOf = (
  body: Body,
  conditionField: 'ConditionExpression' | 'FilterExpression' | undefined,
  extra?: (placeholders: Placeholders) => boolean,
): Expressions => {
  refuseLegacy(body);
  const placeholders = placeholdersOf(body);
  const conditionText = conditionField && optionalString(body, conditionField);
  const projectionText = optionalString(body, 'ProjectionExpression');
  if (projectionText !== undefined && body.AttributesToGet !== undefined) {
    throw validation(
      'Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}',
    );
  }
  const expressions: Expressions = {
    ...(conditionText !== undefined &&
      conditionField && { condition: parseCondition(conditionText, conditionField, placeholders) }),
    ...(projectionText !== undefined && { projection: parseProjection(projectionText, placeholders) }),
  };
  const usedExtra = extra?.(placeholders) ?? false;
  checkPlaceholdersUsed(placeholders, usedExtra || conditionText !== undefined || projectionText !== undefined);
  return expressions;
};

const RETURN_VALUES = ['NONE', 'ALL_OLD', 'UPDATED_OLD', 'ALL_NEW', 'UPDATED_NEW'] as const;
type ReturnValues = (typeof RETURN_VALUES)[number];

const returnValuesOf = (body: Body, allowed: readonly ReturnValues[]): ReturnValues => {
  const value = optionalEnum(body, 'ReturnValues', RETURN_VALUES) ?? 'NONE';
  if (!allowed.includes(value)) throw validation('Return values set to invalid value');
  return value;
};

const onConditionFailureOf = (body: Body): 'ALL_OLD' | 'NONE' =>
  optionalEnum(body, 'ReturnValuesOnConditionCheckFailure', ['ALL_OLD', 'NONE'] as const) ?? 'NONE';

/**
 * ReturnConsumedCapacity: one write unit per KB of the larger of the old and new item, one read unit per 4 KB (half
 * for an eventually consistent read), as DynamoDB bills them. No capacity is enforced.
 */
const consumedCapacity = (body: Body, table: TableDefinition, units: number): Record<string, unknown> | undefined => {
  const mode = optionalEnum(body, 'ReturnConsumedCapacity', ['INDEXES', 'TOTAL', 'NONE'] as const) ?? 'NONE';
  if (mode === 'NONE') return undefined;
  return {
    TableName: table.name,
    CapacityUnits: units,
    ...(mode === 'INDEXES' && { Table: { CapacityUnits: units } }),
  };
};

const writeUnits = (...items: Array<Item | undefined>): number =>
  Math.max(1, ...items.map((item) => (item ? Math.ceil(itemSize(item) / 1024) : 1)));

const readUnits = (item: Item | undefined, consistent: boolean): number =>
  Math.max(1, Math.ceil((item ? itemSize(item) : 0) / 4096)) * (consistent ? 1 : 0.5);

const withCapacity = (
  answer: Record<string, unknown>,
  body: Body,
  table: TableDefinition,
  units: number,
): Record<string, unknown> => {
  const capacity = consumedCapacity(body, table, units);
  return capacity ? { ...answer, ConsumedCapacity: capacity } : answer;
};

const requiredItem = (body: Body, field: 'Item' | 'Key'): Item => {
  const raw = optionalRecord(body, field);
  if (!raw) throw notNull(field);
  return itemFrom(raw);
};

const checkSize = (item: Item, message: string): void => {
  if (itemSize(item) > MAX_ITEM_BYTES) throw validation(message);
};

/** Throws ConditionalCheckFailedException unless the condition holds for the item as stored. */
const checkCondition = (condition: Condition | undefined, existing: Item | undefined, body: Body): void => {
  if (!condition || evaluate(condition, existing ?? emptyItem())) return;
  throw conditionalCheckFailed(onConditionFailureOf(body) === 'ALL_OLD' && existing ? cloneItem(existing) : undefined);
};

export const putItem = (access: TableAccess, body: Body): Record<string, unknown> => {
  const { table, items } = access;
  const item = requiredItem(body, 'Item');
  checkSize(item, 'Item size has exceeded the maximum allowed size');
  const key = keyOfItem(table, item);
  const { condition } = expressionsOf(body, 'ConditionExpression');
  const returnValues = returnValuesOf(body, ['NONE', 'ALL_OLD']);
  onConditionFailureOf(body);
  const existing = items.get(key);
  checkCondition(condition, existing, body);
  items.set(key, item);
  access.save(key);
  return withCapacity(
    returnValues === 'ALL_OLD' && existing ? { Attributes: existing } : {},
    body,
    table,
    writeUnits(existing, item),
  );
};

export const getItem = (access: TableAccess, body: Body): Record<string, unknown> => {
  const { table, items } = access;
  const key = keyOfKey(table, requiredItem(body, 'Key'));
  const { projection } = expressionsOf(body, undefined);
  const consistent = optionalBoolean(body, 'ConsistentRead') ?? false;
  const found = items.get(key);
  const attributesToGet = optionalList(body, 'AttributesToGet');
  const paths = projection ?? attributesToGet?.map((name) => [{ name: String(name) }]);
  const item = found && (paths ? project(found, paths) : found);
  return withCapacity(item ? { Item: item } : {}, body, table, readUnits(found, consistent));
};

export const updateItem = (access: TableAccess, body: Body): Record<string, unknown> => {
  const { table, items } = access;
  const keyItem = requiredItem(body, 'Key');
  const key = keyOfKey(table, keyItem);
  const updateText = optionalString(body, 'UpdateExpression');
  let actions: ReturnType<typeof parseUpdate> = [];
  const { condition } = expressionsOf(body, 'ConditionExpression', (placeholders) => {
    if (updateText === undefined) return false;
    actions = parseUpdate(updateText, placeholders);
    return true;
  });
  checkUpdate(actions, keyNamesOf(table));
  const returnValues = returnValuesOf(body, RETURN_VALUES);
  onConditionFailureOf(body);
  const existing = items.get(key);
  checkCondition(condition, existing, body);
  // UpdateItem creates the item when there is none: the key, then what the update sets.
  const updated = applyUpdate(existing ?? keyItem, actions);
  checkSize(updated, 'Item size to update has exceeded the maximum allowed size');
  items.set(key, updated);
  access.save(key);
  const touched = actions.map((action) => action.path);
  const attributes =
    returnValues === 'ALL_OLD'
      ? existing
      : returnValues === 'ALL_NEW'
        ? updated
        : returnValues === 'UPDATED_OLD'
          ? existing && project(existing, touched)
          : returnValues === 'UPDATED_NEW'
            ? project(updated, touched)
            : undefined;
  const answer = attributes && Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
  return withCapacity(answer, body, table, writeUnits(existing, updated));
};

export const deleteItem = (access: TableAccess, body: Body): Record<string, unknown> => {
  const { table, items } = access;
  const key = keyOfKey(table, requiredItem(body, 'Key'));
  const { condition } = expressionsOf(body, 'ConditionExpression');
  const returnValues = returnValuesOf(body, ['NONE', 'ALL_OLD']);
  onConditionFailureOf(body);
  const existing = items.get(key);
  checkCondition(condition, existing, body);
  if (existing) {
    items.delete(key);
    access.save(key);
  }
  return withCapacity(
    returnValues === 'ALL_OLD' && existing ? { Attributes: existing } : {},
    body,
    table,
    writeUnits(existing),
  );
};

/** Scan reads at most 1 MB of items per page, as DynamoDB does, before the filter applies. */
const SCAN_PAGE_BYTES = 1024 * 1024;

export const scan = (access: TableAccess, body: Body): Record<string, unknown> => {
  const { table, items } = access;
  const { condition: filter, projection } = expressionsOf(body, 'FilterExpression');
  const limit = optionalInteger(body, 'Limit');
  if (limit !== undefined && limit < 1) {
    throw validation(
      `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1`,
    );
  }
  const select = optionalEnum(body, 'Select', [
    'ALL_ATTRIBUTES',
    'ALL_PROJECTED_ATTRIBUTES',
    'SPECIFIC_ATTRIBUTES',
    'COUNT',
  ] as const);
  const segment = optionalInteger(body, 'Segment');
  const totalSegments = optionalInteger(body, 'TotalSegments');
  if ((segment === undefined) !== (totalSegments === undefined)) {
    throw validation(
      `The ${segment === undefined ? 'Segment' : 'TotalSegments'} parameter is required but was not present in the request when ${segment === undefined ? 'TotalSegments' : 'Segment'} parameter is present`,
    );
  }
  if (
    totalSegments !== undefined &&
    segment !== undefined &&
    (totalSegments < 1 || segment < 0 || segment >= totalSegments)
  ) {
    throw validation(
      `The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: ${segment} is not less than TotalSegments: ${totalSegments}`,
    );
  }
  const startRaw = optionalRecord(body, 'ExclusiveStartKey');
  const startKey = startRaw && keyOfKey(table, itemFrom(startRaw));
  // Pages follow the order of the keys, so a page boundary stays put when items are written or deleted meanwhile;
  // a key's segment is fixed by a hash of it.
  const ordered = [...items.entries()]
    .filter(([key]) => segment === undefined || crc32(key) % (totalSegments as number) === segment)
    .filter(([key]) => startKey === undefined || key > startKey)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const found: Item[] = [];
  let scanned = 0;
  let bytes = 0;
  let last: Item | undefined;
  for (const [, item] of ordered) {
    if ((limit !== undefined && scanned >= limit) || bytes >= SCAN_PAGE_BYTES) break;
    scanned += 1;
    bytes += itemSize(item);
    last = item;
    if (!filter || evaluate(filter, item)) found.push(projection ? project(item, projection) : item);
  }
  const more = scanned < ordered.length;
  return withCapacity(
    {
      ...(select !== 'COUNT' && { Items: found }),
      Count: found.length,
      ScannedCount: scanned,
      ...(more && last && { LastEvaluatedKey: keyAttributesOf(table, last) }),
    },
    body,
    table,
    Math.max(0.5, Math.ceil(bytes / 4096) * (optionalBoolean(body, 'ConsistentRead') ? 1 : 0.5)),
  );
};
