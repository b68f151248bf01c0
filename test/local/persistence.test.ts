import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  fileNameFor,
  JsonDocument,
  JsonLines,
  KeyedJournal,
  type KeyedState,
  PersistenceError,
} from '../../local/aws/persistence';

const tempDir = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'persistence-'));

describe('JsonDocument', () => {
  it('reads back what was written, and undefined before the first write', () => {
    const file = path.join(tempDir(), 'nested', 'doc.json');
    const document = new JsonDocument<{ groups: string[] }>(file, 1);
    expect(document.read()).toBeUndefined();
    document.write({ groups: ['a'] });
    document.write({ groups: ['a', 'b'] });
    expect(new JsonDocument(file, 1).read()).toEqual({ groups: ['a', 'b'] });
    expect(fs.readdirSync(path.dirname(file))).toEqual(['doc.json']);
  });

  it('refuses a file of another format version or broken JSON, saying how to start afresh', () => {
    const dir = tempDir();
    new JsonDocument(path.join(dir, 'a.json'), 1).write({});
    expect(() => new JsonDocument(path.join(dir, 'a.json'), 2).read()).toThrow(/not format version 2.*delete it/);
    fs.writeFileSync(path.join(dir, 'b.json'), '{"version":1,');
    expect(() => new JsonDocument(path.join(dir, 'b.json'), 1).read()).toThrow(PersistenceError);
  });
});

describe('JsonDocument with a legacy reader', () => {
  it('reads a file saved before the format carried a version, and refuses what the reader does not know', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'old.json'), JSON.stringify({ bucket: { name: 'b' }, objects: [] }));
    fs.writeFileSync(path.join(dir, 'odd.json'), JSON.stringify({ something: 'else' }));
    const legacy = (saved: unknown) =>
      typeof (saved as { bucket?: { name?: unknown } }).bucket?.name === 'string' ? (saved as object) : undefined;
    expect(new JsonDocument(path.join(dir, 'old.json'), 1, legacy).read()).toEqual({
      bucket: { name: 'b' },
      objects: [],
    });
    expect(() => new JsonDocument(path.join(dir, 'odd.json'), 1, legacy).read()).toThrow(/not format version 1/);
  });
});

describe('JsonLines', () => {
  it('appends without rewriting and skips a last line cut short by a crash', () => {
    const file = path.join(tempDir(), 'journal.jsonl');
    const journal = new JsonLines<{ n: number }>(file);
    expect(journal.read()).toEqual([]);
    journal.append({ n: 1 });
    journal.append({ n: 2 });
    fs.appendFileSync(file, '{"n":');
    expect(journal.read()).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('refuses a broken line in the middle', () => {
    const file = path.join(tempDir(), 'journal.jsonl');
    fs.writeFileSync(file, '{"n":1}\nnot json\n{"n":3}\n');
    expect(() => new JsonLines(file).read()).toThrow(/line 2/);
  });
});

describe('KeyedJournal', () => {
  /** A collection in memory and its journal, changed the way the services change theirs: memory first. */
  const collection = (file: string) => {
    const state: KeyedState<{ n: number }, string> = { head: 'bucket', entries: new Map() };
    const journal = new KeyedJournal<{ n: number }, string>(file, 1, () => state);
    return {
      state,
      journal,
      set: (key: string, n: number) => {
        state.entries.set(key, { n });
        journal.set(key, { n });
      },
      delete: (key: string) => {
        state.entries.delete(key);
        journal.delete(key);
      },
    };
  };
  const lineCount = (file: string): number => fs.readFileSync(file, 'utf8').split('\n').length - 1;

  it('appends one line per change and reads back the last value of each key, in first-set order', () => {
    const file = path.join(tempDir(), 'nested', 'bucket.jsonl');
    const c = collection(file);
    expect(c.journal.read()).toBeUndefined();
    c.set('a', 1);
    c.set('b', 2);
    c.set('a', 3);
    c.delete('b');
    c.set('c', 4);
    c.state.head = 'bucket, changed';
    c.journal.setHead(c.state.head);
    // The version line, then one line per change (the first change started the journal).
    expect(lineCount(file)).toBe(7);
    const saved = new KeyedJournal<{ n: number }, string>(file, 1, () => c.state).read();
    expect(saved?.head).toBe('bucket, changed');
    expect([...(saved?.entries ?? [])]).toEqual([
      ['a', { n: 3 }],
      ['c', { n: 4 }],
    ]);
  });

  it('does not rewrite the collection on a change: a change costs its own line, whatever the size', () => {
    const file = path.join(tempDir(), 'bucket.jsonl');
    const c = collection(file);
    for (let index = 0; index < 1000; index += 1) c.set(`key-${index}`, index);
    const before = fs.statSync(file).size;
    c.set('key-1000', 1000);
    expect(fs.statSync(file).size - before).toBe(
      Buffer.byteLength(`${JSON.stringify({ set: 'key-1000', value: { n: 1000 } })}\n`),
    );
  });

  it('compacts itself once dead lines pile up, and reads the same collection back', () => {
    const file = path.join(tempDir(), 'bucket.jsonl');
    const c = collection(file);
    c.set('kept', 0);
    for (let index = 0; index < 500; index += 1) {
      c.set('churn', index);
      c.delete('churn');
    }
    // 1,001 changes to a collection of one entry: the journal stays near its compaction bound (2 × 1 + 64 lines).
    expect(lineCount(file)).toBeLessThanOrEqual(2 * 1 + 64 + 1);
    const saved = new KeyedJournal<{ n: number }, string>(file, 1, () => c.state).read();
    expect(saved).toEqual({ head: 'bucket', entries: new Map([['kept', { n: 0 }]]) });
    expect(fs.readdirSync(path.dirname(file))).toEqual(['bucket.jsonl']);
  });

  it('skips a last line cut short by a crash, and refuses another format version', () => {
    const file = path.join(tempDir(), 'bucket.jsonl');
    const c = collection(file);
    c.set('a', 1);
    fs.appendFileSync(file, '{"set":"b","val');
    expect([...(new KeyedJournal(file, 1, () => c.state).read()?.entries.keys() ?? [])]).toEqual(['a']);
    expect(() => new KeyedJournal(file, 2, () => c.state).read()).toThrow(/not format version 2.*delete it/);
  });
});

describe('fileNameFor', () => {
  it('gives distinct, portable names for keys that differ only in unsafe characters', () => {
    const a = fileNameFor('arn:aws:states:us-east-1:000000000000:execution:m:a/b');
    const b = fileNameFor('arn:aws:states:us-east-1:000000000000:execution:m:a_b');
    expect(a).not.toEqual(b);
    expect(a).toMatch(/^[A-Za-z0-9._-]+$/);
  });
});
