import {
  bucketNameProblems,
  CLUSTER_ID_PATTERN,
  defaultTargetSnapshotName,
  expectedObjectKeys,
  exportIdFor,
  isExportObjectKey,
  objectKeyBase,
  SOURCE_SNAPSHOT_NAME_PATTERN,
  TARGET_SNAPSHOT_NAME_MAX_LENGTH,
  TARGET_SNAPSHOT_NAME_PATTERN,
} from '../../../handlers/lib/naming';

const EXPORT_ID = /^[a-z0-9_-]{1,80}$/;

describe('bucketNameProblems', () => {
  it.each(['exports-bucket', 'abc', 'my.exports.2026', `a${'b'.repeat(61)}c`])('accepts %s', (name) => {
    // Act
    const problems = bucketNameProblems(name);

    // Assert
    expect(problems).toEqual([]);
  });

  it.each([
    ['ab', 'must be 3 to 63 characters long'],
    [`a${'b'.repeat(63)}`, 'must be 3 to 63 characters long'],
    ['Exports', "may contain only lowercase letters, digits, '.' and '-'"],
    ['exports_bucket', "may contain only lowercase letters, digits, '.' and '-'"],
    ['-exports', 'must begin and end with a letter or digit'],
    ['exports.', 'must begin and end with a letter or digit'],
    ['my..bucket', "must not contain '..'"],
    ['my.-bucket', "must not contain '.-' or '-.'"],
    ['192.168.5.4', 'must not be formatted as an IP address'],
    ['xn--bucket', "must not start with 'xn--', 'sthree-' or 'amzn-s3-demo-'"],
    ['bucket-s3alias', "must not end with '-s3alias', '--ol-s3', '.mrap', '--x-s3' or '--table-s3'"],
  ])('rejects %s because it %s', (name, problem) => {
    // Act
    const problems = bucketNameProblems(name);

    // Assert
    expect(problems).toContain(problem);
  });
});

describe('name patterns', () => {
  it('accepts automatic snapshot names as sources', () => {
    // Act
    const valid = SOURCE_SNAPSHOT_NAME_PATTERN.test('automatic.orders-2026-11-25-03-00');

    // Assert
    expect(valid).toBe(true);
  });

  it.each(['my/export', '-leading', 'with space', 'ünicode'])('rejects %s as a target name', (name) => {
    // Act
    const valid = TARGET_SNAPSHOT_NAME_PATTERN.test(name);

    // Assert
    expect(valid).toBe(false);
  });

  it.each([
    ['orders', true],
    ['orders-001', true],
    ['1orders', false],
    ['orders--a', false],
    ['orders-', false],
  ])('judges cluster id %s as %s', (id, valid) => {
    // Act
    const judged = CLUSTER_ID_PATTERN.test(id);

    // Assert
    expect(judged).toBe(valid);
  });
});

describe('defaultTargetSnapshotName', () => {
  it('appends the UTC time as yyyyMMdd-HHmm', () => {
    // Act
    const name = defaultTargetSnapshotName('nightly', new Date('2026-11-25T03:07:59.999Z'));

    // Assert
    expect(name).toBe('nightly-20261125-0307');
  });

  it('turns an automatic snapshot name into a valid target name', () => {
    // Act
    const name = defaultTargetSnapshotName('automatic.orders:2026', new Date('2026-01-02T10:20:00Z'));

    // Assert
    expect(name).toBe('automatic.orders-2026-20260102-1020');
    expect(TARGET_SNAPSHOT_NAME_PATTERN.test(name)).toBe(true);
  });

  it('cuts a long source so the result stays within the target name limit', () => {
    // Act
    const name = defaultTargetSnapshotName(`s${'x'.repeat(254)}`, new Date('2026-11-25T03:07:00Z'));

    // Assert
    expect(name).toHaveLength(TARGET_SNAPSHOT_NAME_MAX_LENGTH);
    expect(name.endsWith('-20261125-0307')).toBe(true);
  });
});

describe('object keys', () => {
  it('bases keys on the lowercased target name', () => {
    // Act
    const base = objectKeyBase('Nightly-2026-11-25');

    // Assert
    expect(base).toBe('nightly-2026-11-25');
  });

  it.each([
    ['nightly-0001.rdb', true],
    ['nightly-0042.rdb', true],
    ['nightly.rdb', true],
    ['nightly-1.rdb', false],
    ['nightly-0001.rdb.tmp', false],
    ['nightly-extra-0001.rdb', false],
    ['other-0001.rdb', false],
    ['Nightly-0001.rdb', false],
  ])('judges %s as an object of export Nightly: %s', (key, expected) => {
    // Act
    const judged = isExportObjectKey('Nightly', key);

    // Assert
    expect(judged).toBe(expected);
  });

  it('expects one key per shard, numbered from 0001', () => {
    // Act
    const keys = expectedObjectKeys('Nightly', 3);

    // Assert
    expect(keys).toEqual(['nightly-0001.rdb', 'nightly-0002.rdb', 'nightly-0003.rdb']);
  });

  it('expects at least one key', () => {
    // Act
    const keys = expectedObjectKeys('nightly', 0);

    // Assert
    expect(keys).toEqual(['nightly-0001.rdb']);
  });
});

describe('exportIdFor', () => {
  it('is a readable slug of target and bucket plus a hash', () => {
    // Act
    const id = exportIdFor('exports-bucket', 'Nightly.2026_11_25');

    // Assert
    expect(id).toMatch(/^nightly-2026-11-25-exports-bucket-[0-9a-f]{12}$/);
  });

  it('ignores the case of the target name, as the S3 key does', () => {
    // Act
    const [upper, lower] = [exportIdFor('exports-bucket', 'NIGHTLY'), exportIdFor('exports-bucket', 'nightly')];

    // Assert
    expect(upper).toBe(lower);
  });

  it('differs when the bucket or the target name differs', () => {
    // Act
    const ids = new Set([
      exportIdFor('exports-bucket', 'nightly'),
      exportIdFor('other-bucket', 'nightly'),
      exportIdFor('exports-bucket', 'nightly2'),
      // Same slug, different identity: the hash tells them apart.
      exportIdFor('exports-bucket', 'nightly.a'),
      exportIdFor('exports-bucket', 'nightly_a'),
    ]);

    // Assert
    expect(ids.size).toBe(5);
  });

  it('stays within 80 characters of the Step Functions name alphabet for the longest names', () => {
    // Act
    const id = exportIdFor(`b${'u'.repeat(61)}t`, `N${'x'.repeat(TARGET_SNAPSHOT_NAME_MAX_LENGTH - 1)}`);

    // Assert
    expect(id).toMatch(EXPORT_ID);
    expect(id).toHaveLength(80);
  });

  it('is just the hash when the names leave no slug', () => {
    // Act
    const id = exportIdFor('...', '___');

    // Assert
    expect(id).toMatch(/^[0-9a-f]{12}$/);
  });
});
