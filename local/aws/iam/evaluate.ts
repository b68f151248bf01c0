// Policy evaluation: AWS's own logic, offline, through @cloud-copilot/iam-simulate, which also holds each request to
// AWS's service authorization data (the action must exist, the ARN must be of one of its resource types). Only the
// identity policies of the caller's role are evaluated: every resource here is in the caller's own account, where
// the role alone decides (IAM User Guide, "Policy evaluation logic", same-account requests); the emulated services
// refuse other accounts' resources themselves. Bucket policies, SCPs and permissions boundaries are not modelled.
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { PrincipalRole } from './roles.js';

export interface Decision {
  allowed: boolean;
  /** A Deny statement decided it. */
  explicit: boolean;
  /** Why the request could not be evaluated at all (an unknown action, an ARN of no resource type of the action). */
  problem?: string;
}

export const decide = async (
  role: PrincipalRole,
  accountId: string,
  action: string,
  resource: string,
): Promise<Decision> => {
  const result = await runSimulation(
    {
      request: { principal: role.principalArn, action, resource: { resource, accountId }, contextVariables: {} },
      identityPolicies: role.policies.map((policy) => ({ name: policy.name, policy: policy.document })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === 'error') {
    return { allowed: false, explicit: false, problem: result.errors.message };
  }
  return { allowed: result.overallResult === 'Allowed', explicit: result.overallResult === 'ExplicitlyDenied' };
};
