// Cancelling an export (DELETE /exports/{exportId}): the rules, apart from HTTP and Lambda. A running export is
// stopped with the ExportCancelled error; the safety net then sends its one notification. An export that is
// already sending its notification is not stopped (that could cut the notification off or send a second one).
import type { HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { describeExecution, latestEvents, stopExecution } from './aws/sfn.js';
import { CANCEL_ERROR, PUBLISH_STATES } from './closed-execution.js';
import { ExportConflictError } from './errors.js';
import { exportExecution, findExport } from './export-lookup.js';
import { type ApiResult, type ExportDetails, toExportDetails } from './exports-api.js';
import { logger } from './logger.js';

export interface CancelExportDeps {
  sfn: SFNClient;
  stateMachineArn: string;
  /** Who asked (the IAM caller's ARN), recorded in the stop cause. */
  caller?: string | undefined;
  now: () => Date;
}

/** Events read from the end of the history to find the state the export is in (a state has at most 6 between). */
const RECENT_EVENTS = 10;

/** The state the execution is in now: the newest *StateEntered event not followed by its exit. */
const currentStateIn = (recent: HistoryEvent[]): string | undefined => {
  for (const event of recent) {
    if (event.type?.endsWith('StateExited')) return undefined;
    if (event.type?.endsWith('StateEntered')) return event.stateEnteredEventDetails?.name;
  }
  return undefined;
};

export const cancelExport = async (
  exportId: string | undefined,
  deps: CancelExportDeps,
): Promise<ApiResult<ExportDetails>> => {
  // The history's end is read alongside the description: one round trip. Of an export that does not exist or
  // has ended it is not looked at (and its refusal is dropped).
  const recent = latestEvents(deps.sfn, exportExecution(exportId, deps.stateMachineArn).executionArn, RECENT_EVENTS);
  recent.catch(() => undefined);
  const { executionArn, execution } = await findExport(exportId, deps);
  if (execution.status !== 'RUNNING') {
    throw new ExportConflictError(
      `Export ${exportId} has already ended (${execution.status}${execution.stoppedAt ? ` at ${execution.stoppedAt}` : ''}); there is nothing to cancel. GET /exports/${exportId} shows its outcome.`,
    );
  }
  const state = currentStateIn(await recent);
  if (state !== undefined && PUBLISH_STATES.includes(state)) {
    throw new ExportConflictError(
      `Export ${exportId} is already ending: it is sending its outcome notification (${state}). GET /exports/${exportId} shows the outcome in a moment.`,
    );
  }
  const by = deps.caller ? ` by ${deps.caller}` : '';
  await stopExecution(deps.sfn, {
    executionArn,
    error: CANCEL_ERROR,
    cause: `The export was cancelled through DELETE /exports/${exportId}${by} at ${deps.now().toISOString()}.`,
  });
  logger.info('Export cancelled', { exportId, state, caller: deps.caller });
  // The export as it is now: stopping is asynchronous, so read it back rather than guess.
  const after = (await describeExecution(deps.sfn, executionArn)) ?? execution;
  return { statusCode: 202, body: toExportDetails(after) };
};
