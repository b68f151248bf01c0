// `elasticache-export status <id>`: the export as GET /exports/{id} shows it. Exit 1 when it ended badly.
import type { CommandContext } from '../context.js';
import { EXIT, type ExitCode } from '../errors.js';
import { type ExportView, getExport } from '../follow.js';
import { errorLines, fields, formatBytes, formatDuration, objectsSummary, sourceOf, targetOf } from '../render.js';

/** The statuses of an export that did not do its job. */
export const FAILED_STATUSES: readonly string[] = ['FAILED', 'TIMED_OUT', 'ABORTED'];

export const statusCommand = async (ctx: CommandContext, exportId: string): Promise<ExitCode> => {
  const view = await getExport(await ctx.api(), exportId);
  if (ctx.json) ctx.printJson(view);
  else for (const line of statusLines(view)) ctx.out(line);
  return FAILED_STATUSES.includes(view.status) ? EXIT.failed : EXIT.ok;
};

export const statusLines = (view: ExportView): string[] => {
  const outcome = view.outcome;
  const started = view.startedAt ? Date.parse(view.startedAt) : Number.NaN;
  const stopped = view.stoppedAt ? Date.parse(view.stoppedAt) : Number.NaN;
  const lines = fields([
    ['Export', view.exportId],
    ['Status', view.status],
    ['Source', sourceOf(view.request)],
    // A request by replication group or cluster names its snapshot only in the outcome.
    ['Snapshot', sourceOf(view.request)?.startsWith('snapshot ') ? undefined : outcome?.sourceSnapshotName],
    ['Target', targetOf(outcome) ?? targetOf(view.request)],
    ['Started', view.startedAt],
    ['Stopped', view.stoppedAt],
    [
      'Took',
      Number.isFinite(started) && Number.isFinite(stopped) ? formatDuration((stopped - started) / 1000) : undefined,
    ],
    ['Schedule', outcome?.schedule && `${outcome.schedule.name} (${outcome.schedule.scheduledTime})`],
    ['Objects', outcome && outcome.objects.length > 0 ? objectsSummary(outcome.objects) : undefined],
  ]);
  for (const object of outcome?.objects ?? []) {
    lines.push(`  s3://${outcome?.targetBucket ?? ''}/${object.key}  ${formatBytes(object.size)}`);
  }
  if (outcome?.freshSnapshot) {
    const fresh = outcome.freshSnapshot;
    lines.push(
      `Fresh snapshot ${fresh.snapshotName}: ${fresh.deleted ? 'deleted' : `kept${fresh.reason ? ` (${fresh.reason})` : ''}`}`,
    );
  }
  if (outcome?.error) lines.push(...errorLines(outcome.error));
  return lines;
};
