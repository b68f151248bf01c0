// DynamoDB's state and how it persists, per account and Region: the table definitions (key schema, billing mode,
// TTL setting) in one JSON document under `<dataDir>/dynamodb/` (../regional-documents.ts), and each table's items
// in a document of its own, `<dataDir>/dynamodb/items/<account-region-table-id>.json`, rewritten whole (atomically)
// on every write to that table and read on the table's first use. A table's items are held in memory in a Map keyed
// by their primary key, in the order they were first written, which is also the order Scan returns them in.
import path from 'node:path';
import { fileNameFor, JsonDocument } from '../persistence.js';
import { RegionalDocuments, type RegionScope } from '../regional-documents.js';
import { type Item, itemFrom } from './values.js';

export type KeyType = 'HASH' | 'RANGE';
export type ScalarType = 'S' | 'N' | 'B';

export interface KeyElement {
  AttributeName: string;
  KeyType: KeyType;
}

export interface AttributeDefinition {
  AttributeName: string;
  AttributeType: ScalarType;
}

export interface TableDefinition {
  name: string;
  id: string;
  arn: string;
  /** Epoch seconds. */
  createdAt: number;
  keySchema: KeyElement[];
  attributeDefinitions: AttributeDefinition[];
  billingMode: 'PROVISIONED' | 'PAY_PER_REQUEST';
  provisioned?: { read: number; write: number };
  deletionProtection: boolean;
  /** UpdateTimeToLive's setting, recorded; the emulator never deletes expired items (see index.ts). */
  ttl?: { attributeName: string; enabled: boolean };
  sseEnabled: boolean;
}

interface TablesDocument {
  tables: TableDefinition[];
}

const FORMAT_VERSION = 1;

export class DynamoDbStore {
  private readonly definitions: RegionalDocuments<Map<string, TableDefinition>, TablesDocument>;
  private readonly items = new Map<string, Map<string, Item>>();

  public constructor(private readonly dataDir: string) {
    this.definitions = new RegionalDocuments<Map<string, TableDefinition>, TablesDocument>({
      dir: path.join(dataDir, 'dynamodb'),
      version: FORMAT_VERSION,
      create: () => new Map(),
      toJson: (tables) => ({ tables: [...tables.values()] }),
      fromJson: (saved) => new Map(saved.tables.map((table) => [table.name, table] as const)),
    });
  }

  public tables(scope: RegionScope): Map<string, TableDefinition> {
    return this.definitions.get(scope);
  }

  public saveTables(scope: RegionScope): void {
    this.definitions.save(scope);
  }

  private documentFor(scope: RegionScope, table: TableDefinition): JsonDocument<Array<[string, Item]>> {
    const name = fileNameFor(`${scope.accountId}/${scope.region}/${table.name}/${table.id}`);
    return new JsonDocument(path.join(this.dataDir, 'dynamodb', 'items', `${name}.json`), FORMAT_VERSION);
  }

  /** The table's items, keyed by primary key; read from disk on first use. */
  public itemsOf(scope: RegionScope, table: TableDefinition): Map<string, Item> {
    let items = this.items.get(table.id);
    if (!items) {
      const saved = this.documentFor(scope, table).read() ?? [];
      // Read back through the wire's own checks: maps without prototypes, numbers canonical.
      items = new Map(saved.map(([key, item]) => [key, itemFrom(item)] as const));
      this.items.set(table.id, items);
    }
    return items;
  }

  public saveItems(scope: RegionScope, table: TableDefinition): void {
    this.documentFor(scope, table).write([...this.itemsOf(scope, table)]);
  }

  public dropItems(scope: RegionScope, table: TableDefinition): void {
    this.items.delete(table.id);
    this.documentFor(scope, table).delete();
  }
}
