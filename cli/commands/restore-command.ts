// `elasticache-export restore-command <id>`: the AWS CLI command that seeds a new cluster from a succeeded export's
// .rdb files (ElastiCache User Guide, "Seeding a new self-designed cluster with an externally created backup"): one
// S3 object ARN per shard, in shard order, in the partition of the Region.
import type { Outcome } from '../../handlers/lib/contracts.js';
import { partitionOf } from '../../handlers/lib/partition.js';
import type { CommandContext } from '../context.js';
import { EXIT, type ExitCode } from '../errors.js';
import { getExport } from '../follow.js';
import { shellCommand, shellQuote } from '../render.js';

export interface RestoreFlags {
  newId?: string | undefined;
  nodeType?: string | undefined;
}

export interface RestoreCommand {
  description: string;
  argv: string[];
}

const NEW_ID_PLACEHOLDER = '<new-replication-group-id>';
const NEW_CLUSTER_PLACEHOLDER = '<new-cache-cluster-id>';
const NODE_TYPE_PLACEHOLDER = '<cache-node-type>';

/**
 * The default cluster-mode parameter group of an engine version (`default.redis7.cluster.on`; Redis OSS 6 is
 * `default.redis6.x.cluster.on`, older ones `default.redis5.0.cluster.on`); a placeholder when the version is unknown.
 */
export const clusterParameterGroup = (engine: string, engineVersion: string | undefined): string => {
  const [major, minor] = (engineVersion ?? '').split('.');
  if (!major || !/^\d+$/.test(major)) return `<${engine} cluster-mode parameter group>`;
  if (engine === 'redis' && Number(major) === 6) return 'default.redis6.x.cluster.on';
  if (engine === 'redis' && Number(major) < 6) return `default.redis${major}.${minor ?? '0'}.cluster.on`;
  return `default.${engine}${major}.cluster.on`;
};

/** The commands that seed a new cluster from the outcome's objects; `region` picks the ARNs' partition. */
export const restoreCommands = (outcome: Outcome, region: string, flags: RestoreFlags = {}): RestoreCommand[] => {
  const partition = partitionOf(region);
  const arns = outcome.objects.map((object) => `arn:${partition}:s3:::${outcome.targetBucket ?? ''}/${object.key}`);
  const engine = outcome.snapshot?.engine ?? 'redis';
  const version = outcome.snapshot?.engineVersion;
  const common = [
    '--engine',
    engine,
    ...(version ? ['--engine-version', version] : []),
    '--cache-node-type',
    flags.nodeType ?? NODE_TYPE_PLACEHOLDER,
  ];
  const shards = arns.length;
  const group: RestoreCommand = {
    description:
      shards > 1
        ? `A cluster-mode replication group of ${shards} shards, each seeded from its .rdb file in shard order`
        : 'A replication group seeded from the .rdb file',
    argv: [
      'aws',
      'elasticache',
      'create-replication-group',
      '--replication-group-id',
      flags.newId ?? NEW_ID_PLACEHOLDER,
      '--replication-group-description',
      `Restored from export ${outcome.exportId}`,
      ...common,
      ...(shards > 1
        ? [
            '--num-node-groups',
            String(shards),
            '--cluster-mode',
            'enabled',
            '--cache-parameter-group-name',
            clusterParameterGroup(engine, version),
          ]
        : []),
      '--snapshot-arns',
      ...arns,
      '--region',
      region,
    ],
  };
  if (shards !== 1) return [group];
  return [
    group,
    {
      description: 'Or a single-node cluster (no replication group)',
      argv: [
        'aws',
        'elasticache',
        'create-cache-cluster',
        '--cache-cluster-id',
        flags.newId ?? NEW_CLUSTER_PLACEHOLDER,
        ...common,
        '--num-cache-nodes',
        '1',
        '--snapshot-arns',
        ...arns,
        '--region',
        region,
      ],
    },
  ];
};

export const restoreCommandCommand = async (
  ctx: CommandContext,
  exportId: string,
  flags: RestoreFlags,
): Promise<ExitCode> => {
  const view = await getExport(await ctx.api(), exportId);
  const outcome = view.outcome;
  if (view.status !== 'SUCCEEDED' || !outcome || outcome.objects.length === 0) {
    const message = `Export ${exportId} is ${view.status}: only a succeeded export has .rdb files to seed a cluster from.`;
    if (ctx.json) ctx.printJson({ exportId, status: view.status, commands: [] });
    ctx.err(message);
    return EXIT.failed;
  }
  const region = await ctx.connection.region();
  const commands = restoreCommands(outcome, region, flags);
  if (ctx.json) {
    ctx.printJson({
      exportId,
      status: view.status,
      region,
      commands: commands.map((command) => ({ ...command, text: command.argv.map(shellQuote).join(' ') })),
    });
    return EXIT.ok;
  }
  ctx.out(`# Export ${exportId}: ${outcome.objects.length} .rdb file(s) in s3://${outcome.targetBucket ?? ''}`);
  ctx.out(
    "# ElastiCache reads them with the bucket's grants (prepare-bucket gives it s3:GetObject), in the same Region.",
  );
  if (!flags.newId || !flags.nodeType) ctx.out('# Replace each <…> (or give --new-id and --node-type).');
  for (const command of commands) {
    ctx.out('');
    ctx.out(`# ${command.description}`);
    ctx.out(shellCommand(command.argv));
  }
  return EXIT.ok;
};
