// The outcome document from what the workflow knew when it ended: its state after ValidateExport, or only the raw
// request after an early failure. Shared by publishing (handlers/lib/publishing.ts) and GET /exports/{id}, so the
// document a notification carries and the one the API shows are built by one function. Pure.
import type { ExportState, FailureInput, Outcome, OutcomeError } from './contracts.js';
import { explainFailure } from './error-catalogue.js';
import { decodeFailureCause } from './errors.js';
import { buildOutcome } from './outcome.js';
import { isRecord } from './records.js';

export type PublishInput = ExportState | FailureInput;

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
export const outcomeFor = (input: PublishInput, finishedAt: Date): Outcome => {
  const succeeded = !isFailure(input) && input.poll?.status === 'exported';
  return buildOutcome({
    exportId: input.exportId,
    startedAt: input.startedAt,
    finishedAt,
    ...namesOf(input),
    objects: input.objects,
    snapshot: input.snapshot,
    ...(!succeeded && { error: failureOf(input) }),
  });
};
