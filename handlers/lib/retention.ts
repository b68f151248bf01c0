// The retention policy of a schedule's exports: which of its older exports to delete after a run succeeded. Pure: the
// caller lists the bucket under scheduleKeyPrefix(), hands the listing in, and deletes what the plan says.
import type { ExportedObject } from './contracts.js';
import { scheduledExportOf } from './naming.js';

/** The schedules file's `retention` (bounds checked at package time by config/schedule-rules.ts). */
export interface RetentionPolicy {
  /** Keep the newest N complete exports, the current one counted. */
  keepLast?: number;
  /** Delete exports scheduled more than D days before now. */
  maxAgeDays?: number;
}

export const RETENTION_BOUNDS = {
  keepLast: { min: 1, max: 1000 },
  maxAgeDays: { min: 1, max: 3650 },
} as const;

export interface PruningInput {
  scheduleName: string;
  policy: RetentionPolicy;
  /** The target snapshot name this run just exported. */
  current: string;
  /** The bucket's listing under the schedule's prefix; any other key in it is left alone. */
  objects: ReadonlyArray<ExportedObject & { lastModified?: string }>;
  now: Date;
}

export interface PruningPlan {
  /** Objects to delete, sorted by key. */
  prune: ExportedObject[];
  /** The schedule's objects that stay, sorted by key. Keys that are not the schedule's appear in neither list. */
  keep: ExportedObject[];
}

const DAY_MS = 86_400_000;

interface ScheduledExport {
  base: string;
  time: number;
  objects: ExportedObject[];
  complete: boolean;
}

/**
 * Whether the shards present could be the whole export: one `<base>.rdb`, or `-0001` … `-NNNN` with none missing.
 * Missing trailing shards cannot be seen from the keys alone.
 */
const looksComplete = (shards: ReadonlyArray<number | undefined>): boolean => {
  if (shards.length === 1 && shards[0] === undefined) return true;
  const numbers = shards.filter((shard): shard is number => shard !== undefined);
  if (numbers.length !== shards.length) return false;
  return numbers.every((shard) => shard <= numbers.length);
};

const groupByExport = (scheduleName: string, objects: PruningInput['objects']): ScheduledExport[] => {
  const groups = new Map<
    string,
    { time: number; objects: Map<string, ExportedObject>; shards: Set<number | undefined> }
  >();
  for (const { key, size } of objects) {
    const parsed = scheduledExportOf(scheduleName, key);
    if (!parsed) continue;
    const group = groups.get(parsed.base) ?? {
      time: parsed.scheduledTime.getTime(),
      objects: new Map<string, ExportedObject>(),
      shards: new Set<number | undefined>(),
    };
    group.objects.set(key, { key, size });
    group.shards.add(parsed.shard);
    groups.set(parsed.base, group);
  }
  return [...groups].map(([base, group]) => ({
    base,
    time: group.time,
    objects: [...group.objects.values()],
    complete: looksComplete([...group.shards]),
  }));
};

const withinBounds = (value: number | undefined, { min, max }: { min: number; max: number }): boolean =>
  value === undefined || (Number.isInteger(value) && value >= min && value <= max);

const byKey = (a: ExportedObject, b: ExportedObject): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * Which of a schedule's exports to delete after the run that exported `current` succeeded. An export is all the
 * objects of one base name; it is kept or deleted whole, so the remains of an earlier prune that stopped half-way
 * are finished by the next one. Order comes from the scheduled time in the name, never from LastModified.
 *
 * - Never deleted: `current`, any export scheduled after it (a later run may still be writing it), and every key
 *   that is not exactly one of this schedule's (scheduledExportOf): other schedules, manual exports, anything else.
 * - `keepLast: N` keeps the newest N complete exports, `current` counted when it is listed. Exports older than
 *   `current` beyond those go, incomplete ones (a shard missing, e.g. a crashed run) included: they never take the
 *   place of a restorable export. If `current` is older than other exports (a late retry), the newest N still stay
 *   and `current` stays besides them, so a plan never deletes an export newer than one it keeps.
 * - `maxAgeDays: D` deletes exports scheduled more than D days before `now`, except the newest complete export
 *   older than `current`: after a stretch of failed runs the age rule alone would leave the new export as the only
 *   copy, and that export may be of a source that had itself gone wrong. Only keepLast (e.g. `keepLast: 1`, an
 *   explicit "the current one is enough") deletes that fallback.
 * - With both, an export goes when either rule sends it: "at most N, and nothing older than D days".
 *
 * Throws when `current` is not a name this schedule's runs produce (without it nothing is safe to count from), and
 * for a policy outside RETENTION_BOUNDS (a keepLast of 0 would delete every older export).
 */
export const planPruning = ({ scheduleName, policy, current, objects, now }: PruningInput): PruningPlan => {
  // Plain Errors: both are a caller's bug, which config/schedule-rules.ts and scheduledTargetSnapshotName rule out.
  if (
    !withinBounds(policy.keepLast, RETENTION_BOUNDS.keepLast) ||
    !withinBounds(policy.maxAgeDays, RETENTION_BOUNDS.maxAgeDays)
  ) {
    throw new Error(`Retention policy ${JSON.stringify(policy)} is outside its bounds`);
  }
  const currentExport = scheduledExportOf(scheduleName, `${current.toLowerCase()}.rdb`);
  if (!currentExport) {
    throw new Error(`Export ${current} is not a run of schedule ${scheduleName}; nothing can be pruned against it`);
  }
  const currentTime = currentExport.scheduledTime.getTime();
  const exports = groupByExport(scheduleName, objects).sort((a, b) => b.time - a.time);
  const fallback = exports.find((entry) => entry.complete && entry.time < currentTime);
  const oldest = now.getTime() - (policy.maxAgeDays ?? Number.POSITIVE_INFINITY) * DAY_MS;

  const prune: ExportedObject[] = [];
  const keep: ExportedObject[] = [];
  let completeKept = 0;
  for (const entry of exports) {
    const counted = entry.complete && completeKept < (policy.keepLast ?? Number.POSITIVE_INFINITY);
    if (counted) completeKept += 1;
    const isProtected = entry.base === currentExport.base || entry.time > currentTime;
    const beyondCount = policy.keepLast !== undefined && !counted;
    const tooOld = policy.maxAgeDays !== undefined && entry.time < oldest && entry !== fallback;
    (!isProtected && (beyondCount || tooOld) ? prune : keep).push(...entry.objects);
  }
  return { prune: prune.sort(byKey), keep: keep.sort(byKey) };
};
