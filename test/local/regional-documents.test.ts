// RegionalDocuments (local/aws/regional-documents.ts): per account and Region state saved as one JSON document each,
// found again by a new instance on the same folder, lazily or all at once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PersistenceError } from '../../local/aws/persistence';
import { RegionalDocuments, type RegionScope } from '../../local/aws/regional-documents';

interface Counter {
  scope: RegionScope;
  names: Set<string>;
}

const documentsIn = (dir: string) =>
  new RegionalDocuments<Counter, string[]>({
    dir,
    version: 1,
    create: (scope) => ({ scope, names: new Set() }),
    toJson: (state) => [...state.names],
    fromJson: (names, scope) => ({ scope, names: new Set(names) }),
  });

const made: string[] = [];
const tempDir = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regional-documents-'));
  made.push(dir);
  return dir;
};

afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

const east = { accountId: '111111111111', region: 'us-east-1' };
const west = { accountId: '222222222222', region: 'eu-west-1' };

describe('RegionalDocuments', () => {
  it('gives a new instance on the same folder what each scope saved, and nothing it did not save', () => {
    // Arrange
    const dir = tempDir();
    const first = documentsIn(dir);
    first.get(east).names.add('saved');
    first.save(east);
    first.get(west).names.add('never saved');

    // Act
    const second = documentsIn(dir);

    // Assert
    expect([...second.get(east).names]).toEqual(['saved']);
    expect([...second.get(west).names]).toEqual([]);
    expect(second.get(east).scope).toEqual(east);
  });

  it('loads every saved scope at once, leaving out the temporary files of an interrupted write', () => {
    // Arrange
    const dir = tempDir();
    const first = documentsIn(dir);
    for (const scope of [east, west]) {
      first.get(scope).names.add(scope.region);
      first.save(scope);
    }
    fs.writeFileSync(path.join(dir, '.half-written.json.1234.tmp'), '{"vers');

    // Act
    const second = documentsIn(dir);
    const scopes = second.loadAll();

    // Assert
    expect(scopes).toHaveLength(2);
    expect(scopes).toEqual(expect.arrayContaining([east, west]));
    expect([...second.get(west).names]).toEqual(['eu-west-1']);
  });

  it('finds no scopes in a folder that does not exist yet', () => {
    // Act
    const scopes = documentsIn(path.join(tempDir(), 'missing')).loadAll();

    // Assert
    expect(scopes).toEqual([]);
  });

  it('refuses a document that does not say whose state it is', () => {
    // Arrange
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'stray.json'), JSON.stringify({ version: 1, value: { state: [] } }));

    // Act
    const load = () => documentsIn(dir).loadAll();

    // Assert
    expect(load).toThrow(PersistenceError);
    expect(load).toThrow(/no account and Region/);
  });
});
