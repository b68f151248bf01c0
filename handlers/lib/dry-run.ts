// POST /exports?dryRun=true: the checks ValidateExport runs (handlers/lib/export-checks.ts), every one that can run,
// synchronously, with each problem explained by the error catalogue. Nothing is started. No Lambda types here.
import { normalizeExportRequest } from './contracts.js';
import { catalogueEntryFor } from './error-catalogue.js';
import { type CheckProblem, checkExport, type ExportCheckDeps } from './export-checks.js';
import type { ApiResult, ExportDryRun, ExportProblem } from './exports-api.js';
import { logger } from './logger.js';
import { exportIdFor } from './naming.js';

export interface DryRunDeps extends ExportCheckDeps {
  defaultTargetBucket?: string | undefined;
  now: () => Date;
}

/**
 * Normalizes the body as POST /exports does (a body that breaks the schema is still an InvalidRequestError), then
 * runs every check and answers 200 with all the problems found: `ok` when there is none, and the export would pass
 * ValidateExport if requested now. The export id (and so a fresh snapshot's name) is the one the request would get.
 */
export const dryRunExport = async (body: unknown, deps: DryRunDeps): Promise<ApiResult<ExportDryRun>> => {
  const request = normalizeExportRequest(body, { defaultTargetBucket: deps.defaultTargetBucket, now: deps.now() });
  const exportId = exportIdFor(request.targetBucket, request.targetSnapshotName);
  const { problems } = await checkExport(request, deps, { exportId });
  const explained = problems.map(toExportProblem);
  logger.info('Export dry run', { exportId, ok: explained.length === 0, problems: explained.map(({ code }) => code) });
  return { statusCode: 200, body: { ok: explained.length === 0, request, problems: explained } };
};

/**
 * A problem as the catalogue explains it, matched exactly as the failure ValidateExport would throw (its message,
 * then its code). The message is the problem's own words, with its detail (what exactly is missing) after them.
 */
export const toExportProblem = (problem: CheckProblem): ExportProblem => {
  const entry = catalogueEntryFor({
    errorName: problem.check === 'allowList' ? 'TargetBucketNotAllowedError' : 'ExportRejectedError',
    message: problem.message,
    details: problem.details,
  });
  return {
    code: entry.code,
    message: problem.detail ? `${problem.message} ${problem.detail}` : problem.message,
    solution: entry.solution,
    docsUrl: entry.docsUrl,
  };
};
