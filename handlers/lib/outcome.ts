// The outcome document and the notification that carries it. Pure: no AWS calls, no clock (callers pass `now`).

import type { Notification } from './aws/sns.js';
import type {
  ExportedObject,
  FreshSnapshotOutcome,
  Outcome,
  OutcomeError,
  ScheduleRun,
  SnapshotSummary,
  VerificationSummary,
} from './contracts.js';
import { restoreAdvice } from './restore-advice.js';

/** What is known about an export when it ends; everything but the ids may be missing after an early failure. */
export interface OutcomeFacts {
  exportId: string;
  startedAt: string;
  finishedAt: Date;
  sourceSnapshotName?: string | undefined;
  targetSnapshotName?: string | undefined;
  targetBucket?: string | undefined;
  objects?: readonly ExportedObject[] | undefined;
  snapshot?: SnapshotSummary | undefined;
  /** Present exactly when the export failed. */
  error?: OutcomeError | undefined;
  schedule?: ScheduleRun | undefined;
  freshSnapshot?: FreshSnapshotOutcome | undefined;
  pruned?: readonly ExportedObject[] | undefined;
  /** How CheckExport verified the objects (a success only). */
  verification?: VerificationSummary | undefined;
  /** The partition the service runs in (of its topic's ARN), for the objects' S3 ARNs; default `aws`. */
  partition?: string | undefined;
}

/** Whole seconds from `startedAt` to `finishedAt`; 0 when the start time is unreadable or in the future. */
export const durationSeconds = (startedAt: string, finishedAt: Date): number => {
  const started = Date.parse(startedAt);
  if (Number.isNaN(started)) return 0;
  return Math.max(0, Math.round((finishedAt.getTime() - started) / 1000));
};

/** `3h 05m 09s`, `2m 30s`, `45s`: for messages people read. */
export const formatDuration = (totalSeconds: number): string => {
  const seconds = Math.max(0, Math.round(totalSeconds));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const two = (value: number): string => value.toString().padStart(2, '0');
  if (h > 0) return `${h}h ${two(m)}m ${two(s)}s`;
  if (m > 0) return `${m}m ${two(s)}s`;
  return `${s}s`;
};

/** The outcome document (DESIGN "The outcome document"): plain JSON, no undefined fields. */
export const buildOutcome = (facts: OutcomeFacts): Outcome => {
  const snapshot = facts.snapshot;
  return {
    version: 1,
    exportId: facts.exportId,
    status: facts.error ? 'FAILED' : 'SUCCEEDED',
    ...(facts.sourceSnapshotName !== undefined && { sourceSnapshotName: facts.sourceSnapshotName }),
    ...(facts.targetSnapshotName !== undefined && { targetSnapshotName: facts.targetSnapshotName }),
    ...(facts.targetBucket !== undefined && { targetBucket: facts.targetBucket }),
    objects: [...(facts.objects ?? [])]
      .map((object) => ({ key: object.key, size: object.size, ...(object.rdb && { rdb: { ...object.rdb } }) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    // The topic is delivery detail, not part of the document.
    ...(snapshot && {
      snapshot: {
        engine: snapshot.engine,
        ...(snapshot.engineVersion !== undefined && { engineVersion: snapshot.engineVersion }),
        ...(snapshot.replicationGroupId !== undefined && { replicationGroupId: snapshot.replicationGroupId }),
        ...(snapshot.cacheClusterId !== undefined && { cacheClusterId: snapshot.cacheClusterId }),
        ...(snapshot.serverlessCacheName !== undefined && { serverlessCacheName: snapshot.serverlessCacheName }),
        numNodeGroups: snapshot.numNodeGroups,
      },
    }),
    startedAt: facts.startedAt,
    finishedAt: facts.finishedAt.toISOString(),
    durationSeconds: durationSeconds(facts.startedAt, facts.finishedAt),
    ...(facts.error && { error: facts.error }),
    ...(facts.schedule && { schedule: { name: facts.schedule.name, scheduledTime: facts.schedule.scheduledTime } }),
    ...(facts.freshSnapshot && { freshSnapshot: facts.freshSnapshot }),
    ...(facts.pruned &&
      facts.pruned.length > 0 && { pruned: facts.pruned.map((object) => ({ key: object.key, size: object.size })) }),
    ...(!facts.error &&
      facts.targetBucket !== undefined &&
      (facts.objects ?? []).length > 0 && {
        restore: restoreAdvice({
          partition: facts.partition ?? 'aws',
          bucket: facts.targetBucket,
          objects: facts.objects ?? [],
          numNodeGroups: snapshot?.numNodeGroups,
          serverless: snapshot?.kind === 'serverless' || snapshot?.serverlessCacheName !== undefined,
          verification: facts.verification,
        }),
      }),
  };
};

// ---- Notification ---------------------------------------------------------------------------------------------

/**
 * SNS rejects a Subject with control or non-ASCII characters, and the Publish reference says it "must be less
 * than 100 characters long"; DESIGN says at most 100. 99 satisfies both.
 */
export const MAX_SUBJECT_LENGTH = 99;

/** Protocols that receive the outcome document itself; `default` (and so `email`) gets the plain text. */
export const OUTCOME_PROTOCOLS = ['sqs', 'lambda', 'http', 'https', 'email-json'] as const;

/** Objects listed one per line in the e-mail text; the rest are counted (the JSON bodies list them all). */
const MAX_LISTED_OBJECTS = 50;

/** Printable ASCII only: accents lose their mark (é -> e), anything else non-ASCII becomes '?'. */
const toAscii = (text: string): string =>
  text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[\r\n\t\f\v]+/g, ' ')
    .replace(/[^\x20-\x7e]/g, '?');

const subjectFor = (outcome: Outcome): string => {
  const name = outcome.targetSnapshotName ?? outcome.sourceSnapshotName ?? outcome.exportId;
  const full = toAscii(`ElastiCache export ${outcome.status}: ${name}`).replace(/ {2,}/g, ' ').trim();
  return full.length <= MAX_SUBJECT_LENGTH ? full : `${full.slice(0, MAX_SUBJECT_LENGTH - 3).trimEnd()}...`;
};

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'] as const;

/**
 * `1234567` as `1,234,567`. Not `toLocaleString('en-US')`: its first call sets up ICU's number formatting, about
 * 20 ms of a cold start (measured: Node 20, the first call 19 to 22 ms, the next 0.05 ms), which was most of what
 * publishOutcome's first invocation spent in this module (bench/first-invocation.ts with BENCH_CPU_PROF).
 */
export const groupDigits = (value: number): string => {
  const [whole = '', fraction] = String(value).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
};

/** `1,234 bytes`, or `1.2 MiB (1,234,567 bytes)` for people who compare sizes at a glance. */
export const formatSize = (bytes: number): string => {
  const exact = `${groupDigits(bytes)} bytes`;
  let value = bytes;
  let unit = '';
  for (const next of UNITS) {
    if (value < 1024) break;
    value /= 1024;
    unit = next;
  }
  return unit ? `${value.toFixed(1)} ${unit} (${exact})` : exact;
};

const describeSnapshot = (outcome: Outcome): string => {
  const snapshot = outcome.snapshot;
  if (!snapshot) return '';
  const owner = snapshot.replicationGroupId
    ? `replication group ${snapshot.replicationGroupId}`
    : snapshot.cacheClusterId
      ? `cluster ${snapshot.cacheClusterId}`
      : snapshot.serverlessCacheName
        ? `serverless cache ${snapshot.serverlessCacheName}`
        : undefined;
  // A serverless cache's shards are internal: the number of objects is what its export wrote.
  const shards =
    snapshot.serverlessCacheName === undefined
      ? `${snapshot.numNodeGroups} shard${snapshot.numNodeGroups === 1 ? '' : 's'}`
      : undefined;
  const engine = [snapshot.engine, snapshot.engineVersion].filter(Boolean).join(' ');
  return ` (${[engine, owner, shards].filter(Boolean).join(', ')})`;
};

const objectLines = (outcome: Outcome, maxListed: number): string[] => {
  const bucket = outcome.targetBucket ?? '?';
  const listed = outcome.objects
    .slice(0, maxListed)
    .map((object) => `  s3://${bucket}/${object.key}  ${formatSize(object.size)}`);
  const rest = outcome.objects.length - listed.length;
  if (rest === 0) return listed;
  return [
    ...listed,
    listed.length > 0 ? `  ... and ${rest} more` : `  s3://${bucket}/ (${rest}, listed in the execution's record)`,
  ];
};

/** What the export's lifecycle did besides the export: the schedule it ran for, its fresh snapshot, pruning. */
const lifecycleLines = (outcome: Outcome, maxListed: number): string[] => {
  const lines: string[] = [];
  if (outcome.schedule) lines.push(`Schedule: ${outcome.schedule.name}, run for ${outcome.schedule.scheduledTime}`);
  const fresh = outcome.freshSnapshot;
  if (fresh) {
    lines.push(
      fresh.deleted
        ? `Fresh snapshot: ${fresh.snapshotName} was created for this export and has been deleted.`
        : fresh.reason === 'keepSnapshot was set'
          ? `Fresh snapshot: ${fresh.snapshotName} was created for this export and kept (keepSnapshot).`
          : `Fresh snapshot: ${fresh.snapshotName} was created for this export and NOT deleted (${fresh.reason ?? 'unknown reason'}); the next fresh-snapshot run of this source deletes it, or run: aws elasticache delete-snapshot --snapshot-name ${fresh.snapshotName}`,
    );
    if (fresh.leftoversDeleted && fresh.leftoversDeleted.length > 0) {
      lines.push(`Left behind by earlier runs and now deleted: ${listSome(fresh.leftoversDeleted)}`);
    }
  }
  const pruned = outcome.pruned ?? [];
  if (pruned.length > 0) {
    const total = pruned.reduce((sum, object) => sum + object.size, 0);
    lines.push(
      `Pruned by the schedule's retention: ${pruned.length} older object${pruned.length === 1 ? '' : 's'} (${formatSize(total)}):`,
      ...pruned
        .slice(0, maxListed)
        .map((object) => `  s3://${outcome.targetBucket ?? '?'}/${object.key}  ${formatSize(object.size)}`),
      ...(pruned.length > maxListed ? [`  ... and ${pruned.length - maxListed} more`] : []),
    );
  }
  return lines.length > 0 ? ['', ...lines] : [];
};

const timingLines = (outcome: Outcome): string[] => [
  `Export id: ${outcome.exportId}`,
  `Started:   ${outcome.startedAt}`,
  `Finished:  ${outcome.finishedAt} (took ${formatDuration(outcome.durationSeconds)})`,
];

/** `1.25 GiB`; below 0.01 GiB the nearest unit (`3.4 KiB`), so a small export does not read `0.00 GiB`. */
const gibibytes = (bytes: number): string =>
  bytes >= 0.01 * 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)} GiB` : formatSize(bytes).replace(/ \(.*\)$/, '');

/** `Verified: 2 objects, 1.25 GiB, CRC64 ok`, or what was checked less than in full. */
export const verificationLine = (objects: Outcome['objects']): string => {
  const total = objects.reduce((sum, object) => sum + object.size, 0);
  const plural = (n: number): string => `${n} object${n === 1 ? '' : 's'}`;
  const full = objects.filter((object) => object.rdb?.verified === 'full').length;
  const header = objects.filter((object) => object.rdb?.verified === 'header').length;
  if (full === objects.length) return `Verified: ${plural(full)}, ${gibibytes(total)}, CRC64 ok`;
  if (full + header === objects.length) {
    return `Verified: ${plural(objects.length)}, ${gibibytes(total)}: CRC64 ok for ${full}, header and trailer only for ${header} (see the restore notes)`;
  }
  return `Not verified: ${plural(objects.length - full - header)} not read (VERIFY_EXPORTS=off)`;
};

/** ARNs written out in the text's restore command; more are referred to the document. */
const MAX_COMMAND_ARNS = 10;

/** How to seed a new cache from this export, and the notes that matter for it. */
const restoreLines = (outcome: Outcome): string[] => {
  const restore = outcome.restore;
  if (!restore) return [];
  const arns =
    restore.snapshotArns.length <= MAX_COMMAND_ARNS
      ? restore.snapshotArns.join(' ')
      : `<the ${restore.snapshotArns.length} ARNs of restore.snapshotArns in the outcome document, in order>`;
  const serverless = outcome.snapshot?.serverlessCacheName !== undefined;
  const command = serverless
    ? `aws elasticache create-serverless-cache --serverless-cache-name <new-cache> --engine ${outcome.snapshot?.engine ?? 'valkey'} --snapshot-arns-to-restore ${arns}`
    : `aws elasticache create-replication-group --replication-group-id <new-group> --replication-group-description "Restored from ${outcome.targetSnapshotName ?? outcome.exportId}" --engine ${outcome.snapshot?.engine ?? 'redis'} --cache-node-type <node-type>${restore.snapshotArns.length > 1 ? ` --num-node-groups ${restore.snapshotArns.length}` : ''} --snapshot-arns ${arns}`;
  return ['', 'Restore:', `  ${command}`, ...restore.notes.map((note) => `  - ${note}`)];
};

const successText = (outcome: Outcome, maxListed: number): string[] => {
  const total = outcome.objects.reduce((sum, object) => sum + object.size, 0);
  return [
    `The ElastiCache snapshot export ${outcome.targetSnapshotName ?? outcome.exportId} SUCCEEDED.`,
    '',
    `Source snapshot: ${outcome.sourceSnapshotName ?? '(unknown)'}${describeSnapshot(outcome)}`,
    `Exported ${outcome.objects.length} object${outcome.objects.length === 1 ? '' : 's'} (${formatSize(total)}) to:`,
    ...objectLines(outcome, maxListed),
    ...(outcome.objects.length > 0 ? [verificationLine(outcome.objects)] : []),
    ...(maxListed > 0 ? restoreLines(outcome) : []),
    ...lifecycleLines(outcome, maxListed),
    '',
    ...timingLines(outcome),
  ];
};

const failureText = (outcome: Outcome, error: OutcomeError, maxListed: number): string[] => {
  const ids = [
    `Error code: ${error.code}`,
    ...(error.awsErrorCode ? [`AWS error code: ${error.awsErrorCode}`] : []),
    ...(error.requestId ? [`AWS request id: ${error.requestId}`] : []),
  ];
  const target = [outcome.targetSnapshotName, outcome.targetBucket && `in s3://${outcome.targetBucket}`]
    .filter(Boolean)
    .join(' ');
  return [
    `The ElastiCache snapshot export ${outcome.targetSnapshotName ?? outcome.sourceSnapshotName ?? outcome.exportId} FAILED.`,
    '',
    error.message,
    '',
    `Solution: ${error.solution}`,
    '',
    `Documentation: ${error.docsUrl}`,
    '',
    `Source snapshot: ${outcome.sourceSnapshotName ?? '(unknown)'}${describeSnapshot(outcome)}`,
    `Target: ${target || '(unknown)'}`,
    ...(outcome.objects.length > 0 ? ['Objects found in the bucket:', ...objectLines(outcome, maxListed)] : []),
    ...lifecycleLines(outcome, maxListed),
    ...ids,
    ...timingLines(outcome),
  ];
};

/**
 * SNS refuses messages over 256 KiB (body, subject and attributes together); the outcome document travels in five
 * protocol copies. Keep a margin for the JSON envelope, the subject and the attributes.
 */
const SNS_MESSAGE_BUDGET_BYTES = 256 * 1024 - 8 * 1024;

/**
 * The outcome document as JSON for the protocol copies, with `objects` cut (and `objectsOmitted` said) when the
 * copies would not fit in `budgetBytes`. Only snapshots with hundreds of shards and long names get there.
 */
const documentWithin = (outcome: Outcome, budgetBytes: number): string => {
  const copies = OUTCOME_PROTOCOLS.length;
  let document = JSON.stringify(outcome);
  let kept = outcome.objects.length;
  while (Buffer.byteLength(document) * copies > budgetBytes && kept > 0) {
    const ratio = budgetBytes / (Buffer.byteLength(document) * copies);
    kept = Math.min(kept - 1, Math.floor(kept * ratio * 0.95));
    document = JSON.stringify({
      ...outcome,
      objects: outcome.objects.slice(0, Math.max(0, kept)),
      objectsOmitted: outcome.objects.length - Math.max(0, kept),
      // The ARNs are as many as the objects: cut alike (the full list is in the execution's record).
      ...(outcome.restore && {
        restore: { ...outcome.restore, snapshotArns: outcome.restore.snapshotArns.slice(0, Math.max(0, kept)) },
      }),
    });
  }
  return document;
};

// ---- Bounds on what the request put in ----------------------------------------------------------------------

/**
 * Strings a notification copies from the request (names, and error messages that quote them) are untrusted: a
 * 100 KB snapshot name in a schedule's input would be copied into the subject, the text, five JSON copies and the
 * attributes, and SNS would refuse the message, so nobody would be told. Each is cut to a bound in notifications;
 * the execution's own record (its input, and PublishOutcome's output, which GET /exports/{id} returns) keeps the
 * full values. Real values are far below the bounds: S3 keys are at most 1024 bytes, bucket names 63 characters,
 * snapshot names 255.
 */
const BOUNDS = {
  full: { name: 1024, message: 8 * 1024, attribute: 1024 },
  /** The smaller form, sent when SNS refused the full one (RenderOptions.compact). */
  compact: { name: 200, message: 1024, attribute: 200 },
} as const;

/** Keys named in a message: a few, then a count, so a 500-shard export's message stays readable and small. */
const LISTED_KEYS = 10;
export const listSome = (keys: readonly string[]): string =>
  keys.length <= LISTED_KEYS
    ? keys.join(', ')
    : `${keys.slice(0, LISTED_KEYS).join(', ')} and ${keys.length - LISTED_KEYS} more`;

/** `text` cut to `max` characters, saying how much was left out and where the rest is. */
export const clip = (text: string, max: number): string =>
  text.length <= max
    ? text
    : `${text.slice(0, max)}... (${text.length - max} more characters; the full value is in the execution's record)`;

const clipOptional = (text: string | undefined, max: number): string | undefined =>
  text === undefined ? undefined : clip(text, max);

/** The outcome as a notification may carry it: the strings copied from the request bounded. */
const boundedOutcome = (outcome: Outcome, compact: boolean): Outcome => {
  const bound = compact ? BOUNDS.compact : BOUNDS.full;
  const names = {
    sourceSnapshotName: clipOptional(outcome.sourceSnapshotName, bound.name),
    targetSnapshotName: clipOptional(outcome.targetSnapshotName, bound.name),
    targetBucket: clipOptional(outcome.targetBucket, bound.name),
  };
  return {
    ...outcome,
    ...Object.fromEntries(Object.entries(names).filter(([, value]) => value !== undefined)),
    ...(outcome.snapshot && {
      snapshot: {
        ...outcome.snapshot,
        ...(outcome.snapshot.replicationGroupId !== undefined && {
          replicationGroupId: clip(outcome.snapshot.replicationGroupId, bound.name),
        }),
        ...(outcome.snapshot.cacheClusterId !== undefined && {
          cacheClusterId: clip(outcome.snapshot.cacheClusterId, bound.name),
        }),
      },
    }),
    ...(outcome.error && {
      error: {
        ...outcome.error,
        message: clip(outcome.error.message, bound.message),
        ...(outcome.error.requestId !== undefined && { requestId: clip(outcome.error.requestId, bound.attribute) }),
      },
    }),
  };
};

export interface RenderOptions {
  /** A paragraph put first in the plain text, e.g. why the notification went to the default topic. */
  note?: string;
  /**
   * The smaller form, for a message SNS refused as too long: tighter bounds on every copied string and no object
   * list (the count is given, the objects are in the execution's record and the bucket).
   */
  compact?: boolean;
}

/**
 * The SNS notification for an outcome (DESIGN "Notifications (SNS)"): an ASCII subject, the plain text for
 * e-mail as `default`, the outcome document for machine protocols, and attributes subscribers can filter on.
 */
export const renderNotification = (full: Outcome, topicArn: string, options: RenderOptions = {}): Notification => {
  const compact = options.compact ?? false;
  const bound = compact ? BOUNDS.compact : BOUNDS.full;
  const outcome = boundedOutcome(full, compact);
  const maxListed = compact ? 0 : MAX_LISTED_OBJECTS;
  const lines = outcome.error ? failureText(outcome, outcome.error, maxListed) : successText(outcome, maxListed);
  const note = options.note === undefined ? [] : [clip(options.note, bound.message), ''];
  const text = [...note, ...lines].join('\n');
  const carried =
    compact && outcome.objects.length > 0
      ? {
          ...outcome,
          objects: [],
          objectsOmitted: outcome.objects.length,
          ...(outcome.restore && { restore: { ...outcome.restore, snapshotArns: [] } }),
        }
      : outcome;
  const document = documentWithin(carried, SNS_MESSAGE_BUDGET_BYTES - Buffer.byteLength(text));
  return {
    topicArn,
    subject: subjectFor(outcome),
    message: {
      default: text,
      ...Object.fromEntries(OUTCOME_PROTOCOLS.map((protocol) => [protocol, document])),
    },
    attributes: {
      status: outcome.status,
      exportId: outcome.exportId,
      sourceSnapshotName: clip(full.sourceSnapshotName ?? '', bound.attribute),
      targetBucket: clip(full.targetBucket ?? '', bound.attribute),
      ...(outcome.error && { errorCode: outcome.error.code }),
    },
  };
};
