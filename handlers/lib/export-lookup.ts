// The export an API path names: its id checked (one we could have issued), its execution described, 404 when
// there is none. Shared by GET and DELETE /exports/{exportId}.
import type { SFNClient } from '@aws-sdk/client-sfn';
import { describeExecution, type ExecutionDescription } from './aws/sfn.js';
import { ExportNotFoundError } from './errors.js';
import { EXPORT_ID_PATTERN, executionArnFor } from './exports-api.js';

/** The execution ARN of an export id we could have issued; 404 for any other, so it never reaches an ARN. */
export const exportExecutionArn = (exportId: string | undefined, stateMachineArn: string): string => {
  if (exportId === undefined || !EXPORT_ID_PATTERN.test(exportId)) {
    throw new ExportNotFoundError(
      "No such export: an export id is 1 to 80 letters, digits, '-' or '_', as returned by POST /exports.",
    );
  }
  return executionArnFor(stateMachineArn, exportId);
};

export const findExport = async (
  exportId: string | undefined,
  deps: { sfn: SFNClient; stateMachineArn: string },
): Promise<{ exportId: string; executionArn: string; execution: ExecutionDescription }> => {
  const executionArn = exportExecutionArn(exportId, deps.stateMachineArn);
  const execution = await describeExecution(deps.sfn, executionArn);
  if (!execution) throw new ExportNotFoundError(`No export with id ${exportId}.`);
  return { exportId: exportId as string, executionArn, execution };
};
