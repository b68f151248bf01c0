// `elasticache-export check`: the dry run, POST /exports?dryRun=true with the export flags. The API answers
// 200 { ok, request, problems: [ { code, message, solution, docsUrl } ] } and starts nothing; shown as a checklist.
// Exit 0 when ok, 1 when there are problems.
import { isRecord } from '../../handlers/lib/records.js';
import type { CommandContext } from '../context.js';
import { CliError, EXIT, type ExitCode } from '../errors.js';
import { type ExportFlags, exportRequestBody } from '../export-request.js';
import { CHECK, CROSS, plural, sourceOf, targetOf } from '../render.js';

export interface DryRunProblem {
  code: string;
  message: string;
  solution?: string;
  docsUrl?: string;
}

export interface DryRunAnswer {
  ok: boolean;
  request?: unknown;
  problems: DryRunProblem[];
}

const isDryRunAnswer = (value: unknown): value is DryRunAnswer =>
  isRecord(value) && typeof value.ok === 'boolean' && (value.problems === undefined || Array.isArray(value.problems));

export const checkCommand = async (ctx: CommandContext, flags: ExportFlags): Promise<ExitCode> => {
  const body = exportRequestBody(flags);
  const client = await ctx.api();
  const answer = await client.call('POST', '/exports', [200, 202], { body, query: { dryRun: 'true' } });
  if (!isDryRunAnswer(answer.body)) {
    // An API from before the dry run ignores the query parameter and starts (or finds) the export itself.
    const exportId =
      isRecord(answer.body) && typeof answer.body.exportId === 'string' ? answer.body.exportId : undefined;
    throw new CliError(
      exportId
        ? `This API does not know dry runs: it answered with export ${exportId} (HTTP ${answer.status}) instead of a check.`
        : `POST /exports?dryRun=true answered HTTP ${answer.status} with a body that is not a dry run's answer.`,
      EXIT.failed,
      exportId ? [`Deploy a version with the dry run; to stop that export: elasticache-export cancel ${exportId}`] : [],
    );
  }
  const problems = (answer.body.problems ?? []).filter(isRecord).map(
    (problem): DryRunProblem => ({
      code: String(problem.code ?? 'Problem'),
      message: String(problem.message ?? ''),
      ...(typeof problem.solution === 'string' && { solution: problem.solution }),
      ...(typeof problem.docsUrl === 'string' && { docsUrl: problem.docsUrl }),
    }),
  );
  if (ctx.json) ctx.printJson(answer.body);
  else for (const line of checklistLines(answer.body.request ?? body, answer.body.ok, problems)) ctx.out(line);
  return answer.body.ok && problems.length === 0 ? EXIT.ok : EXIT.failed;
};

export const checklistLines = (request: unknown, ok: boolean, problems: readonly DryRunProblem[]): string[] => {
  const lines = [`Dry run: ${sourceOf(request) ?? 'the request'} → ${targetOf(request) ?? 'the default bucket'}`];
  if (ok && problems.length === 0) return [...lines, `${CHECK} ok: the export can start`];
  if (problems.length === 0) return [...lines, `${CROSS} not ok: the API named no problem; ask it with --json`];
  for (const problem of problems) {
    lines.push(`${CROSS} ${problem.code}: ${problem.message}`);
    if (problem.solution) lines.push(`    Fix:  ${problem.solution}`);
    if (problem.docsUrl) lines.push(`    Docs: ${problem.docsUrl}`);
  }
  lines.push(`${plural(problems.length, 'problem')} to fix before the export can start.`);
  return lines;
};
