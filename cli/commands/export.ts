// `elasticache-export export`: POST /exports with the flags → the export id; `--wait` follows it to its end.
// Exit 0 succeeded (or started, without --wait), 1 failed / timed out / cancelled, 2 bad flags, 3 --timeout passed.
import { isRecord } from '../../handlers/lib/records.js';
import type { CommandContext } from '../context.js';
import { CliError, EXIT, type ExitCode } from '../errors.js';
import { type ExportFlags, exportRequestBody } from '../export-request.js';
import { type ExportView, followExport } from '../follow.js';
import { createProgress } from '../progress.js';
import { errorLines, formatBytes, formatDuration, objectsSummary } from '../render.js';

export interface ExportCommandFlags extends ExportFlags {
  wait?: boolean | undefined;
  timeout: number;
  interval: number;
}

export const exportCommand = async (ctx: CommandContext, flags: ExportCommandFlags): Promise<ExitCode> => {
  const body = exportRequestBody(flags);
  const client = await ctx.api();
  const answer = await client.call('POST', '/exports', [200, 202], { body });
  if (!isRecord(answer.body) || typeof answer.body.exportId !== 'string') {
    throw new CliError('POST /exports answered without an exportId');
  }
  const exportId = answer.body.exportId;
  if (answer.status === 200) {
    // The same request was made before: the API answers with that export rather than starting another.
    ctx.err(`Export ${exportId} was already requested (status ${String(answer.body.status)}); not started again.`);
  }
  if (!flags.wait) {
    if (ctx.json) ctx.printJson(answer.body);
    else ctx.out(exportId);
    return EXIT.ok;
  }
  if (!ctx.json) ctx.out(exportId);

  const followed = await followExport(client, exportId, {
    timeoutSeconds: flags.timeout,
    intervalSeconds: flags.interval,
    sleep: ctx.sleep,
    progress: ctx.json ? undefined : createProgress(ctx.io.stderr),
  });
  if (ctx.json) ctx.printJson(followed.view);
  if (followed.result === 'timedOut') {
    ctx.err(
      `Stopped waiting after --timeout ${flags.timeout} s; export ${exportId} is still ${followed.view.status} and goes on.`,
    );
    ctx.err(`Follow it with: elasticache-export status ${exportId}`);
    return EXIT.timedOut;
  }
  if (!ctx.json) for (const line of endLines(followed.view, followed.durationSeconds)) ctx.out(line);
  return followed.view.status === 'SUCCEEDED' ? EXIT.ok : EXIT.failed;
};

/** What the export ended with: where its objects are, or its error with the fix. */
export const endLines = (view: ExportView, elapsedSeconds: number): string[] => {
  const outcome = view.outcome;
  if (view.status === 'SUCCEEDED' && outcome) {
    return [
      `Export ${view.exportId} SUCCEEDED in ${formatDuration(elapsedSeconds)}: ${objectsSummary(outcome.objects)}`,
      ...outcome.objects.map(
        (object) => `  s3://${outcome.targetBucket ?? ''}/${object.key}  ${formatBytes(object.size)}`,
      ),
    ];
  }
  return [
    `Export ${view.exportId} ${view.status} after ${formatDuration(elapsedSeconds)}`,
    ...(outcome?.error
      ? errorLines(outcome.error)
      : [`No outcome document: see elasticache-export status ${view.exportId}`]),
  ];
};
