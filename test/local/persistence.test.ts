import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileNameFor, JsonDocument, JsonLines, PersistenceError } from '../../local/aws/persistence';

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

describe('fileNameFor', () => {
  it('gives distinct, portable names for keys that differ only in unsafe characters', () => {
    const a = fileNameFor('arn:aws:states:us-east-1:000000000000:execution:m:a/b');
    const b = fileNameFor('arn:aws:states:us-east-1:000000000000:execution:m:a_b');
    expect(a).not.toEqual(b);
    expect(a).toMatch(/^[A-Za-z0-9._-]+$/);
  });
});
