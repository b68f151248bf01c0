// DynamoDB's state and how it persists, per account and Region: the table definitions (key schema, billing mode,
// TTL setting) in one JSON document under `<dataDir>/dynamodb/` (../regional-documents.ts), and each table's items
// in a journal of its own, `<dataDir>/dynamodb/items/<account-region-table-id>.jsonl` (a KeyedJournal,
// ../persistence.ts: one line per item written or deleted, compacted as it grows), read on the table's first use. A
// table's items are held in memory in a Map keyed by their primary key, in the order they were first written, which
// is also the order Scan returns them in. The format before this one, `items/<…>.json` rewritten whole on every
// write, is read once and turned into a journal.
import fs from 'node:fs';
import path from 'node:path';
import { fileNameFor, JsonDocument, KeyedJournal } from '../persistence.js';
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

/** A table's items in memory and the journal they persist to. */
interface SavedTable {
  items: Map<string, Item>;
  journal: KeyedJournal<Item>;
}

export class DynamoDbStore {
  private readonly definitions: RegionalDocuments<Map<string, TableDefinition>, TablesDocument>;
  private readonly items = new Map<string, SavedTable>();

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

  private fileFor(scope: RegionScope, table: TableDefinition, suffix: '.json' | '.jsonl'): string {
    const name = fileNameFor(`${scope.accountId}/${scope.region}/${table.name}/${table.id}`);
    return path.join(this.dataDir, 'dynamodb', 'items', `${name}${suffix}`);
  }

  /** The table's items, keyed by primary key; read from disk on first use. */
  public itemsOf(scope: RegionScope, table: TableDefinition): Map<string, Item> {
    return this.tableOf(scope, table).items;
  }

  private tableOf(scope: RegionScope, table: TableDefinition): SavedTable {
    let saved = this.items.get(table.id);
    if (saved) return saved;
    const items = new Map<string, Item>();
    const journal = new KeyedJournal<Item>(this.fileFor(scope, table, '.jsonl'), FORMAT_VERSION, () => ({
      head: undefined,
      entries: items,
    }));
    const legacyFile = this.fileFor(scope, table, '.json');
    const journaled = journal.read();
    // Read back through the wire's own checks: maps without prototypes, numbers canonical.
    for (const [key, item] of journaled?.entries ??
      new JsonDocument<Array<[string, Item]>>(legacyFile, FORMAT_VERSION).read() ??
      []) {
      items.set(key, itemFrom(item));
    }
    if (!journaled && fs.existsSync(legacyFile)) {
      journal.replace({ head: undefined, entries: items });
      fs.rmSync(legacyFile, { force: true });
    }
    saved = { items, journal };
    this.items.set(table.id, saved);
    return saved;
  }

  /** Writes one item after it was put or updated (`items` holds it) or deleted (`items` no longer does). */
  public saveItem(scope: RegionScope, table: TableDefinition, key: string): void {
    const { items, journal } = this.tableOf(scope, table);
    const item = items.get(key);
    if (item) journal.set(key, item);
    else journal.delete(key);
  }

  public dropItems(scope: RegionScope, table: TableDefinition): void {
    this.tableOf(scope, table).journal.remove();
    this.items.delete(table.id);
    fs.rmSync(this.fileFor(scope, table, '.json'), { force: true });
  }
}
