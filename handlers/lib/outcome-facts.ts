// The outcome document from what the workflow knew when it ended: its state after ValidateExport, or only the raw
// request after an early failure. Shared by publishing (handlers/lib/publishing.ts) and GET /exports/{id}, so the
// document a notification carries and the one the API shows are built by one function. Pure.
import type {
  ExportState,
  FailureInput,
  FreshSnapshotOutcome,
  Outcome,
  OutcomeError,
  ScheduleRun,
} from './contracts.js';
import { explainFailure } from './error-catalogue.js';
import { decodeFailureCause } from './errors.js';
import { buildOutcome } from './outcome.js';
import { isRecord } from './records.js';
import { partitionOfArn } from './restore-advice.js';

/** `cleanupError`: CleanUp's own Lambda failure, caught so the notification still goes out. */
export type PublishInput = (ExportState | FailureInput) & { cleanupError?: unknown };

export const stringField = (record: unknown, key: string): string | undefined => {
  if (!isRecord(record)) return undefined;
  const value = record[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

const isFailure = (input: PublishInput): input is FailureInput => 'error' in input && input.error !== undefined;

/**
 * Names of the export. After ValidateExport they are fields of the state; a failure before it leaves only the
 * raw execution input (`input`), which is untrusted: take only string fields.
 */
const namesOf = (input: PublishInput) => ({
  sourceSnapshotName: input.sourceSnapshotName ?? stringField(input.input, 'sourceSnapshotName'),
  targetSnapshotName: input.targetSnapshotName ?? stringField(input.input, 'targetSnapshotName'),
  targetBucket: input.targetBucket ?? stringField(input.input, 'targetBucket'),
});

/** Why the outcome is a failure, explained by the catalogue. */
const failureOf = (input: PublishInput): OutcomeError => {
  if (isFailure(input)) return explainFailure(decodeFailureCause(input.error.Error, input.error.Cause));
  // Reaching PublishSuccess without a verified export would be a state machine bug; never report it as success.
  return explainFailure({
    errorName: 'ExportNotVerified',
    message: `The export workflow reached its success step before the export was verified (poll status ${input.poll?.status ?? 'missing'}).`,
    details: {},
  });
};

/** The outcome document for what the workflow knew when it ended: a success only for a verified export. */
/**
 * Whether the export was verified (CheckExport found every object). Then it succeeded, even when the state also
 * carries an error: only PublishSuccess runs after a verified check, so that error is a failure to announce the
 * success, not of the export (PublishFailure then announces the success; publishNote says what went wrong).
 */
export const isVerified = (input: PublishInput): boolean => input.poll?.status === 'exported';

/** For a verified export whose first announcement failed: what failed, for the notification's first paragraph. */
export const announcementFailure = (input: PublishInput): string | undefined => {
  if (!isVerified(input) || !isFailure(input)) return undefined;
  const failure = decodeFailureCause(input.error.Error, input.error.Cause);
  return `The export succeeded; the first attempt to send this notification failed (${failure.errorName}: ${failure.message.split('\n')[0] ?? ''}).`;
};

/** The scheduled run's identity: from the validated request, or from the raw input after an early failure. */
const scheduleOf = (input: PublishInput): ScheduleRun | undefined => {
  const schedule = input.request?.schedule ?? (isRecord(input.input) ? input.input.schedule : undefined);
  const name = stringField(schedule, 'name');
  const scheduledTime = stringField(schedule, 'scheduledTime');
  return name && scheduledTime ? { name, scheduledTime } : undefined;
};

/**
 * What a fresh snapshot became: CleanUp's answer; or, when CleanUp itself failed or never ran after a snapshot was
 * taken, that it was not deleted (the next run or the safety net removes it).
 */
const freshSnapshotOf = (input: PublishInput): FreshSnapshotOutcome | undefined => {
  if (input.cleanup) return input.cleanup.freshSnapshot;
  if (!input.fresh?.created) return undefined;
  const failure = isRecord(input.cleanupError) ? stringField(input.cleanupError, 'Cause') : undefined;
  return {
    snapshotName: input.fresh.snapshotName,
    deleted: false,
    reason: failure ? `clean-up failed: ${failure.split('\n')[0]}` : 'clean-up did not run',
  };
};

export const outcomeFor = (input: PublishInput, finishedAt: Date): Outcome => {
  const succeeded = isVerified(input);
  return buildOutcome({
    exportId: input.exportId,
    startedAt: input.startedAt,
    finishedAt,
    ...namesOf(input),
    objects: input.objects,
    snapshot: input.snapshot,
    ...(!succeeded && { error: failureOf(input) }),
    schedule: scheduleOf(input),
    freshSnapshot: freshSnapshotOf(input),
    pruned: succeeded ? input.cleanup?.pruned : undefined,
    verification: succeeded ? input.verification : undefined,
    partition: partitionOfArn(input.topicArn ?? input.snapshot?.topicArn),
  });
};
