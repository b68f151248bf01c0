// The IAM proof's reasoning, apart from the flows that feed it: given the checks the local stack recorded (each call
// a function or the state machine made, mapped to its IAM action and resource) and the roles of the packaged
// template, which calls a role denies, which grants no recorded call needs, which statements could go without any
// call being denied, and the table of every call per principal. Evaluation is iam-simulate's (local/aws/iam).

import { asList } from '../../local/aws/iam/cloudformation';
import { decide } from '../../local/aws/iam/evaluate';
import {
  type DerivedRoles,
  type PrincipalRole,
  principalsOf,
  type RecordedCall,
  roleStatements,
  withoutStatement,
} from '../../local/aws/iam/index';

/**
 * Grants no call needs and no rule of AWS requires, which the proof accepts because a tool writes them, each with its
 * reason and source. (The grants AWS requires without a call of the caller's own are not here: the local stack
 * records them as checks of their own, with their reason, in local/aws/iam/elasticache.ts and lambda.ts.)
 */
export const ACCEPTED_GRANTS: ReadonlyArray<{ principal: RegExp; action: string; resource: RegExp; reason: string }> = [
  {
    principal: /^stateMachine:/,
    action: 'lambda:InvokeFunction',
    resource: /^arn:[^:]+:lambda:[^:]+:\d{12}:function:[^:]+:\*$/,
    reason:
      "serverless-step-functions adds each Task function's qualified ARNs (`<function ARN>:*`, any version or alias) to the role it generates (lib/deploy/stepFunctions/iamStrategies/lambda.js); the definition calls the unqualified ARNs, so no call needs them",
  },
];

/** A recorded check, once per principal, action, resource and reason. */
export interface DistinctCall {
  principal: string;
  operations: string[];
  action: string;
  resource: string;
  requiredBy?: string;
  allowed: boolean;
  problem?: string;
}

export const distinctCalls = (calls: readonly RecordedCall[]): DistinctCall[] => {
  const byKey = new Map<string, DistinctCall>();
  for (const call of calls) {
    // A permission required without a call of its own stays apart from a call that needs the same permission.
    const key = `${call.principal}\u0000${call.action}\u0000${call.resource}\u0000${call.requiredBy ?? ''}`;
    const seen = byKey.get(key);
    if (seen) {
      if (!seen.operations.includes(call.operation)) seen.operations.push(call.operation);
      seen.allowed &&= call.allowed;
      continue;
    }
    byKey.set(key, {
      principal: call.principal,
      operations: [call.operation],
      action: call.action,
      resource: call.resource,
      ...(call.requiredBy && { requiredBy: call.requiredBy }),
      allowed: call.allowed,
      ...(call.problem && { problem: call.problem }),
    });
  }
  return [...byKey.values()];
};

export interface Grant {
  principal: string;
  statementId: string;
  action: string;
  resource: string;
}

/** Every (action, resource) an Allow statement of the principal's role grants. */
export const grantsOf = (principal: string, role: PrincipalRole): Grant[] =>
  roleStatements(role).flatMap(({ id, statement }) => {
    if (statement.Effect !== 'Allow') return [];
    if (statement.NotAction !== undefined || statement.NotResource !== undefined) {
      throw new Error(`${id}: NotAction and NotResource are not enumerable; the proof cannot tell what they grant`);
    }
    return asList(statement.Action).flatMap((action) =>
      asList(statement.Resource).map((resource) => ({ principal, statementId: id, action, resource })),
    );
  });

const allowedBy = async (role: PrincipalRole, accountId: string, call: DistinctCall): Promise<boolean> =>
  (await decide(role, accountId, call.action, call.resource)).allowed;

/** A role holding only this grant. */
const grantOnly = (role: PrincipalRole, grant: Grant): PrincipalRole => ({
  ...role,
  policies: [
    {
      name: 'grant',
      document: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: grant.action, Resource: grant.resource }],
      },
    },
  ],
});

export interface Findings {
  /** Calls a role denies (or that could not be evaluated), naming principal, action and resource. */
  denied: string[];
  /** Grants no recorded call needs. */
  unneeded: string[];
  /** Statements that could be removed without any recorded call being denied. */
  removable: string[];
  /** Principals of the template the recorded calls never exercise. */
  unexercised: string[];
  /** Which grant allowed each call: the table's last column. */
  grantOf: Map<DistinctCall, Grant | undefined>;
}

/**
 * A grant's resource with every allowed bucket's name replaced by one placeholder. The target-bucket statements are
 * written once per bucket of ALLOWED_TARGET_BUCKETS (config/serverless-vars.cjs): a grant on one allowed bucket is
 * the same grant as on any other, and one allowed bucket's calls show that all of them are needed.
 */
const bucketNeutral = (resource: string, allowedBuckets: readonly string[]): string =>
  allowedBuckets.reduce(
    (text, bucket) =>
      text.replace(new RegExp(`(:::)${bucket.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=/|$)`), '$1<allowed bucket>'),
    resource,
  );

export const analyse = async (
  roles: DerivedRoles,
  calls: readonly DistinctCall[],
  allowedBuckets: readonly string[] = [],
): Promise<Findings> => {
  const findings: Findings = { denied: [], unneeded: [], removable: [], unexercised: [], grantOf: new Map() };
  const { accountId } = roles;
  for (const [principal, role] of principalsOf(roles)) {
    const own = calls.filter((call) => call.principal === principal);
    if (own.length === 0) {
      findings.unexercised.push(`${principal} (role ${role.roleLogicalId}): no call recorded; add a flow that runs it`);
      continue;
    }
    for (const call of own) {
      if (call.problem || !(await allowedBy(role, accountId, call))) {
        findings.denied.push(
          `${principal} (role ${role.roleLogicalId}) is denied ${call.action} on ${call.resource} (${call.operations.join(', ')})${call.problem ? `: ${call.problem}` : ''}`,
        );
      }
    }
    const grants = grantsOf(principal, role);
    const grantNeeded = new Set<Grant>();
    for (const call of own) {
      for (const grant of grants) {
        if (await allowedBy(grantOnly(role, grant), accountId, call)) {
          grantNeeded.add(grant);
          if (!findings.grantOf.has(call)) findings.grantOf.set(call, grant);
        }
      }
    }
    const neededShapes = new Set(
      [...grantNeeded].map(
        (grant) => `${grant.statementId} ${grant.action} ${bucketNeutral(grant.resource, allowedBuckets)}`,
      ),
    );
    for (const grant of grants) {
      if (neededShapes.has(`${grant.statementId} ${grant.action} ${bucketNeutral(grant.resource, allowedBuckets)}`))
        continue;
      const accepted = ACCEPTED_GRANTS.some(
        (rule) => rule.principal.test(principal) && rule.action === grant.action && rule.resource.test(grant.resource),
      );
      if (!accepted) {
        findings.unneeded.push(
          `${principal} (${grant.statementId}) is granted ${grant.action} on ${grant.resource}, which no recorded call needs`,
        );
      }
    }
    for (const { id } of roleStatements(role)) {
      const stripped = principalsOf(withoutStatement(roles, id)).find(([name]) => name === principal)?.[1];
      if (!stripped) continue;
      let needed = false;
      for (const call of own) {
        if (!(await allowedBy(stripped, accountId, call))) {
          needed = true;
          break;
        }
      }
      if (!needed)
        findings.removable.push(`${principal}: without statement ${id} every recorded call is still allowed`);
    }
  }
  return findings;
};

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** The table of every call per principal: action, resource, the operations that made it, and the grant that allows it. */
export const callTable = (calls: readonly DistinctCall[], grantOf: Findings['grantOf']): string => {
  const rows = [...calls].sort(
    (a, b) =>
      a.principal.localeCompare(b.principal) ||
      a.action.localeCompare(b.action) ||
      a.resource.localeCompare(b.resource),
  );
  const lines = [
    '| function | IAM action | resource | call | allowed by |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((call) => {
      const grant = grantOf.get(call);
      const via = call.requiredBy ? `${call.operations.join(', ')} (no call of its own)` : call.operations.join(', ');
      return `| ${cell(call.principal)} | ${cell(call.action)} | ${cell(call.resource)} | ${cell(via)} | ${grant ? cell(`${grant.statementId}: ${grant.resource}`) : 'DENIED'} |`;
    }),
  ];
  return lines.join('\n');
};

/**
 * The same calls grouped by principal, action and the grant that allows them: one row per need, with one recorded
 * resource as an example and how many distinct ones there were (execution ARNs differ per export).
 */
export const condensedTable = (calls: readonly DistinctCall[], grantOf: Findings['grantOf']): string => {
  const groups = new Map<
    string,
    { first: DistinctCall; grant: Grant | undefined; count: number; operations: Set<string> }
  >();
  for (const call of calls) {
    const grant = grantOf.get(call);
    const key = `${call.principal}\u0000${call.action}\u0000${grant ? `${grant.statementId}:${grant.resource}` : call.resource}`;
    const group = groups.get(key) ?? { first: call, grant, count: 0, operations: new Set<string>() };
    group.count += 1;
    for (const operation of call.operations) group.operations.add(operation);
    groups.set(key, group);
  }
  const rows = [...groups.values()].sort(
    (a, b) => a.first.principal.localeCompare(b.first.principal) || a.first.action.localeCompare(b.first.action),
  );
  return [
    '| function | IAM action | resource (recorded example) | calls | granted by |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(({ first, grant, count, operations }) => {
      const example = count > 1 ? `${first.resource} (+${count - 1} more)` : first.resource;
      const via = [...operations].join(', ') + (first.requiredBy ? ' (required, no call of its own)' : '');
      return `| ${cell(first.principal)} | ${cell(first.action)} | ${cell(example)} | ${cell(via)} | ${grant ? cell(grant.resource) : 'DENIED'} |`;
    }),
  ].join('\n');
};
