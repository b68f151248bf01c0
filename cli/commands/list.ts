// `elasticache-export list`: GET /exports (newest first) as a table, or the API's answer with --json.
import { isRecord } from '../../handlers/lib/records.js';
import type { CommandContext } from '../context.js';
import { CliError, EXIT, type ExitCode } from '../errors.js';
import { formatDuration, table } from '../render.js';

export interface ListFlags {
  status?: string | undefined;
  source?: string | undefined;
  bucket?: string | undefined;
  limit?: number | undefined;
  nextToken?: string | undefined;
}

interface ListItem {
  exportId: string;
  status: string;
  source?: { kind: string; name: string };
  targetSnapshotName?: string;
  targetBucket?: string;
  startedAt: string;
  stoppedAt?: string;
}

const isListItem = (value: unknown): value is ListItem =>
  isRecord(value) && typeof value.exportId === 'string' && typeof value.status === 'string';

const KIND_LABEL: Readonly<Record<string, string>> = {
  snapshot: 'snapshot',
  replicationGroup: 'group',
  cacheCluster: 'cluster',
};

export const listCommand = async (ctx: CommandContext, flags: ListFlags): Promise<ExitCode> => {
  const client = await ctx.api();
  const answer = await client.call('GET', '/exports', [200], {
    query: {
      status: flags.status,
      source: flags.source,
      bucket: flags.bucket,
      limit: flags.limit === undefined ? undefined : String(flags.limit),
      nextToken: flags.nextToken,
    },
  });
  const body = answer.body;
  if (!isRecord(body) || !Array.isArray(body.exports))
    throw new CliError('GET /exports answered with an unexpected body');
  if (ctx.json) {
    ctx.printJson(body);
    return EXIT.ok;
  }
  const items = body.exports.filter(isListItem);
  if (items.length === 0) ctx.out('No exports.');
  else for (const line of listLines(items)) ctx.out(line);
  // A filtered page may be empty and still have more behind it (the API examines at most 200 executions a call).
  if (typeof body.nextToken === 'string') ctx.out(`More: add --next-token ${body.nextToken}`);
  return EXIT.ok;
};

export const listLines = (items: readonly ListItem[]): string[] =>
  table(
    ['EXPORT ID', 'STATUS', 'SOURCE', 'TARGET', 'STARTED', 'TOOK'],
    items.map((item) => {
      const started = Date.parse(item.startedAt);
      const stopped = item.stoppedAt ? Date.parse(item.stoppedAt) : Number.NaN;
      return [
        item.exportId,
        item.status,
        item.source ? `${KIND_LABEL[item.source.kind] ?? item.source.kind} ${item.source.name}` : '-',
        item.targetBucket ? `s3://${item.targetBucket}/${item.targetSnapshotName ?? ''}` : '-',
        item.startedAt.replace(/\.\d{3}Z$/, 'Z'),
        Number.isFinite(stopped) ? formatDuration((stopped - started) / 1000) : '-',
      ];
    }),
  );
