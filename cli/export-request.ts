// The export flags shared by `export` and `check`, turned into the body of POST /exports and checked with the
// service's own request schema, so a request the API would refuse as malformed is a usage error before anything is sent.
import { exportRequestSchema } from '../handlers/lib/contracts.js';
import { UsageError } from './errors.js';

export interface ExportFlags {
  replicationGroup?: string | undefined;
  cluster?: string | undefined;
  snapshot?: string | undefined;
  serverlessSnapshot?: string | undefined;
  serverlessCache?: string | undefined;
  bucket?: string | undefined;
  targetName?: string | undefined;
  freshSnapshot?: boolean | undefined;
  keepSnapshot?: boolean | undefined;
}

/** The flag each request field comes from, to name flags (not fields) in usage errors. */
const FLAG_OF: Readonly<Record<string, string>> = {
  sourceSnapshotName: '--snapshot',
  replicationGroupId: '--replication-group',
  cacheClusterId: '--cluster',
  serverlessCacheSnapshotName: '--serverless-snapshot',
  serverlessCacheName: '--serverless-cache',
  targetBucket: '--bucket',
  targetSnapshotName: '--target-name',
  freshSnapshot: '--fresh-snapshot',
  keepSnapshot: '--keep-snapshot',
};

// `freshSnapshot: true` in a message is the flag itself.
const FIELD_NAMES = new RegExp(`\\b(${Object.keys(FLAG_OF).join('|')})\\b(: true)?`, 'g');

/** The body of POST /exports for these flags. Throws UsageError listing every problem (exit 2). */
export const exportRequestBody = (flags: ExportFlags): Record<string, string | boolean> => {
  const body: Record<string, string | boolean> = {
    ...(flags.snapshot !== undefined && { sourceSnapshotName: flags.snapshot }),
    ...(flags.replicationGroup !== undefined && { replicationGroupId: flags.replicationGroup }),
    ...(flags.cluster !== undefined && { cacheClusterId: flags.cluster }),
    ...(flags.serverlessSnapshot !== undefined && { serverlessCacheSnapshotName: flags.serverlessSnapshot }),
    ...(flags.serverlessCache !== undefined && { serverlessCacheName: flags.serverlessCache }),
    ...(flags.bucket !== undefined && { targetBucket: flags.bucket }),
    ...(flags.targetName !== undefined && { targetSnapshotName: flags.targetName }),
    ...(flags.freshSnapshot && { freshSnapshot: true }),
    ...(flags.keepSnapshot && { keepSnapshot: true }),
  };
  const parsed = exportRequestSchema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const message = issue.message.replace(FIELD_NAMES, (_match, name: string) => FLAG_OF[name] ?? name);
      const flag = FLAG_OF[issue.path.map(String)[0] ?? ''];
      return `  ${flag && !message.includes(flag) ? `${flag}: ` : ''}${message}`;
    });
    throw new UsageError('The export request is not valid:', problems);
  }
  return body;
};
