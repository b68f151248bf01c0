// Per account and Region state that survives a restart: one JsonDocument (local/aws/persistence.ts) per account and
// Region in a service's folder under the data folder, named by fileNameFor(`<account>/<region>`), holding the scope
// and the service's own JSON form of its state. A scope's document is read on first use (or all at once with
// loadAll, for services with pending work to resume) and rewritten whole each time the service saves it.
import fs from 'node:fs';
import path from 'node:path';
import { fileNameFor, JsonDocument, PersistenceError } from './persistence.js';

export interface RegionScope {
  accountId: string;
  region: string;
}

interface SavedRegion<J> {
  accountId: string;
  region: string;
  state: J;
}

export interface RegionalDocumentsOptions<T, J> {
  /** The service's folder, e.g. `<dataDir>/elasticache`. */
  dir: string;
  /** The format version of `J`; a file of another version is refused (PersistenceError). */
  version: number;
  /** The state of a scope that has nothing saved. */
  create(scope: RegionScope): T;
  toJson(state: T): J;
  fromJson(json: J, scope: RegionScope): T;
}

export class RegionalDocuments<T, J> {
  private readonly states = new Map<string, { scope: RegionScope; state: T }>();

  public constructor(private readonly options: RegionalDocumentsOptions<T, J>) {}

  private static keyOf(scope: RegionScope): string {
    return `${scope.accountId}/${scope.region}`;
  }

  private documentAt(file: string): JsonDocument<SavedRegion<J>> {
    return new JsonDocument<SavedRegion<J>>(file, this.options.version);
  }

  private documentFor(scope: RegionScope): JsonDocument<SavedRegion<J>> {
    return this.documentAt(path.join(this.options.dir, `${fileNameFor(RegionalDocuments.keyOf(scope))}.json`));
  }

  /** The scope's state: in memory, else read from its document, else new. */
  public get(scope: RegionScope): T {
    const key = RegionalDocuments.keyOf(scope);
    let entry = this.states.get(key);
    if (!entry) {
      const own = { accountId: scope.accountId, region: scope.region };
      const saved = this.documentFor(own).read();
      entry = { scope: own, state: saved ? this.options.fromJson(saved.state, own) : this.options.create(own) };
      this.states.set(key, entry);
    }
    return entry.state;
  }

  /** Writes the scope's state to its document (atomically, as a whole). */
  public save(scope: RegionScope): void {
    const own = { accountId: scope.accountId, region: scope.region };
    const state = this.get(own);
    this.documentFor(own).write({ ...own, state: this.options.toJson(state) });
  }

  /** Reads every saved scope into memory and returns the scopes (for resuming their pending work). */
  public loadAll(): RegionScope[] {
    let entries: string[];
    try {
      entries = fs.readdirSync(this.options.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const scopes: RegionScope[] = [];
    // Temporary files of an interrupted write start with a dot (persistence.ts): not documents.
    for (const entry of entries.filter((name) => name.endsWith('.json') && !name.startsWith('.')).sort()) {
      const file = path.join(this.options.dir, entry);
      const saved = this.documentAt(file).read();
      if (!saved || typeof saved.accountId !== 'string' || typeof saved.region !== 'string') {
        throw new PersistenceError(file, 'no account and Region');
      }
      const scope = { accountId: saved.accountId, region: saved.region };
      const key = RegionalDocuments.keyOf(scope);
      if (!this.states.has(key)) this.states.set(key, { scope, state: this.options.fromJson(saved.state, scope) });
      scopes.push(scope);
    }
    return scopes;
  }
}
