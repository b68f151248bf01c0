// How the emulated services keep their state on disk, so a restarted local stack finds what it had (the real
// services are durable; the local stack must be too). One mechanism for every service:
//   - a JsonDocument is one small JSON file rewritten atomically (temporary file + rename) on every change, for
//     state that is small and changes as a whole (a Region's replication groups and snapshots, SNS topics);
//   - a JsonLines journal is appended to, one JSON value per line, for state that grows (an execution's history,
//     a queue's messages), so a change never rewrites what was written before; a service may compact one by
//     replacing it whole, atomically. A torn last line (the process died mid-write) is skipped.
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
  public constructor(public readonly file: string) {}

  public append(value: T): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
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
  }

  public delete(): void {
    fs.rmSync(this.file, { force: true });
  }
}

/** A file name for any string (an ARN, a name with slashes): readable suffix plus a hash, safe on every OS. */
export const fileNameFor = (key: string): string =>
  `${key.replace(/[^A-Za-z0-9._-]+/g, '_').slice(-60)}-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
