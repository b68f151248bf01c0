// `export --wait`: GET /exports/{id} with a growing wait until the export has ended or the CLI's own --timeout.
// The wait follows the service's polling rule (handlers/lib/backoff.ts: a share of the time spent, between a floor
// and a cap) with a CLI's bounds: a person watching wants a short export noticed within seconds.
import { type BackoffPolicy, nextWaitSeconds } from '../handlers/lib/backoff.js';
import type { Outcome } from '../handlers/lib/contracts.js';
import { isRecord } from '../handlers/lib/records.js';
import type { ApiClient } from './api-client.js';
import { ApiError, CliError, EXIT } from './errors.js';
import type { Progress } from './progress.js';

/** GET /exports/{id}, as far as the CLI reads it. */
export interface ExportView {
  exportId: string;
  status: string;
  request?: unknown;
  startedAt?: string;
  stoppedAt?: string;
  outcome?: Outcome;
}

export const isExportView = (value: unknown): value is ExportView =>
  isRecord(value) && typeof value.exportId === 'string' && typeof value.status === 'string';

/** Longest wait between two polls: a long export is still noticed within half a minute. */
export const MAX_POLL_SECONDS = 30;

export interface FollowOptions {
  timeoutSeconds: number;
  /** First (and shortest) wait between polls. */
  intervalSeconds: number;
  progress?: Progress | undefined;
  sleep(ms: number): Promise<void>;
  now?: () => number;
}

export interface FollowResult {
  /** `ended`: the export is no longer RUNNING; `timedOut`: --timeout passed first. */
  result: 'ended' | 'timedOut';
  view: ExportView;
  polls: number;
  /** How long the export ran: start to stop once it has ended, else start to now. */
  durationSeconds: number;
}

export const getExport = async (client: ApiClient, exportId: string): Promise<ExportView> => {
  const answer = await client.call('GET', `/exports/${encodeURIComponent(exportId)}`, [200]);
  if (!isExportView(answer.body)) throw new CliError(`GET /exports/${exportId} answered with an unexpected body`);
  return answer.body;
};

/** Throttling, a server fault or a dropped connection: worth another poll, not the end of a long wait. */
const isTransient = (error: unknown): boolean =>
  error instanceof ApiError
    ? error.status === 429 || error.status >= 500
    : error instanceof CliError && error.cause !== undefined;

/** Objects and bytes once the outcome lists any (a failed export has none to show). */
const objectsOf = (view: ExportView) => {
  const objects = view.outcome?.objects ?? [];
  return objects.length === 0
    ? {}
    : { objects: objects.length, bytes: objects.reduce((sum, object) => sum + object.size, 0) };
};

export const followExport = async (
  client: ApiClient,
  exportId: string,
  options: FollowOptions,
): Promise<FollowResult> => {
  const now = options.now ?? Date.now;
  const policy: BackoffPolicy = { minSeconds: options.intervalSeconds, ratio: 0.1, maxSeconds: MAX_POLL_SECONDS };
  const waitStarted = now();
  let polls = 0;
  let view: ExportView | undefined;
  // Seconds since the export started, up to `end`; since the wait started when the API gives no start.
  const since = (end: number) => {
    const startedAt = view?.startedAt ? Date.parse(view.startedAt) : Number.NaN;
    return Math.max(0, (Number.isFinite(startedAt) ? end - startedAt : end - waitStarted) / 1000);
  };
  for (;;) {
    polls += 1;
    try {
      view = await getExport(client, exportId);
    } catch (error) {
      if (!isTransient(error)) throw error;
    }
    const waited = (now() - waitStarted) / 1000;
    const remaining = options.timeoutSeconds - waited;
    if (view) {
      // The progress line counts on with the clock; the summary says how long the export itself took.
      const state = { status: view.status, elapsedSeconds: since(now()), polls, ...objectsOf(view) };
      if (view.status !== 'RUNNING' || remaining <= 0) {
        options.progress?.done(state);
        return {
          result: view.status !== 'RUNNING' ? 'ended' : 'timedOut',
          view,
          polls,
          durationSeconds: since(view.stoppedAt ? Date.parse(view.stoppedAt) : now()),
        };
      }
      options.progress?.update(state);
    } else if (remaining <= 0) {
      throw new CliError(
        `Could not read export ${exportId} within --timeout (${options.timeoutSeconds} s)`,
        EXIT.timedOut,
      );
    }
    await options.sleep(Math.min(nextWaitSeconds(waited, policy), remaining) * 1000);
  }
};
