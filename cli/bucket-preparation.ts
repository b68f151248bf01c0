// What ElastiCache needs on a target bucket, built from the service's own facts (handlers/lib/bucket-access.ts: the
// service principal, the canonical user IDs, the actions and ACL permissions; handlers/lib/partition.ts), and how to
// add it to a bucket without taking anything away: the policy statement is merged by its Sid, the ACL grants are
// added to the grants the bucket has. Pure: cli/commands/prepare-bucket.ts reads and writes the bucket.
import {
  type AclGrant,
  ELASTICACHE_PERMISSIONS,
  type ElastiCachePermission,
  elastiCacheCanonicalUserId,
  elastiCacheServicePrincipal,
  POLICY_ACTIONS,
} from '../handlers/lib/bucket-access.js';
import { partitionOf } from '../handlers/lib/partition.js';
import { isRecord } from '../handlers/lib/records.js';
import { CliError } from './errors.js';

/** The Sid of the statement this CLI writes (README "Preparing a bucket" uses the same). */
export const STATEMENT_SID = 'ElastiCacheExports';

/** The S3 console's names for the ACL permissions, as the README gives them. */
export const PERMISSION_LABELS: Readonly<Record<ElastiCachePermission, string>> = {
  READ: 'List objects',
  WRITE: 'Write objects',
  READ_ACP: 'Read bucket permissions',
};

/** Object Ownership that allows ACLs, set when the bucket has ACLs disabled (README "Preparing a bucket"). */
export const ACL_OBJECT_OWNERSHIP = 'BucketOwnerPreferred';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action?: string | string[];
  Resource?: string | string[];
  [key: string]: unknown;
}

export interface PolicyDocument {
  Version: string;
  Id?: string;
  Statement: PolicyStatement[];
  [key: string]: unknown;
}

/** The statement that lets ElastiCache (the Region's service principal) export to the bucket. */
export const exportStatement = (bucket: string, region: string): PolicyStatement => {
  const partition = partitionOf(region);
  return {
    Sid: STATEMENT_SID,
    Effect: 'Allow',
    Principal: { Service: elastiCacheServicePrincipal(region) },
    Action: ELASTICACHE_PERMISSIONS.flatMap((permission) => POLICY_ACTIONS[permission]),
    Resource: [`arn:${partition}:s3:::${bucket}`, `arn:${partition}:s3:::${bucket}/*`],
  };
};

export const policyWith = (statement: PolicyStatement): PolicyDocument => ({
  Version: '2012-10-17',
  Statement: [statement],
});

const asList = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** `a` with the values of `b` it lacks, in order; one value stays a string, as policies write it. */
const union = (a: unknown, b: unknown): string | string[] => {
  const values = [...new Set([...asList(a), ...asList(b)].map(String))];
  return values.length === 1 ? (values[0] as string) : values;
};

export interface MergedPolicy {
  document: PolicyDocument;
  /** False when the bucket's policy already holds everything the statement grants. */
  changed: boolean;
}

/**
 * The bucket's policy with the export statement in it. A statement with the same Sid is widened to include ours
 * (its other actions, resources, principals and conditions stay); no other statement is touched. A policy that is
 * not JSON, or a Deny with our Sid, is refused rather than overwritten.
 */
export const mergePolicy = (existing: string | undefined, statement: PolicyStatement): MergedPolicy => {
  if (existing === undefined || existing.trim() === '') return { document: policyWith(statement), changed: true };
  let parsed: unknown;
  try {
    parsed = JSON.parse(existing);
  } catch {
    throw new CliError('The bucket policy is not JSON; it is left as it is. Add the statement by hand.');
  }
  if (!isRecord(parsed)) throw new CliError('The bucket policy is not a JSON object; it is left as it is.');
  const statements = asList(parsed.Statement).filter(isRecord) as PolicyStatement[];
  const index = statements.findIndex((candidate) => candidate.Sid === statement.Sid);
  const current = statements[index];
  let next: PolicyStatement;
  if (!current) {
    next = statement;
  } else {
    if (current.Effect !== 'Allow') {
      throw new CliError(`The bucket policy's statement ${String(statement.Sid)} is a Deny; it is left as it is.`);
    }
    const principal = isRecord(current.Principal) ? current.Principal : {};
    next = {
      ...current,
      Principal: {
        ...principal,
        Service: union(principal.Service, (statement.Principal as { Service: string }).Service),
      },
      Action: union(current.Action, statement.Action),
      Resource: union(current.Resource, statement.Resource),
    };
  }
  const merged = current ? statements.map((candidate, at) => (at === index ? next : candidate)) : [...statements, next];
  const document: PolicyDocument = { ...parsed, Version: String(parsed.Version ?? '2012-10-17'), Statement: merged };
  return { document, changed: JSON.stringify(current) !== JSON.stringify(next) };
};

export interface MergedAcl {
  grants: AclGrant[];
  /** The permissions added for ElastiCache; empty when it had them all. */
  added: ElastiCachePermission[];
}

/** The bucket's grants plus READ, WRITE and READ_ACP for ElastiCache's canonical user, where missing. */
export const mergeGrants = (grants: readonly AclGrant[], region: string): MergedAcl => {
  const id = elastiCacheCanonicalUserId(region);
  const held = new Set(grants.filter((grant) => grant.Grantee?.ID === id).map((grant) => grant.Permission));
  const added = held.has('FULL_CONTROL') ? [] : ELASTICACHE_PERMISSIONS.filter((permission) => !held.has(permission));
  return {
    grants: [
      ...grants,
      ...added.map((permission) => ({ Grantee: { Type: 'CanonicalUser', ID: id }, Permission: permission })),
    ],
    added,
  };
};
