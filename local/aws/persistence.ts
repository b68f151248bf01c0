// How the emulated services keep their state on disk, so a restarted local stack finds what it had (the real
// services are durable; the local stack must be too). One mechanism for every service:
//   - a JsonDocument is one small JSON file rewritten atomically (temporary file + rename) on every change, for
//     state that is small and changes as a whole (a Region's replication groups and snapshots, SNS topics);
//   - a JsonLines journal is appended to, one JSON value per line, for state that grows (an execution's history,
//     a queue's messages), so a change never rewrites what was written before; a service may compact one by
//     replacing it whole, atomically. A torn last line (the process died mid-write) is skipped;
//   - a KeyedJournal is a JsonLines journal of a keyed collection's changes (a bucket's objects, a table's items):
//     one line per set or delete, so a change costs its own size, not the collection's; it compacts itself.
// Files carry a format version; a file of another version is refused with a message saying how to start afresh.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export class PersistenceError extends Error {
  public constructor(file: string, reason: string) {
    super(`Cannot read the saved local state in ${file} (${reason}); delete it to start afresh`);
    this.name = 'PersistenceError';
  }
}

const writeAtomically = (file: string, content: string): void => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID()}.tmp`);
  fs.writeFileSync(temporary, content);
  fs.renameSync(temporary, file);
};

/** One JSON value in one file, written whole and atomically. */
export class JsonDocument<T> {
  /**
   * `legacy` reads a file saved before the format carried a version (the whole file is the value), so data folders
   * of earlier versions of the local stack load instead of being refused; undefined refuses it.
   */
  public constructor(
    public readonly file: string,
    private readonly version: number,
    private readonly legacy?: (saved: unknown) => T | undefined,
  ) {}

  /** The saved value, or undefined when nothing was saved yet. */
  public read(): T | undefined {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    let saved: { version?: unknown; value?: unknown };
    try {
      saved = JSON.parse(text) as { version?: unknown; value?: unknown };
    } catch (error) {
      throw new PersistenceError(this.file, error instanceof Error ? error.message : String(error));
    }
    if (this.legacy && typeof saved === 'object' && saved !== null && !('version' in saved)) {
      const value = this.legacy(saved);
      if (value !== undefined) return value;
    }
    if (saved?.version !== this.version) throw new PersistenceError(this.file, `not format version ${this.version}`);
    return saved.value as T;
  }

  public write(value: T): void {
    writeAtomically(this.file, JSON.stringify({ version: this.version, value }));
  }

  public delete(): void {
    fs.rmSync(this.file, { force: true });
  }
}

/** An append-only file of JSON values, one per line. */
export class JsonLines<T> {
  /** Its folder is known to exist (made once, not on every append). */
  private folderMade = false;

  public constructor(public readonly file: string) {}

  public append(value: T): void {
    if (!this.folderMade) {
      fs.mkdirSync(path.dirname(this.file), { recursive: true });
      this.folderMade = true;
    }
    fs.appendFileSync(this.file, `${JSON.stringify(value)}\n`);
  }

  /** Every complete line, oldest first; a last line cut short by a crash is left out. */
  public read(): T[] {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    // The part after the last newline is either empty or a line cut short by a crash: leave it out.
    const complete = text.split('\n').slice(0, -1);
    return complete
      .filter((line) => line !== '')
      .map((line, index) => {
        try {
          return JSON.parse(line) as T;
        } catch (error) {
          throw new PersistenceError(
            this.file,
            `line ${index + 1}: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
      });
  }

  /** Rewrites the journal as exactly these values, atomically (compaction: a crash leaves the old or the new one). */
  public replace(values: readonly T[]): void {
    writeAtomically(this.file, values.map((value) => `${JSON.stringify(value)}\n`).join(''));
    this.folderMade = true;
  }

  public delete(): void {
    fs.rmSync(this.file, { force: true });
  }
}

/** A keyed collection as a KeyedJournal holds it: an optional head value (e.g. the bucket itself) and the entries. */
export interface KeyedState<V, H> {
  head: H | undefined;
  /** In the order the keys were first set (a key deleted and set again goes last), as a Map keeps them. */
  entries: Map<string, V>;
}

type KeyedLine<V, H> = { version: number; head?: H } | { head: H } | { set: string; value: V } | { delete: string };

/**
 * A journal is compacted once it holds more than COMPACT_FACTOR lines per live entry (plus COMPACT_SLACK): the
 * rewrite costs the collection's size once per that many changes, so a change costs a constant amount on average.
 */
const COMPACT_FACTOR = 2;
const COMPACT_SLACK = 64;

/**
 * A keyed collection persisted as the journal of its changes (a JsonLines file): the first line carries the format
 * version and the head, then one line per change, `{ set, value }`, `{ delete }` or `{ head }`; reading replays them,
 * last change wins. A change appends one line and never rewrites the collection. When dead lines pile up the journal
 * is compacted: rewritten atomically as the head and the live entries (`current` gives them, from memory).
 */
export class KeyedJournal<V, H = undefined> {
  private readonly lines: JsonLines<KeyedLine<V, H>>;
  /** Lines in the file (counted when it is read or written); undefined until this process read or wrote it. */
  private lineCount: number | undefined;

  public constructor(
    file: string,
    private readonly version: number,
    private readonly current: () => KeyedState<V, H>,
  ) {
    this.lines = new JsonLines(file);
  }

  public get file(): string {
    return this.lines.file;
  }

  /** The saved collection, or undefined when there is no journal. */
  public read(): KeyedState<V, H> | undefined {
    if (!fs.existsSync(this.file)) return undefined;
    const [first, ...rest] = this.lines.read();
    if (first === undefined) {
      // Created, but the process died before its first line was complete: nothing was saved.
      this.lineCount = 0;
      return { head: undefined, entries: new Map() };
    }
    if (!('version' in first) || first.version !== this.version) {
      throw new PersistenceError(this.file, `not format version ${this.version}`);
    }
    const state: KeyedState<V, H> = { head: first.head, entries: new Map() };
    for (const line of rest) {
      if ('set' in line) state.entries.set(line.set, line.value);
      else if ('delete' in line) state.entries.delete(line.delete);
      else if ('head' in line) state.head = line.head;
    }
    this.lineCount = rest.length + 1;
    return state;
  }

  /** Writes the collection whole, atomically: a new journal, a migration from another format, a compaction. */
  public replace(state: KeyedState<V, H>): void {
    const lines: Array<KeyedLine<V, H>> = [
      { version: this.version, ...(state.head !== undefined && { head: state.head }) },
      ...[...state.entries].map(([key, value]) => ({ set: key, value })),
    ];
    this.lines.replace(lines);
    this.lineCount = lines.length;
  }

  public set(key: string, value: V): void {
    this.append({ set: key, value });
  }

  public delete(key: string): void {
    this.append({ delete: key });
  }

  public setHead(head: H): void {
    this.append({ head });
  }

  /** Removes the journal (the collection is gone). */
  public remove(): void {
    this.lines.delete();
    this.lineCount = undefined;
  }

  private append(line: KeyedLine<V, H>): void {
    if (this.lineCount === undefined && !fs.existsSync(this.file)) {
      // No journal yet: the change is written with the rest of the collection, under a version line.
      this.replace(this.current());
      return;
    }
    this.lines.append(line);
    this.lineCount = (this.lineCount ?? 1) + 1;
    if (this.lineCount > COMPACT_FACTOR * this.current().entries.size + COMPACT_SLACK) this.replace(this.current());
  }
}

/** A file name for any string (an ARN, a name with slashes): readable suffix plus a hash, safe on every OS. */
export const fileNameFor = (key: string): string =>
  `${key.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-60)}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
