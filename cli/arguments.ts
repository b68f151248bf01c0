// The command line: commander reads argv into one Invocation (which command, its arguments and flags) and does
// nothing else; cli/main.ts runs it. Commander's own exits (help, version, a bad flag) become exceptions, so `run`
// decides the exit code: 0 for help and version, 2 for every usage error.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EXPORT_STATUSES } from '../handlers/lib/exports-api.js';
import { MAX_LIST_LIMIT } from '../handlers/lib/exports-query.js';
import type { ExportCommandFlags } from './commands/export.js';
import type { ListFlags } from './commands/list.js';
import type { PrepareBucketFlags } from './commands/prepare-bucket.js';
import type { RestoreFlags } from './commands/restore-command.js';
import type { ConnectionOptions } from './endpoint.js';
import type { ExportFlags } from './export-request.js';
import type { Io } from './io.js';

export const PROGRAM_NAME = 'elasticache-export';

/** Seconds `export --wait` waits before giving up (exit 3). */
export const DEFAULT_TIMEOUT_SECONDS = 3600;
/** Seconds before the first poll of `export --wait`; the wait then grows with the time spent. */
export const DEFAULT_INTERVAL_SECONDS = 2;

export interface GlobalOptions extends ConnectionOptions {
  json: boolean;
}

export type Invocation =
  | { command: 'export'; global: GlobalOptions; flags: ExportCommandFlags }
  | { command: 'check'; global: GlobalOptions; flags: ExportFlags }
  | { command: 'status'; global: GlobalOptions; exportId: string }
  | { command: 'list'; global: GlobalOptions; flags: ListFlags }
  | { command: 'cancel'; global: GlobalOptions; exportId: string }
  | { command: 'prepare-bucket'; global: GlobalOptions; bucket: string; flags: PrepareBucketFlags }
  | { command: 'restore-command'; global: GlobalOptions; exportId: string; flags: RestoreFlags };

/** What parsing ended with: an invocation to run, or commander's own exit (help, version, a usage error). */
export type ParseResult = { invocation: Invocation } | { exitCode: number };

const positiveSeconds = (value: string): number => {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidArgumentError('Give a positive number of seconds.');
  return seconds;
};

const listLimit = (value: string): number => {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new InvalidArgumentError(`Give a whole number from 1 to ${MAX_LIST_LIMIT}.`);
  }
  return limit;
};

const version = (): string => {
  const manifest: unknown = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
  return typeof manifest === 'object' && manifest !== null && 'version' in manifest
    ? String(manifest.version)
    : '0.0.0';
};

const addExportFlags = (command: Command): Command =>
  command
    .option('--snapshot <name>', 'export this snapshot')
    .option('--replication-group <id>', 'export the newest available snapshot of this replication group')
    .option('--cluster <id>', 'export the newest available snapshot of this cache cluster')
    .option('--serverless-snapshot <name>', 'export this snapshot of an ElastiCache Serverless cache')
    .option(
      '--serverless-cache <name>',
      'export the newest available snapshot of this ElastiCache Serverless cache (with --fresh-snapshot: a new one)',
    )
    .option('--bucket <bucket>', "target S3 bucket (default: the stack's DEFAULT_TARGET_BUCKET)")
    .option('--target-name <name>', 'target snapshot name, the S3 key prefix (default: <source>-<yyyyMMdd-HHmm>)')
    .option('--fresh-snapshot', 'take a new snapshot of the group, cluster or serverless cache and export that one')
    .option('--keep-snapshot', 'with --fresh-snapshot: keep that snapshot afterwards');

const EXPORT_FLAG_NAMES = [
  'snapshot',
  'replicationGroup',
  'cluster',
  'serverlessSnapshot',
  'serverlessCache',
  'bucket',
  'targetName',
  'freshSnapshot',
  'keepSnapshot',
] as const;

const exportFlagsOf = (options: Record<string, unknown>): ExportFlags =>
  Object.fromEntries(
    EXPORT_FLAG_NAMES.filter((name) => options[name] !== undefined).map((name) => [name, options[name]]),
  );

const globalOf = (options: Record<string, unknown>): GlobalOptions => ({
  json: options.json === true,
  local: options.local === true,
  stage: String(options.stage),
  ...(typeof options.endpoint === 'string' && { endpoint: options.endpoint }),
  ...(typeof options.region === 'string' && { region: options.region }),
  ...(typeof options.profile === 'string' && { profile: options.profile }),
});

/** The program; `found` receives the invocation of the command that matched. */
export const buildProgram = (io: Io, found: (invocation: Invocation) => void): Command => {
  const program = new Command(PROGRAM_NAME)
    .description('Export ElastiCache snapshots to S3 through the export API, follow them, and prepare buckets.')
    .version(version(), '-V, --version')
    .option('--json', "print the API's answer as JSON (one document on stdout)")
    .option(
      '--endpoint <url>',
      "the API's URL (default: the stack's ServiceEndpoint output; with --local: the local API)",
    )
    .option('--local', 'the local stack (`npm start`): no signing, http://127.0.0.1:$LOCAL_API_PORT (3000)')
    .option('--stage <stage>', 'the deployed stage whose stack to look up', 'dev')
    .option('--region <region>', 'the AWS Region (default: from --endpoint, AWS_REGION or the profile)')
    .option('--profile <profile>', 'the AWS profile whose credentials sign the requests (SSO included)')
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  addExportFlags(program.command('export').description('start an export and print its id'))
    .option('--wait', 'follow the export to its end (exit 0 succeeded, 1 failed, 3 --timeout)')
    .addOption(
      new Option('--timeout <seconds>', 'with --wait: stop waiting after this long')
        .argParser(positiveSeconds)
        .default(DEFAULT_TIMEOUT_SECONDS),
    )
    .addOption(
      new Option('--interval <seconds>', 'with --wait: the first wait between polls (it grows to 30 s)')
        .argParser(positiveSeconds)
        .default(DEFAULT_INTERVAL_SECONDS),
    )
    .action((_options: unknown, command: Command) => {
      const options = command.optsWithGlobals();
      found({
        command: 'export',
        global: globalOf(options),
        flags: {
          ...exportFlagsOf(options),
          wait: options.wait === true,
          timeout: Number(options.timeout),
          interval: Number(options.interval),
        },
      });
    });

  addExportFlags(
    program.command('check').description('dry run: would the export start? (POST /exports?dryRun=true)'),
  ).action((_options: unknown, command: Command) => {
    const options = command.optsWithGlobals();
    found({ command: 'check', global: globalOf(options), flags: exportFlagsOf(options) });
  });

  program
    .command('status')
    .description('show an export (exit 1 if it FAILED, TIMED_OUT or was ABORTED)')
    .argument('<exportId>')
    .action((exportId: string, _options: unknown, command: Command) => {
      found({ command: 'status', global: globalOf(command.optsWithGlobals()), exportId });
    });

  program
    .command('list')
    .description('recent exports, newest first')
    .addOption(new Option('--status <status>', 'only exports with this status').choices(EXPORT_STATUSES))
    .option('--source <name>', 'only exports of this snapshot, replication group or cluster')
    .option('--bucket <bucket>', 'only exports to this bucket')
    .addOption(new Option('--limit <n>', `at most this many (1-${MAX_LIST_LIMIT}, default 20)`).argParser(listLimit))
    .option('--next-token <token>', 'the next page of an earlier list')
    .action((_options: unknown, command: Command) => {
      const options = command.optsWithGlobals();
      found({
        command: 'list',
        global: globalOf(options),
        flags: {
          ...(typeof options.status === 'string' && { status: options.status }),
          ...(typeof options.source === 'string' && { source: options.source }),
          ...(typeof options.bucket === 'string' && { bucket: options.bucket }),
          ...(typeof options.limit === 'number' && { limit: options.limit }),
          ...(typeof options.nextToken === 'string' && { nextToken: options.nextToken }),
        },
      });
    });

  program
    .command('cancel')
    .description('stop a running export (DELETE /exports/{id})')
    .argument('<exportId>')
    .action((exportId: string, _options: unknown, command: Command) => {
      found({ command: 'cancel', global: globalOf(command.optsWithGlobals()), exportId });
    });

  program
    .command('prepare-bucket')
    .description(
      'what ElastiCache needs on a bucket in the Region (a bucket policy; --acl: ACL grants); --apply does it',
    )
    .argument('<bucket>')
    .option('--acl', "grant by ACL to ElastiCache's canonical user ID instead (Regions from before March 2019)")
    .option('--apply', "apply it with the SDK: adds to the bucket's policy or ACL, creates a missing bucket")
    .action((bucket: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals();
      found({
        command: 'prepare-bucket',
        global: globalOf(options),
        bucket,
        flags: { acl: options.acl === true, apply: options.apply === true },
      });
    });

  program
    .command('restore-command')
    .description('the AWS CLI command that seeds a new cluster from a succeeded export')
    .argument('<exportId>')
    .option('--new-id <id>', 'the new replication group (or cluster) id')
    .option('--node-type <type>', "the new cluster's node type, e.g. cache.r7g.large")
    .action((exportId: string, _options: unknown, command: Command) => {
      const options = command.optsWithGlobals();
      found({
        command: 'restore-command',
        global: globalOf(options),
        exportId,
        flags: {
          ...(typeof options.newId === 'string' && { newId: options.newId }),
          ...(typeof options.nodeType === 'string' && { nodeType: options.nodeType }),
        },
      });
    });

  return program;
};

/** Reads argv (the user's arguments, without `node` and the script). */
export const parseArguments = async (argv: readonly string[], io: Io): Promise<ParseResult> => {
  let invocation: Invocation | undefined;
  const program = buildProgram(io, (found) => {
    invocation = found;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    // Help and --version exit 0; a bad flag, a missing argument, an unknown command (or none) is a usage error.
    if (error instanceof CommanderError) return { exitCode: error.exitCode === 0 ? 0 : 2 };
    throw error;
  }
  return invocation ? { invocation } : { exitCode: 2 };
};
