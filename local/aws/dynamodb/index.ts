// Emulated Amazon DynamoDB (AWS JSON 1.0, `X-Amz-Target: DynamoDB_20120810.<Action>`), faithful to what
// `@aws-lambda-powertools/idempotency`'s DynamoDBPersistenceLayer does and to the table management an operator does:
//   tables  CreateTable (HASH and optional RANGE key, BillingMode; ACTIVE at once), DescribeTable, DeleteTable
//           (gone at once), ListTables, UpdateTimeToLive and DescribeTimeToLive (recorded, ENABLED at once)
//   items   PutItem, GetItem, UpdateItem, DeleteItem, Scan, with condition, update, projection and filter
//           expressions (expressions/), ReturnValues and ReturnValuesOnConditionCheckFailure
// Time to live is recorded but no item is ever deleted for it: DynamoDB deletes expired items only "typically within a
// few days" (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html) and keeps
// returning them until then, so code must not count on their disappearance. Not emulated: Query, batch and
// transactional actions, secondary indexes, streams, PartiQL, capacity limits (throttling).
// State survives a restart on the same data folder (state.ts). By concern: wire.ts (JSON 1.0), errors.ts,
// values.ts and numbers.ts (attribute values), tables.ts, items.ts, expressions/ (lexer, parser, evaluation).
import type { Clock } from '../../clock.js';
import type { RegionScope } from '../regional-documents.js';
import type { Caller, EmulatedService } from '../types.js';
import { resourceInUse, resourceNotFound, validation } from './errors.js';
import { deleteItem, getItem, putItem, scan, type TableAccess, updateItem } from './items.js';
import { DynamoDbStore, type TableDefinition } from './state.js';
import { checkTableName, describeTable, tableFromRequest } from './tables.js';
import {
  type Body,
  handleActions,
  optionalBoolean,
  optionalInteger,
  optionalRecord,
  optionalString,
  requiredString,
} from './wire.js';

/** ListTables: "Limit … Valid Range: Minimum value of 1. Maximum value of 100." */
const MAX_LIST_TABLES = 100;

export const createDynamoDbService = (deps: {
  clock: Clock;
  /** The data folder: state is saved under `<dataDir>/dynamodb/`. */
  dataDir: string;
}): { service: EmulatedService } => {
  const store = new DynamoDbStore(deps.dataDir);

  const scopeOf = (caller: Caller): RegionScope => ({ accountId: caller.accountId, region: caller.region });

  const tableNamed = (caller: Caller, body: Body, notFound = resourceNotFound): TableDefinition => {
    const name = requiredString(body, 'TableName');
    checkTableName(name);
    const table = store.tables(scopeOf(caller)).get(name);
    if (!table) throw notFound();
    return table;
  };

  const accessTo = (caller: Caller, body: Body): TableAccess => {
    const scope = scopeOf(caller);
    const table = tableNamed(caller, body);
    return { table, items: store.itemsOf(scope, table), save: (key) => store.saveItem(scope, table, key) };
  };

  /** DescribeTable and its kin name the missing table. */
  const missingTable = (body: Body) => () =>
    resourceNotFound(`Requested resource not found: Table: ${String(body.TableName)} not found`);

  const actions: Record<string, (body: Body, caller: Caller) => Record<string, unknown>> = {
    CreateTable: (body, caller) => {
      const scope = scopeOf(caller);
      const table = tableFromRequest(body, caller, deps.clock.now());
      const tables = store.tables(scope);
      if (tables.has(table.name)) throw resourceInUse(`Table already exists: ${table.name}`);
      tables.set(table.name, table);
      store.saveTables(scope);
      return { TableDescription: describeTable(table, store.itemsOf(scope, table)) };
    },
    DescribeTable: (body, caller) => {
      const table = tableNamed(caller, body, missingTable(body));
      return { Table: describeTable(table, store.itemsOf(scopeOf(caller), table)) };
    },
    DeleteTable: (body, caller) => {
      const scope = scopeOf(caller);
      const table = tableNamed(caller, body, missingTable(body));
      if (table.deletionProtection) {
        throw validation(
          'Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.',
        );
      }
      const description = describeTable(table, store.itemsOf(scope, table), 'DELETING');
      store.tables(scope).delete(table.name);
      store.saveTables(scope);
      store.dropItems(scope, table);
      return { TableDescription: description };
    },
    ListTables: (body, caller) => {
      const limit = optionalInteger(body, 'Limit') ?? MAX_LIST_TABLES;
      if (limit < 1 || limit > MAX_LIST_TABLES) {
        throw validation(
          `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value ${limit < 1 ? 'greater than or equal to 1' : 'less than or equal to 100'}`,
        );
      }
      const start = optionalString(body, 'ExclusiveStartTableName');
      if (start !== undefined) checkTableName(start, 'exclusiveStartTableName');
      const names = [...store.tables(scopeOf(caller)).keys()]
        .sort()
        .filter((name) => start === undefined || name > start);
      const page = names.slice(0, limit);
      return {
        TableNames: page,
        ...(names.length > limit && { LastEvaluatedTableName: page[page.length - 1] }),
      };
    },
    UpdateTimeToLive: (body, caller) => {
      const scope = scopeOf(caller);
      const table = tableNamed(caller, body);
      const specification = optionalRecord(body, 'TimeToLiveSpecification');
      if (!specification) {
        throw validation(
          "1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null",
        );
      }
      const enabled = optionalBoolean(specification, 'Enabled');
      const attributeName = optionalString(specification, 'AttributeName');
      if (enabled === undefined || attributeName === undefined || attributeName === '') {
        throw validation(
          `1 validation error detected: Value null at 'timeToLiveSpecification.${enabled === undefined ? 'enabled' : 'attributeName'}' failed to satisfy constraint: Member must not be null`,
        );
      }
      const current = table.ttl?.enabled ?? false;
      if (enabled && current) throw validation('TimeToLive is already enabled');
      if (!enabled && !current) throw validation('TimeToLive is already disabled');
      if (!enabled && table.ttl?.attributeName !== attributeName) {
        throw validation('TimeToLive is enabled on a different attribute name');
      }
      table.ttl = { attributeName, enabled };
      store.saveTables(scope);
      return { TimeToLiveSpecification: { Enabled: enabled, AttributeName: attributeName } };
    },
    DescribeTimeToLive: (body, caller) => {
      const table = tableNamed(caller, body);
      const ttl = table.ttl;
      return {
        TimeToLiveDescription: ttl?.enabled
          ? { TimeToLiveStatus: 'ENABLED', AttributeName: ttl.attributeName }
          : { TimeToLiveStatus: 'DISABLED' },
      };
    },
    PutItem: (body, caller) => putItem(accessTo(caller, body), body),
    GetItem: (body, caller) => getItem(accessTo(caller, body), body),
    UpdateItem: (body, caller) => updateItem(accessTo(caller, body), body),
    DeleteItem: (body, caller) => deleteItem(accessTo(caller, body), body),
    Scan: (body, caller) => scan(accessTo(caller, body), body),
  };

  const service: EmulatedService = { name: 'dynamodb', handle: handleActions(actions) };

  return { service };
};
