// `elasticache-export prepare-bucket <bucket>`: what ElastiCache needs on the bucket in the Region (README "Preparing
// a bucket"): by default a bucket policy statement for the Region's service principal, with --acl the ACL grants to
// ElastiCache's canonical user ID (Object Ownership first). Prints it with the AWS CLI commands; --apply makes it so
// with the SDK, adding to the bucket's policy or ACL and never taking anything away, then checks the bucket as
// ValidateExport does (handlers/lib/bucket-access.ts). Exit 1 when ElastiCache still cannot export to it.
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  HeadBucketCommand,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import {
  type AclGrant,
  ELASTICACHE_PERMISSIONS,
  elastiCacheAccessGaps,
  elastiCacheCanonicalUserId,
  elastiCacheServicePrincipal,
  type PermissionGap,
} from '../../handlers/lib/bucket-access.js';
import { bucketNameProblems } from '../../handlers/lib/naming.js';
import { isOptInRegion } from '../../handlers/lib/partition.js';
import {
  ACL_OBJECT_OWNERSHIP,
  exportStatement,
  mergeGrants,
  mergePolicy,
  PERMISSION_LABELS,
  policyWith,
  STATEMENT_SID,
} from '../bucket-preparation.js';
import type { CommandContext } from '../context.js';
import type { AwsAccess } from '../endpoint.js';
import { CliError, EXIT, type ExitCode, UsageError } from '../errors.js';
import { CHECK, CROSS, shellCommand } from '../render.js';

export interface PrepareBucketFlags {
  acl?: boolean | undefined;
  apply?: boolean | undefined;
}

type Route = 'policy' | 'acl';

/** The AWS CLI commands that prepare the bucket by hand (the README's blocks, with this bucket and Region). */
export const bucketCommands = (bucket: string, region: string, route: Route): string[][] => {
  const where = ['--bucket', bucket, '--region', region];
  if (route === 'policy') {
    return [
      [
        'aws',
        's3api',
        'put-bucket-policy',
        ...where,
        '--policy',
        JSON.stringify(policyWith(exportStatement(bucket, region))),
      ],
    ];
  }
  const grantee = `id=${elastiCacheCanonicalUserId(region)}`;
  return [
    [
      'aws',
      's3api',
      'put-bucket-ownership-controls',
      ...where,
      '--ownership-controls',
      `Rules=[{ObjectOwnership=${ACL_OBJECT_OWNERSHIP}}]`,
    ],
    ['OWNER=$(aws', 's3api', 'get-bucket-acl', ...where, '--query', 'Owner.ID', '--output', 'text)'],
    [
      'aws',
      's3api',
      'put-bucket-acl',
      ...where,
      '--grant-full-control',
      'id="$OWNER"',
      '--grant-read',
      grantee,
      '--grant-write',
      grantee,
      '--grant-read-acp',
      grantee,
    ],
  ];
};

export const createBucketCommand = (bucket: string, region: string): string[] => [
  'aws',
  's3api',
  'create-bucket',
  '--bucket',
  bucket,
  '--region',
  region,
  // us-east-1 takes no LocationConstraint; every other Region needs it.
  ...(region === 'us-east-1' ? [] : ['--create-bucket-configuration', `LocationConstraint=${region}`]),
];

/** A command for a person to paste: quoted, except the shell syntax of the OWNER= line, which is meant as shell. */
const pasteable = (argv: readonly string[]): string =>
  argv[0]?.startsWith('OWNER=') ? argv.join(' ') : shellCommand(argv).replace(`'id="$OWNER"'`, 'id="$OWNER"');

export const prepareBucketCommand = async (
  ctx: CommandContext,
  bucket: string,
  flags: PrepareBucketFlags,
): Promise<ExitCode> => {
  const problems = bucketNameProblems(bucket);
  if (problems.length > 0)
    throw new UsageError(
      `${bucket} is not a bucket name:`,
      problems.map((p) => `  S3 bucket name ${p}`),
    );
  const region = await ctx.connection.region();
  const route: Route = flags.acl ? 'acl' : 'policy';
  if (route === 'acl' && isOptInRegion(region)) {
    throw new UsageError(
      `${region} is an opt-in Region: ElastiCache exports there only through a bucket policy, an ACL grant does not count. Leave out --acl.`,
    );
  }
  const commands = bucketCommands(bucket, region, route);
  if (!flags.apply) {
    if (ctx.json)
      ctx.printJson({ bucket, region, route, ...needs(bucket, region, route), commands: commands.map(pasteable) });
    else for (const line of planLines(bucket, region, route, commands)) ctx.out(line);
    return EXIT.ok;
  }
  const access = await ctx.connection.aws();
  const applied = await applyPreparation(access, bucket, route);
  if (ctx.json) ctx.printJson({ bucket, region, route, ...needs(bucket, region, route), applied });
  else for (const line of appliedLines(bucket, region, route, applied, access.local)) ctx.out(line);
  return applied.gaps.length === 0 ? EXIT.ok : EXIT.failed;
};

const needs = (bucket: string, region: string, route: Route) =>
  route === 'policy'
    ? { statement: exportStatement(bucket, region) }
    : {
        objectOwnership: ACL_OBJECT_OWNERSHIP,
        grants: ELASTICACHE_PERMISSIONS.map((permission) => ({
          grantee: { type: 'CanonicalUser', id: elastiCacheCanonicalUserId(region) },
          permission,
        })),
      };

const planLines = (bucket: string, region: string, route: Route, commands: string[][]): string[] => {
  const lines: string[] = [];
  if (route === 'policy') {
    lines.push(
      `ElastiCache needs a bucket policy statement on ${bucket} (${region}) for its service principal ${elastiCacheServicePrincipal(region)}:`,
      '',
      ...JSON.stringify(exportStatement(bucket, region), null, 2).split('\n'),
      '',
      'With the AWS CLI (put-bucket-policy replaces the whole policy: if the bucket has one, add the statement to it):',
    );
  } else {
    const id = elastiCacheCanonicalUserId(region);
    lines.push(
      `ElastiCache needs ACL grants on ${bucket} (${region}) to its canonical user ID ${id}:`,
      ...ELASTICACHE_PERMISSIONS.map((permission) => `  ${permission} (${PERMISSION_LABELS[permission]})`),
      `Object Ownership must allow ACLs (buckets created since April 2023 have them disabled): ${ACL_OBJECT_OWNERSHIP}.`,
      '',
      "With the AWS CLI (put-bucket-acl replaces every grant, so the owner's own full control is given again with the three for ElastiCache):",
    );
  }
  lines.push('', ...commands.map(pasteable), '');
  lines.push(
    'If the bucket does not exist yet, create it first (same Region as the snapshots):',
    '',
    shellCommand(createBucketCommand(bucket, region)),
    '',
    `Or let this CLI do it, adding to the bucket's ${route === 'policy' ? 'policy' : 'ACL'} and keeping what is there:`,
    '',
    `elasticache-export prepare-bucket ${bucket} --region ${region}${route === 'acl' ? ' --acl' : ''} --apply`,
    '',
    `Then add ${bucket} to ALLOWED_TARGET_BUCKETS and deploy again.`,
  );
  return lines;
};

export interface AppliedPreparation {
  created: boolean;
  /** The policy route: whether the statement was added or widened. */
  policyChanged?: boolean;
  /** The statements the policy had (kept as they were, except ours). */
  statementsKept?: number;
  /** The ACL route: Object Ownership before, when it had to change. */
  ownershipChangedFrom?: string;
  grantsAdded?: string[];
  /** What ElastiCache still lacks afterwards (a Deny, ACLs disabled, …); empty: it can export. */
  gaps: PermissionGap[];
}

const isS3Error = (error: unknown, ...names: string[]): boolean =>
  error instanceof S3ServiceException && names.includes(error.name);

/** `EU` is S3's old name of eu-west-1; no constraint is us-east-1. */
const regionOfLocation = (location: string | undefined): string =>
  !location ? 'us-east-1' : location === 'EU' ? 'eu-west-1' : location;

const applyPreparation = async (access: AwsAccess, bucket: string, route: Route): Promise<AppliedPreparation> => {
  // One client for this command; the CLI runs once per process.
  const s3 = new S3Client({
    region: access.region,
    credentials: access.credentials,
    ...(access.endpoint && { endpoint: access.endpoint, forcePathStyle: true }),
  });
  try {
    const created = await ensureBucket(s3, bucket, access.region);
    const applied: AppliedPreparation = { created, gaps: [] };
    if (route === 'policy') {
      const existing = await readPolicy(s3, bucket);
      const merged = mergePolicy(existing, exportStatement(bucket, access.region));
      if (merged.changed) {
        await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(merged.document) }));
      }
      applied.policyChanged = merged.changed;
      applied.statementsKept = merged.document.Statement.filter((statement) => statement.Sid !== STATEMENT_SID).length;
    } else {
      const ownership = await readOwnership(s3, bucket);
      if (ownership === 'BucketOwnerEnforced') {
        await s3.send(
          new PutBucketOwnershipControlsCommand({
            Bucket: bucket,
            OwnershipControls: { Rules: [{ ObjectOwnership: ACL_OBJECT_OWNERSHIP }] },
          }),
        );
        applied.ownershipChangedFrom = ownership;
      }
      const acl = await s3.send(new GetBucketAclCommand({ Bucket: bucket }));
      const merged = mergeGrants(acl.Grants ?? [], access.region);
      if (merged.added.length > 0) {
        // The grants are the SDK's own plus ours, whose permissions are S3's: only the type is widened to a string.
        await s3.send(
          new PutBucketAclCommand({
            Bucket: bucket,
            AccessControlPolicy: { Owner: acl.Owner, Grants: merged.grants as NonNullable<typeof acl.Grants> },
          }),
        );
      }
      applied.grantsAdded = merged.added;
    }
    applied.gaps = await accessGaps(s3, bucket, access.region);
    return applied;
  } finally {
    s3.destroy();
  }
};

/** True when the bucket had to be created. A bucket in another Region is refused: ElastiCache exports within one. */
const ensureBucket = async (s3: S3Client, bucket: string, region: string): Promise<boolean> => {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (error) {
    if (isS3Error(error, 'NotFound', 'NoSuchBucket')) {
      await s3.send(
        new CreateBucketCommand({
          Bucket: bucket,
          ...(region !== 'us-east-1' && {
            CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint },
          }),
        }),
      );
      return true;
    }
    if (isS3Error(error, 'Forbidden', 'AccessDenied')) {
      throw new CliError(`Bucket ${bucket} exists but these credentials may not use it (another account's bucket?).`);
    }
    throw error;
  }
  const { LocationConstraint } = await s3.send(new GetBucketLocationCommand({ Bucket: bucket }));
  const bucketRegion = regionOfLocation(LocationConstraint);
  if (bucketRegion !== region) {
    throw new CliError(
      `Bucket ${bucket} is in ${bucketRegion}, not ${region}: ElastiCache exports only to a bucket in the snapshot's Region.`,
      EXIT.failed,
      ['Give the Region of the snapshots with --region, or prepare a bucket in that Region.'],
    );
  }
  return false;
};

const readPolicy = async (s3: S3Client, bucket: string): Promise<string | undefined> => {
  try {
    return (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy;
  } catch (error) {
    if (isS3Error(error, 'NoSuchBucketPolicy')) return undefined;
    throw error;
  }
};

const readOwnership = async (s3: S3Client, bucket: string): Promise<string | undefined> => {
  try {
    const { OwnershipControls } = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket }));
    return OwnershipControls?.Rules?.[0]?.ObjectOwnership;
  } catch (error) {
    if (isS3Error(error, 'OwnershipControlsNotFoundError')) return undefined;
    throw error;
  }
};

/** The bucket as ValidateExport judges it: ACL, policy and Object Ownership read back after the changes. */
const accessGaps = async (s3: S3Client, bucket: string, region: string): Promise<PermissionGap[]> => {
  const [acl, policy, objectOwnership] = await Promise.all([
    s3.send(new GetBucketAclCommand({ Bucket: bucket })),
    readPolicy(s3, bucket),
    readOwnership(s3, bucket),
  ]);
  return elastiCacheAccessGaps({ region, bucket, grants: (acl.Grants ?? []) as AclGrant[], policy, objectOwnership });
};

const gapLine = (gap: PermissionGap): string => {
  const parts = [
    gap.notAllowed.length > 0 ? `not allowed: ${gap.notAllowed.join(', ')}` : '',
    gap.denied.length > 0 ? `denied by a Deny statement: ${gap.denied.join(', ')}` : '',
    gap.aclIgnored === 'BucketOwnerEnforced' ? 'ACL grants do not count (Object Ownership is BucketOwnerEnforced)' : '',
    gap.aclIgnored === 'OptInRegion' ? 'ACL grants do not count in an opt-in Region' : '',
  ].filter(Boolean);
  return `${CROSS} ${gap.permission} (${PERMISSION_LABELS[gap.permission]}): ${parts.join('; ')}`;
};

/** The last step, which only a redeploy (or a restart of the local stack) takes. */
const allowListLine = (bucket: string, local: boolean): string =>
  local
    ? `Then add ${bucket} to ALLOWED_TARGET_BUCKETS and restart the local stack (ALLOWED_TARGET_BUCKETS=…,${bucket} npm start).`
    : `Then add ${bucket} to ALLOWED_TARGET_BUCKETS and deploy again.`;

const appliedLines = (
  bucket: string,
  region: string,
  route: Route,
  applied: AppliedPreparation,
  local: boolean,
): string[] => {
  const lines = [applied.created ? `Created bucket ${bucket} in ${region}.` : `Bucket ${bucket} is in ${region}.`];
  if (route === 'policy') {
    lines.push(
      applied.policyChanged
        ? `Bucket policy: statement ${STATEMENT_SID} written for ${elastiCacheServicePrincipal(region)}${applied.statementsKept ? ` (${applied.statementsKept} other statement(s) kept as they were)` : ''}.`
        : `Bucket policy: statement ${STATEMENT_SID} already grants everything; unchanged.`,
    );
  } else {
    if (applied.ownershipChangedFrom) {
      lines.push(`Object Ownership: ${applied.ownershipChangedFrom} → ${ACL_OBJECT_OWNERSHIP} (ACLs enabled).`);
    }
    lines.push(
      applied.grantsAdded && applied.grantsAdded.length > 0
        ? `Bucket ACL: added ${applied.grantsAdded.join(', ')} for ElastiCache (${elastiCacheCanonicalUserId(region)}); the other grants kept.`
        : 'Bucket ACL: ElastiCache already has READ, WRITE and READ_ACP; unchanged.',
    );
  }
  if (applied.gaps.length === 0) {
    lines.push(`${CHECK} ElastiCache can export to ${bucket}.`, allowListLine(bucket, local));
  } else {
    lines.push('ElastiCache still cannot export to the bucket:', ...applied.gaps.map(gapLine));
  }
  return lines;
};
