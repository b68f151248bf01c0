// The export an API path names: its id checked (one we could have issued), its execution described, 404 when
// there is none. Shared by GET and DELETE /exports/{exportId}.
import type { SFNClient } from '@aws-sdk/client-sfn';
import { describeExecution, type ExecutionDescription } from './aws/sfn.js';
import { ExportNotFoundError } from './errors.js';
import { EXPORT_ID_PATTERN, executionArnFor } from './exports-api.js';

/** An export id we could have issued, with its execution's ARN; 404 for any other, so it never reaches an ARN. */
export const exportExecution = (
  exportId: string | undefined,
  stateMachineArn: string,
): { exportId: string; executionArn: string } => {
  if (exportId === undefined || !EXPORT_ID_PATTERN.test(exportId)) {
    throw new ExportNotFoundError(
      "No such export: an export id is 1 to 80 letters, digits, '-' or '_', as returned by POST /exports.",
    );
  }
  return { exportId, executionArn: executionArnFor(stateMachineArn, exportId) };
};

export const findExport = async (
  exportId: string | undefined,
  deps: { sfn: SFNClient; stateMachineArn: string },
): Promise<{ exportId: string; executionArn: string; execution: ExecutionDescription }> => {
  const checked = exportExecution(exportId, deps.stateMachineArn);
  const execution = await describeExecution(deps.sfn, checked.executionArn);
  if (!execution) throw new ExportNotFoundError(`No export with id ${checked.exportId}.`);
  return { ...checked, execution };
};
