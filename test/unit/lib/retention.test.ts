import fc from 'fast-check';
import type { ExportedObject } from '../../../handlers/lib/contracts';
import { objectKeyBase, scheduledExportOf, scheduledTargetSnapshotName } from '../../../handlers/lib/naming';
import { type PruningInput, planPruning, type RetentionPolicy } from '../../../handlers/lib/retention';

const NOW = new Date('2026-11-25T02:45:00Z');
const DAY_MS = 86_400_000;

/** The target name of schedule `schedule`'s run `daysAgo` days before NOW, at 02:30 UTC. */
const run = (daysAgo: number, schedule = 'nightly'): string =>
  scheduledTargetSnapshotName(schedule, new Date(Date.parse('2026-11-25T02:30:00Z') - daysAgo * DAY_MS));

const shardKey = (name: string, shard: number): string =>
  `${objectKeyBase(name)}-${shard.toString().padStart(4, '0')}.rdb`;

/** The objects of an export with `shards` shards (or only the listed shard numbers). */
const exported = (name: string, shards: number | number[] = 2): ExportedObject[] =>
  (Array.isArray(shards) ? shards : Array.from({ length: shards }, (_, index) => index + 1)).map((shard) => ({
    key: shardKey(name, shard),
    size: 100 + shard,
  }));

const plan = (overrides: Partial<PruningInput> & { policy: RetentionPolicy }) =>
  planPruning({ scheduleName: 'nightly', current: run(0), objects: [], now: NOW, ...overrides });

/** The export base names a list of objects covers, sorted. */
const exportsIn = (objects: ExportedObject[]): string[] =>
  [...new Set(objects.map(({ key }) => key.replace(/(-\d{4})?\.rdb$/, '')))].sort();

/** Daily exports from `days` days ago up to today's (the current one). */
const daily = (days: number, schedule = 'nightly'): ExportedObject[] =>
  Array.from({ length: days + 1 }, (_, daysAgo) => exported(run(daysAgo, schedule))).flat();

describe('planPruning with keepLast', () => {
  it('keeps the newest N exports, the current one counted, and prunes every shard of the rest', () => {
    // Act
    const result = plan({ policy: { keepLast: 3 }, objects: daily(4) });

    // Assert
    expect(exportsIn(result.keep)).toEqual([run(2), run(1), run(0)].map(objectKeyBase));
    expect(result.prune).toEqual([...exported(run(4)), ...exported(run(3))]);
  });

  it('keeps only the current export with keepLast 1', () => {
    // Act
    const result = plan({ policy: { keepLast: 1 }, objects: daily(2) });

    // Assert
    expect(exportsIn(result.keep)).toEqual([objectKeyBase(run(0))]);
    expect(exportsIn(result.prune)).toEqual([run(2), run(1)].map(objectKeyBase));
  });

  it('prunes nothing while there are no more than N exports', () => {
    // Act
    const result = plan({ policy: { keepLast: 5 }, objects: daily(4) });

    // Assert
    expect(result.prune).toEqual([]);
    expect(result.keep).toHaveLength(10);
  });

  it('keeps N older exports when the current one is not listed, rather than counting an export it cannot see', () => {
    // Act
    const result = plan({ policy: { keepLast: 1 }, objects: [...exported(run(1)), ...exported(run(2))] });

    // Assert
    expect(exportsIn(result.keep)).toEqual([objectKeyBase(run(1))]);
    expect(exportsIn(result.prune)).toEqual([objectKeyBase(run(2))]);
  });

  it('keeps the newest N and the current one besides when a late retry exports an older run', () => {
    // Arrange
    const objects = [...exported(run(0)), ...exported(run(1)), ...exported(run(2))];

    // Act
    const result = plan({ policy: { keepLast: 1 }, current: run(1), objects });

    // Assert
    expect(exportsIn(result.keep)).toEqual([run(1), run(0)].map(objectKeyBase));
    expect(exportsIn(result.prune)).toEqual([objectKeyBase(run(2))]);
  });
});

describe('planPruning with maxAgeDays', () => {
  it('prunes exports scheduled more than D days before now and keeps the one exactly D days old', () => {
    // Arrange
    const now = new Date('2026-11-25T02:30:00Z');

    // Act
    const result = plan({ policy: { maxAgeDays: 7 }, objects: daily(9), now });

    // Assert
    expect(exportsIn(result.prune)).toEqual([run(9), run(8)].map(objectKeyBase));
    expect(exportsIn(result.keep)).toHaveLength(8);
  });

  it('keeps the newest complete older export when runs failed for longer than D days', () => {
    // Arrange
    const objects = [...exported(run(0)), ...exported(run(20)), ...exported(run(21)), ...exported(run(22))];

    // Act
    const result = plan({ policy: { maxAgeDays: 7 }, objects });

    // Assert
    expect(exportsIn(result.keep)).toEqual([run(20), run(0)].map(objectKeyBase));
    expect(exportsIn(result.prune)).toEqual([run(22), run(21)].map(objectKeyBase));
  });

  it('keeps that fallback even when the current export is not listed', () => {
    // Act
    const result = plan({ policy: { maxAgeDays: 7 }, objects: [...exported(run(20)), ...exported(run(21))] });

    // Assert
    expect(exportsIn(result.keep)).toEqual([objectKeyBase(run(20))]);
  });

  it('never prunes the current export, however old its scheduled time', () => {
    // Arrange
    const current = run(400);
    const objects = [...exported(current), ...exported(run(401)), ...exported(run(402))];

    // Act
    const result = plan({ policy: { maxAgeDays: 1 }, current, objects });

    // Assert
    expect(exportsIn(result.keep)).toEqual([run(401), current].map(objectKeyBase));
    expect(exportsIn(result.prune)).toEqual([objectKeyBase(run(402))]);
  });
});

describe('planPruning with both rules', () => {
  it('keeps at most N exports even when more are younger than D days', () => {
    // Act
    const result = plan({ policy: { keepLast: 3, maxAgeDays: 7 }, objects: daily(5) });

    // Assert
    expect(exportsIn(result.keep)).toEqual([run(2), run(1), run(0)].map(objectKeyBase));
  });

  it('keeps nothing older than D days even when fewer than N exports would remain', () => {
    // Act
    const result = plan({ policy: { keepLast: 10, maxAgeDays: 3 }, objects: daily(5) });

    // Assert
    // run(3) is 3 days and 15 minutes old.
    expect(exportsIn(result.keep)).toEqual([run(2), run(1), run(0)].map(objectKeyBase));
    expect(exportsIn(result.prune)).toEqual([run(5), run(4), run(3)].map(objectKeyBase));
  });

  it('keeps the fallback from the age rule while keepLast leaves room for it', () => {
    // Arrange
    const objects = [...exported(run(0)), ...exported(run(20)), ...exported(run(21))];

    // Act
    const result = plan({ policy: { keepLast: 2, maxAgeDays: 7 }, objects });

    // Assert
    expect(exportsIn(result.keep)).toEqual([run(20), run(0)].map(objectKeyBase));
  });

  it('prunes the fallback too with keepLast 1', () => {
    // Arrange
    const objects = [...exported(run(0)), ...exported(run(20))];

    // Act
    const result = plan({ policy: { keepLast: 1, maxAgeDays: 7 }, objects });

    // Assert
    expect(exportsIn(result.keep)).toEqual([objectKeyBase(run(0))]);
  });
});

describe('planPruning and what is not the schedule', () => {
  it('prunes nothing without a rule', () => {
    // Act
    const result = plan({ policy: {}, objects: daily(30) });

    // Assert
    expect(result.prune).toEqual([]);
  });

  it.each([
    ['a schedule whose name extends it with a dash', 'nightly-b'],
    ['a schedule whose name extends it with a dot', 'nightly.b'],
    ['a schedule whose name extends it with digits', 'nightly-2026'],
    ['a schedule whose name it extends', 'night'],
  ])('never touches the objects of %s (%s)', (_case, other) => {
    // Arrange
    const objects = [...daily(3), ...daily(3, other)];

    // Act
    const result = plan({ policy: { keepLast: 1 }, objects });

    // Assert
    expect([...result.prune, ...result.keep].map(({ key }) => key)).not.toEqual(
      expect.arrayContaining([shardKey(run(1, other), 1)]),
    );
    expect(exportsIn(result.prune)).toEqual([run(3), run(2), run(1)].map(objectKeyBase));
  });

  it('leaves every other key in the bucket out of both lists', () => {
    // Arrange
    const foreign = [
      'nightly-20261120-0230-0001.rdb',
      'nightly-20261120-023000-0001.rdb.tmp',
      'nightly-20261120-023000-0001.json',
      'Nightly-20261120-023000-0001.rdb',
      'nightly-20261131-023000-0001.rdb',
      'nightly-notes.txt',
      'archive/nightly-20261120-023000-0001.rdb',
    ].map((key) => ({ key, size: 1 }));

    // Act
    const result = plan({ policy: { keepLast: 1, maxAgeDays: 1 }, objects: [...foreign, ...daily(2)] });

    // Assert
    const listed = [...result.prune, ...result.keep].map(({ key }) => key);
    expect(listed.sort()).toEqual(
      daily(2)
        .map(({ key }) => key)
        .sort(),
    );
  });

  it('matches an uppercase schedule name against its lowercased keys', () => {
    // Arrange
    const objects = [...daily(2, 'Sessions.Nightly')];

    // Act
    const result = plan({
      scheduleName: 'Sessions.Nightly',
      current: run(0, 'Sessions.Nightly'),
      policy: { keepLast: 2 },
      objects,
    });

    // Assert
    expect(exportsIn(result.keep)).toEqual([run(1, 'Sessions.Nightly'), run(0, 'Sessions.Nightly')].map(objectKeyBase));
    expect(exportsIn(result.prune)).toEqual([objectKeyBase(run(2, 'Sessions.Nightly'))]);
  });

  it("refuses a current export that is not one of the schedule's runs", () => {
    // Act
    const planning = () => plan({ policy: { keepLast: 1 }, current: run(0, 'nightly-b'), objects: daily(2) });

    // Assert
    expect(planning).toThrow(/is not a run of schedule nightly/);
  });

  it.each([{ keepLast: 0 }, { keepLast: 1.5 }, { maxAgeDays: -1 }, { maxAgeDays: Number.NaN }])(
    'refuses the policy %p',
    (policy) => {
      // Act
      const planning = () => plan({ policy, objects: daily(2) });

      // Assert
      expect(planning).toThrow(/outside its bounds/);
    },
  );
});

describe('planPruning and partial exports', () => {
  it('does not let an export with a missing shard take a keepLast slot', () => {
    // Arrange
    const objects = [...exported(run(0)), ...exported(run(1), [1, 3]), ...exported(run(2), 3), ...exported(run(3))];

    // Act
    const result = plan({ policy: { keepLast: 2 }, objects });

    // Assert
    expect(exportsIn(result.keep)).toEqual([run(2), run(0)].map(objectKeyBase));
    expect(exportsIn(result.prune)).toEqual([run(3), run(1)].map(objectKeyBase));
  });

  it('finishes a prune that stopped half-way by pruning what is left of the export', () => {
    // Arrange
    const objects = [...daily(2), ...exported(run(3), [2])];

    // Act
    const result = plan({ policy: { keepLast: 3 }, objects });

    // Assert
    expect(result.prune).toEqual(exported(run(3), [2]));
  });

  it('treats a mix of a suffixed and an unsuffixed key as incomplete', () => {
    // Arrange
    const mixed = [{ key: `${objectKeyBase(run(1))}.rdb`, size: 1 }, ...exported(run(1), [1])];
    const objects = [...exported(run(0)), ...mixed, ...exported(run(2))];

    // Act
    const result = plan({ policy: { keepLast: 2 }, objects });

    // Assert
    expect(exportsIn(result.keep)).toEqual([run(2), run(0)].map(objectKeyBase));
  });

  it('counts a single unsuffixed key as a complete export', () => {
    // Arrange
    const objects = [...exported(run(0)), { key: `${objectKeyBase(run(1))}.rdb`, size: 1 }, ...exported(run(2))];

    // Act
    const result = plan({ policy: { keepLast: 2 }, objects });

    // Assert
    expect(exportsIn(result.keep)).toEqual([run(1), run(0)].map(objectKeyBase));
  });

  it('does not keep an incomplete export as the fallback from the age rule', () => {
    // Arrange
    const objects = [...exported(run(0)), ...exported(run(20), [2]), ...exported(run(21))];

    // Act
    const result = plan({ policy: { maxAgeDays: 7 }, objects });

    // Assert
    expect(exportsIn(result.keep)).toEqual([run(21), run(0)].map(objectKeyBase));
  });

  it('leaves an incomplete export alone while no rule prunes it', () => {
    // Arrange
    const objects = [...exported(run(0)), ...exported(run(1), [2])];

    // Act
    const result = plan({ policy: { maxAgeDays: 7 }, objects });

    // Assert
    expect(result.prune).toEqual([]);
  });

  it('never prunes an export scheduled after the current one, which a later run may still be writing', () => {
    // Arrange
    const later = scheduledTargetSnapshotName('nightly', new Date('2026-11-25T03:30:00Z'));
    const objects = [...exported(later, [2]), ...daily(2)];

    // Act
    const result = plan({ policy: { keepLast: 1 }, objects });

    // Assert
    expect(exportsIn(result.keep)).toEqual([run(0), later].map(objectKeyBase));
  });
});

describe('planPruning results', () => {
  it('sorts both lists by key whatever the order of the listing', () => {
    // Arrange
    const objects = daily(6);
    const reversed = [...objects].reverse();

    // Act
    const forward = plan({ policy: { keepLast: 3 }, objects });
    const backward = plan({ policy: { keepLast: 3 }, objects: reversed });

    // Assert
    expect(backward).toEqual(forward);
    expect(forward.prune.map(({ key }) => key)).toEqual(forward.prune.map(({ key }) => key).sort());
    expect(forward.keep.map(({ key }) => key)).toEqual(forward.keep.map(({ key }) => key).sort());
  });

  it('lists a key that appears twice in the listing once', () => {
    // Arrange
    const objects = [...daily(2), ...exported(run(2))];

    // Act
    const result = plan({ policy: { keepLast: 1 }, objects });

    // Assert
    expect(result.prune).toEqual([...exported(run(2)), ...exported(run(1))]);
  });
});

describe('planPruning, for any listing and policy', () => {
  const SCHEDULES = ['a', 'a-b', 'a.b', 'a-1', 'ab', 'A'];
  const time = fc
    .integer({ min: 0, max: 60 * 24 * 30 })
    .map((minutes) => new Date(Date.parse('2026-10-01T00:00:00Z') + minutes * 60_000));
  const scheduledKey = fc
    .tuple(fc.constantFrom(...SCHEDULES), time, fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }))
    .map(([schedule, at, shard]) => {
      const base = objectKeyBase(scheduledTargetSnapshotName(schedule, at));
      return shard === undefined ? `${base}.rdb` : shardKey(base, shard);
    });
  const junkKey = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom('a-20261001-0000-0001.rdb', 'a-b.rdb', 'a-20261001-000000-0001.rdb.tmp', 'A-20261001-000000.rdb'),
  );
  const listing = fc.array(fc.record({ key: fc.oneof(scheduledKey, scheduledKey, junkKey), size: fc.nat() }), {
    maxLength: 60,
  });
  const policy = fc.record(
    {
      keepLast: fc.integer({ min: 1, max: 5 }),
      maxAgeDays: fc.integer({ min: 1, max: 40 }),
    },
    { requiredKeys: [] },
  );
  const input = fc.record({
    scheduleName: fc.constantFrom(...SCHEDULES),
    policy,
    currentTime: time,
    objects: listing,
    now: time.map((at) => new Date(at.getTime() + 10 * DAY_MS)),
  });

  it("prunes only the schedule's keys from the listing, never the current export's", () => {
    fc.assert(
      fc.property(input, ({ scheduleName, policy: rules, currentTime, objects, now }) => {
        // Arrange
        const current = scheduledTargetSnapshotName(scheduleName, currentTime);

        // Act
        const result = planPruning({ scheduleName, policy: rules, current, objects, now });

        // Assert
        const listed = new Set(objects.map(({ key }) => key));
        for (const { key } of result.prune) {
          expect(listed.has(key)).toBe(true);
          expect(scheduledExportOf(scheduleName, key)?.base).toEqual(expect.any(String));
          expect(scheduledExportOf(scheduleName, key)?.base).not.toBe(objectKeyBase(current));
        }
        const planned = [...result.prune, ...result.keep].map(({ key }) => key);
        const ours = [...listed].filter((key) => scheduledExportOf(scheduleName, key)).sort();
        expect([...planned].sort()).toEqual(ours);
        expect(new Set(planned).size).toBe(planned.length);
      }),
      { numRuns: 300 },
    );
  });

  it('prunes only exports older than the current one, keeps at most N of them and at most one past the age', () => {
    fc.assert(
      fc.property(input, ({ scheduleName, policy: rules, currentTime, objects, now }) => {
        // Arrange
        const current = scheduledTargetSnapshotName(scheduleName, currentTime);
        const timeOf = ({ key }: ExportedObject): number =>
          scheduledExportOf(scheduleName, key)?.scheduledTime.getTime() ?? Number.NaN;
        const exportsBefore = (list: ExportedObject[]): Set<string | undefined> =>
          new Set(
            list
              .filter((object) => timeOf(object) < currentTime.getTime())
              .map(({ key }) => scheduledExportOf(scheduleName, key)?.base),
          );

        // Act
        const result = planPruning({ scheduleName, policy: rules, current, objects, now });

        // Assert
        expect(result.prune.every((object) => timeOf(object) < currentTime.getTime())).toBe(true);
        const keptBefore = exportsBefore(result.keep);
        if (rules.keepLast !== undefined) expect(keptBefore.size).toBeLessThanOrEqual(rules.keepLast);
        if (rules.maxAgeDays !== undefined) {
          const oldest = now.getTime() - rules.maxAgeDays * DAY_MS;
          const keptPastAge = exportsBefore(result.keep.filter((object) => timeOf(object) < oldest));
          expect(keptPastAge.size).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 300 },
    );
  });
});
