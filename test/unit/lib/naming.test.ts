import fc from 'fast-check';
import { InvalidRequestError } from '../../../handlers/lib/errors';
import {
  bucketNameProblems,
  CLUSTER_ID_PATTERN,
  defaultTargetSnapshotName,
  expectedObjectKeys,
  exportIdFor,
  isExportObjectKey,
  objectKeyBase,
  SCHEDULE_NAME_PATTERN,
  SOURCE_SNAPSHOT_NAME_PATTERN,
  scheduledExportOf,
  scheduledTargetSnapshotName,
  scheduleKeyPrefix,
  TARGET_SNAPSHOT_NAME_MAX_LENGTH,
  TARGET_SNAPSHOT_NAME_PATTERN,
} from '../../../handlers/lib/naming';

const EXPORT_ID = /^[a-z0-9_-]{1,80}$/;

/** The stamp part of a scheduled name, built here for names scheduledTargetSnapshotName would refuse (a leading dot). */
const stampOf = (time: Date): string => scheduledTargetSnapshotName('x', time).slice('x-'.length);

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

describe('scheduled runs', () => {
  it('names a run after its schedule and scheduled time, in UTC to the second', () => {
    // Act
    const name = scheduledTargetSnapshotName('Sessions-Nightly', new Date('2026-11-25T03:07:09.999+01:00'));

    // Assert
    expect(name).toBe('Sessions-Nightly-20261125-020709');
    expect(TARGET_SNAPSHOT_NAME_PATTERN.test(name)).toBe(true);
  });

  it('gives a retried run the same name and the next run another', () => {
    // Act
    const [first, retried, next] = [
      scheduledTargetSnapshotName('nightly', new Date('2026-11-25T02:30:00Z')),
      scheduledTargetSnapshotName('nightly', new Date('2026-11-25T02:30:00Z')),
      scheduledTargetSnapshotName('nightly', new Date('2026-11-26T02:30:00Z')),
    ];

    // Assert
    expect(retried).toBe(first);
    expect(next).not.toBe(first);
  });

  it('pads years before 1000 rather than reading them as 19xx', () => {
    // Arrange
    const time = new Date(0);
    time.setUTCFullYear(99, 0, 2);

    // Act
    const name = scheduledTargetSnapshotName('nightly', time);

    // Assert
    expect(name).toBe('nightly-00990102-000000');
    expect(scheduledExportOf('nightly', `${name}.rdb`)?.scheduledTime).toEqual(time);
  });

  it.each([
    ['an invalid date', 'nightly', new Date(Number.NaN)],
    ['a year past 9999', 'nightly', new Date('+010000-01-01T00:00:00Z')],
    ['a schedule name that starts with a dot', '.hidden', new Date('2026-11-25T02:30:00Z')],
    ['a schedule name of 41 characters', 'x'.repeat(41), new Date('2026-11-25T02:30:00Z')],
    ['a schedule name with a slash', 'a/b', new Date('2026-11-25T02:30:00Z')],
  ])('refuses %s', (_case, scheduleName, time) => {
    // Act
    const naming = () => scheduledTargetSnapshotName(scheduleName, time);

    // Assert
    expect(naming).toThrow(InvalidRequestError);
  });

  it('lists a schedule under its lowercased name and a dash', () => {
    // Act
    const prefix = scheduleKeyPrefix('Sessions.Nightly');

    // Assert
    expect(prefix).toBe('sessions.nightly-');
  });

  it.each([
    ['nightly-20261125-023000-0001.rdb', { base: 'nightly-20261125-023000', shard: 1 }],
    ['nightly-20261125-023000-0042.rdb', { base: 'nightly-20261125-023000', shard: 42 }],
    ['nightly-20261125-023000.rdb', { base: 'nightly-20261125-023000' }],
    ['nightly-20240229-235959-0001.rdb', { base: 'nightly-20240229-235959', shard: 1 }],
  ])('reads %s as a run of schedule Nightly', (key, expected) => {
    // Act
    const parsed = scheduledExportOf('Nightly', key);

    // Assert
    expect(parsed).toEqual({ ...expected, scheduledTime: expect.any(Date) });
  });

  it('reads the scheduled time back from the key', () => {
    // Arrange
    const time = new Date('2026-11-25T02:30:15Z');
    const key = `${objectKeyBase(scheduledTargetSnapshotName('Nightly', time))}-0001.rdb`;

    // Act
    const parsed = scheduledExportOf('Nightly', key);

    // Assert
    expect(parsed?.scheduledTime).toEqual(time);
  });

  it.each([
    ['another schedule that starts with the name', 'nightly-b-20261125-023000-0001.rdb'],
    ['a schedule whose name continues with a dot', 'nightly.b-20261125-023000-0001.rdb'],
    ['a manual export with the default name', 'nightly-20261125-0230-0001.rdb'],
    ['the original key case', 'Nightly-20261125-023000-0001.rdb'],
    ['a non-existent date', 'nightly-20261131-023000-0001.rdb'],
    ['a month 13', 'nightly-20261325-023000-0001.rdb'],
    ['an hour 24', 'nightly-20261125-243000-0001.rdb'],
    ['a second 60', 'nightly-20261125-023060-0001.rdb'],
    ['February 29 of a common year', 'nightly-20250229-023000-0001.rdb'],
    ['shard 0000', 'nightly-20261125-023000-0000.rdb'],
    ['a three-digit shard', 'nightly-20261125-023000-001.rdb'],
    ['two shard suffixes', 'nightly-20261125-023000-0001-0001.rdb'],
    ['a temporary file', 'nightly-20261125-023000-0001.rdb.tmp'],
    ['another extension', 'nightly-20261125-023000-0001.json'],
    ['a folder', 'backup/nightly-20261125-023000-0001.rdb'],
    ['the prefix alone', 'nightly-.rdb'],
    ['a shard of an export stamped inside another name', 'nightly-20261125-023000-20261125-023000-0001.rdb'],
  ])('does not claim %s', (_case, key) => {
    // Act
    const parsed = scheduledExportOf('nightly', key);

    // Assert
    expect(parsed).toBeUndefined();
  });

  it.each(['', 'a/b', 'x'.repeat(41)])('claims nothing for the invalid schedule name %p', (scheduleName) => {
    // Act
    const parsed = scheduledExportOf(scheduleName, `${scheduleName}-20261125-023000-0001.rdb`);

    // Assert
    expect(parsed).toBeUndefined();
  });

  it("never claims another schedule's keys, whatever the two names", () => {
    // Arrange
    const name = fc.stringMatching(SCHEDULE_NAME_PATTERN);
    // The other schedule is often one whose name starts with, or extends, this one's, digits and dashes included.
    const pair = name.chain((mine) =>
      fc.tuple(
        fc.constant(mine),
        fc.oneof(
          name,
          fc.stringMatching(/^[0-9-]{1,20}$/).map((tail) => `${mine}${tail}`.slice(0, 40)),
          name.map((tail) => `${mine}${tail}`.slice(0, 40)),
          fc.integer({ min: 1, max: mine.length }).map((length) => mine.slice(0, length)),
          fc.constant(mine.toUpperCase()),
        ),
      ),
    );
    const time = fc.date({
      min: new Date('2000-01-01T00:00:00Z'),
      max: new Date('2099-12-31T23:59:59Z'),
      noInvalidDate: true,
    });
    const shard = fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined });

    // Act / Assert
    fc.assert(
      fc.property(pair, time, shard, ([mine, theirs], at, number) => {
        const base = objectKeyBase(`${theirs}-${stampOf(at)}`);
        const key = number === undefined ? `${base}.rdb` : `${base}-${number.toString().padStart(4, '0')}.rdb`;
        const claimed = scheduledExportOf(mine, key) !== undefined;
        // Keys are lowercased, so names that differ only in case share their objects (the schedules file must refuse them).
        expect(claimed).toBe(mine.toLowerCase() === theirs.toLowerCase());
      }),
      { numRuns: 300 },
    );
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
