// IAM for the local stack: each call a project function makes is attributed to the function (attribution.ts: the
// invocation's X-Ray trace id), mapped to the IAM action and resource ARN AWS authorizes it with (one file per
// service: elasticache.ts, s3.ts, sns.ts, stepfunctions.ts, and dynamodb.ts and sqs.ts for services to come;
// lambda.ts for the runtime and the state machine's invokes), evaluated against the role the packaged template gives that function (roles.ts, evaluate.ts), recorded,
// and, when enforcing, refused with the error the service returns for it. Requests without a function's trace id
// (the AWS CLI, seeding, tests) are a person's: not recorded, never limited. Handlers a test puts in place of the
// project's are not held to a role either.
//
// API:
//   const iam = await createLocalIam({ stage: 'local', region, accountId, enforce: true, cacheDir });
//   await iam.authorize(request)        the emulator's hook: { refusal } to answer with, { deniedItems } of a batch the
//                                       service serves item by item (DeleteObjects' keys), or undefined
//   await iam.authorizeInvoke(invoke)   the Step Functions Task's hook: an Error to fail the Task with, or undefined
//   iam.calls()                         every check recorded so far (GET /_local/iam/calls)
//   iam.useRoles(roles)                 holds the functions to other roles from now on (tests)
//   iam.close()                         stops listening to invocations
import { AwsError } from '../errors.js';
import type { AwsRequest } from '../types.js';
import { invocationOf, onInvocationStart } from './attribution.js';
import type { Check, ServiceChecks } from './checks.js';
import { dynamoDbChecks } from './dynamodb.js';
import { elastiCacheChecks } from './elasticache.js';
import { decide } from './evaluate.js';
import { invokeCheck, runtimeChecks, scheduleChecks } from './lambda.js';
import { type DerivedRoles, type DeriveOptions, deriveRoles, type PrincipalRole } from './roles.js';
import { s3Checks } from './s3.js';
import { snsChecks } from './sns.js';
import { sqsChecks } from './sqs.js';
import { stepFunctionsChecks } from './stepfunctions.js';

export {
  CALLER_S3_ACCESS_MESSAGE,
  EXPORT_CALLER_PERMISSIONS,
  INSUFFICIENT_PERMISSIONS_MESSAGE,
} from './elasticache.js';
export { LAMBDA_RUNTIME_ACTIONS } from './lambda.js';
export type { DerivedRoles, FunctionRole, PrincipalRole, RoleStatement, StateMachineRole } from './roles.js';
export { deriveRoles, principalsOf, roleStatements, rolesFromPackage, withoutStatement } from './roles.js';

/** The mapping of each emulated service, by SigV4 service name. A service missing here is recorded as unmapped. */
const SERVICES: ReadonlyMap<string, ServiceChecks> = new Map(
  [elastiCacheChecks, s3Checks, snsChecks, stepFunctionsChecks, dynamoDbChecks, sqsChecks].map((mapping) => [
    mapping.service,
    mapping,
  ]),
);

export interface RecordedCall {
  seq: number;
  /** Function key, or `stateMachine:<name>` for the state machine's own calls. */
  principal: string;
  roleLogicalId: string;
  /** SigV4 service (`elasticache`), or `lambda` for the runtime's and the state machine's Lambda permissions. */
  service: string;
  /** The API operation, `(runtime)` for what the Lambda runtime does, `(unmapped)` when no mapping knows it. */
  operation: string;
  action: string;
  resource: string;
  /** Why a check with no call of its own is made (see Check.requiredBy). */
  requiredBy?: string;
  allowed: boolean;
  /** Why it could not be evaluated (an ARN of no resource type of the action, a service with no mapping). */
  problem?: string;
}

/** A Step Functions Task about to call a function. */
export interface InvokeRequest {
  stateMachineName: string;
  functionKey: string;
}

/** What IAM decided of a request it did not simply allow. */
export interface Authorization {
  /** The answer to refuse the whole request with. */
  refusal?: AwsError;
  /** The items of a batch authorized one by one (OperationChecks.perItem) its caller may not act on. */
  deniedItems?: ReadonlySet<string>;
}

export interface LocalIam {
  readonly enforcing: boolean;
  /** The roles in force. */
  readonly roles: DerivedRoles;
  /** Holds the functions to these roles from now on (tests: a statement removed, see withoutStatement). */
  useRoles(roles: DerivedRoles): void;
  authorize(request: AwsRequest): Promise<Authorization | undefined>;
  authorizeInvoke(invoke: InvokeRequest): Promise<Error | undefined>;
  /** A schedule about to invoke its target: an Error saying why Scheduler could not, or undefined. */
  authorizeScheduledInvoke(scheduleName: string): Promise<Error | undefined>;
  calls(): RecordedCall[];
  clearCalls(): void;
  close(): void;
}

export interface LocalIamOptions extends Omit<DeriveOptions, 'edit'> {
  /** Refuse what the roles deny (default true); false only records. */
  enforce?: boolean;
  /** Roles to use instead of deriving them (tests: a template with a statement removed). */
  roles?: DerivedRoles;
  /** Where unexpected evaluation problems are reported (default: stderr). */
  warn?: (message: string) => void;
}

const MAX_RECORDED_CALLS = 10_000;

/** Step Functions' error for a Task whose Lambda call was refused (assumed shape: the Lambda Java SDK's message). */
const invokeRefusal = (message: string): Error =>
  Object.assign(
    new Error(
      `${message} (Service: AWSLambda; Status Code: 403; Error Code: AccessDeniedException; Request ID: local; Proxy: null)`,
    ),
    { name: 'Lambda.AWSLambdaException' },
  );

export const createLocalIam = async (options: LocalIamOptions): Promise<LocalIam> => {
  let roles = options.roles ?? (await deriveRoles(options));
  const enforcing = options.enforce ?? true;
  const warn = options.warn ?? ((message: string) => process.stderr.write(`${message}\n`));
  const recorded: RecordedCall[] = [];
  let seq = 0;
  /** Functions whose runtime permissions are recorded already: the role, not the invocation, decides them. */
  const runtimeRecorded = new Set<string>();

  const record = (call: Omit<RecordedCall, 'seq'>): void => {
    seq += 1;
    recorded.push({ seq, ...call });
    if (recorded.length > MAX_RECORDED_CALLS) recorded.splice(0, recorded.length - MAX_RECORDED_CALLS);
  };

  /** Evaluates and records each check in order; returns those denied, in order. */
  const evaluate = async (
    principal: string,
    role: PrincipalRole,
    call: { service: string; operation: string },
    checks: readonly Check[],
    accountId: string,
  ): Promise<Array<{ check: Check; explicit: boolean; problem?: string }>> => {
    const denied: Array<{ check: Check; explicit: boolean; problem?: string }> = [];
    for (const check of checks) {
      if (!check.resource) continue; // A request missing its ARN: the service refuses it as malformed.
      const decision = await decide(role, accountId, check.action, check.resource);
      if (decision.problem) warn(`IAM: ${principal} ${check.action} on ${check.resource}: ${decision.problem}`);
      record({
        principal,
        roleLogicalId: role.roleLogicalId,
        ...call,
        action: check.action,
        resource: check.resource,
        ...(check.requiredBy && { requiredBy: check.requiredBy }),
        allowed: decision.allowed,
        ...(decision.problem && { problem: decision.problem }),
      });
      if (!decision.allowed) {
        denied.push({ check, explicit: decision.explicit, ...(decision.problem && { problem: decision.problem }) });
      }
    }
    return denied;
  };

  // The runtime's log permissions, at the first invocation of each project function.
  const stopListening = onInvocationStart((invocation) => {
    const role = invocation.project ? roles.functions[invocation.functionKey] : undefined;
    if (!role || runtimeRecorded.has(invocation.functionKey)) return;
    runtimeRecorded.add(invocation.functionKey);
    const scope = { partition: roles.partition, region: roles.region, accountId: roles.accountId };
    evaluate(
      invocation.functionKey,
      role,
      { service: 'lambda', operation: '(runtime)' },
      runtimeChecks(role, scope),
      roles.accountId,
    ).catch((error: unknown) => warn(`IAM: the runtime's permissions of ${invocation.functionKey}: ${String(error)}`));
  });

  return {
    enforcing,
    get roles() {
      return roles;
    },
    useRoles: (next) => {
      roles = next;
      runtimeRecorded.clear();
    },
    authorize: async (request) => {
      const invocation = invocationOf(request.headers);
      if (!invocation?.project) return undefined;
      const role = roles.functions[invocation.functionKey];
      const mapping = SERVICES.get(request.service);
      if (!role) {
        const message = `The local stack runs function ${invocation.functionKey}, which the packaged template does not have: it has no role`;
        warn(`IAM: ${message}`);
        return enforcing ? { refusal: new AwsError('AccessDenied', message, 403) } : undefined;
      }
      if (!mapping) {
        // A service this layer has no mapping for: recorded so the IAM proof fails on it, not refused.
        record({
          principal: invocation.functionKey,
          roleLogicalId: role.roleLogicalId,
          service: request.service,
          operation: '(unmapped)',
          action: `${request.service}:?`,
          resource: '?',
          allowed: false,
          problem: `no IAM mapping for the service ${request.service}: add one in local/aws/iam/`,
        });
        return undefined;
      }
      const operation = mapping.checksOf(request);
      if (!operation) {
        // Not an operation the mapping knows: recorded so the proof fails if the service serves it; the service
        // itself answers anything it does not emulate.
        record({
          principal: invocation.functionKey,
          roleLogicalId: role.roleLogicalId,
          service: request.service,
          operation: '(unmapped)',
          action: `${request.service}:?`,
          resource: request.path,
          allowed: false,
          problem: `no IAM mapping for this ${request.service} request (${request.method} ${request.path}): add it in local/aws/iam/`,
        });
        return undefined;
      }
      const denials = await evaluate(
        invocation.functionKey,
        role,
        { service: request.service, operation: operation.operation },
        operation.checks,
        request.caller.accountId,
      );
      const [denied] = denials;
      if (!denied || !enforcing) return undefined;
      if (operation.perItem) {
        return { deniedItems: new Set(denials.map(({ check }) => check.item ?? check.resource)) };
      }
      const denial = {
        principalArn: role.principalArn,
        action: denied.check.action,
        resource: denied.check.resource,
        explicit: denied.explicit,
      };
      return { refusal: (denied.check.refusal ?? mapping.refusal)(denial) };
    },
    authorizeInvoke: async ({ stateMachineName, functionKey }) => {
      const machine = roles.stateMachines[stateMachineName];
      const target = roles.functions[functionKey];
      // A state machine or function the template does not have (a test's own): not the project's, not limited.
      if (!machine || !target) return undefined;
      const check = invokeCheck(target);
      const [denied] = await evaluate(
        `stateMachine:${stateMachineName}`,
        machine,
        { service: 'lambda', operation: 'Invoke' },
        [check],
        roles.accountId,
      );
      if (!denied || !enforcing) return undefined;
      const reason = denied.explicit
        ? 'with an explicit deny in an identity-based policy'
        : `because no identity-based policy allows the ${check.action} action`;
      return invokeRefusal(
        `User: ${machine.principalArn} is not authorized to perform: ${check.action} on resource: ${check.resource} ${reason}`,
      );
    },
    authorizeScheduledInvoke: async (scheduleName) => {
      const schedule = roles.schedules?.[scheduleName];
      // A schedule the packaged template does not have (a test's own file): not limited.
      if (!schedule) return undefined;
      const checks = scheduleChecks(schedule);
      const [denied] = await evaluate(
        `schedule:${scheduleName}`,
        schedule,
        { service: 'scheduler', operation: 'InvokeTarget' },
        checks,
        roles.accountId,
      );
      if (!denied || !enforcing) return undefined;
      return new Error(
        `User: ${schedule.principalArn} is not authorized to perform: ${denied.check.action} on resource: ${denied.check.resource}`,
      );
    },
    calls: () => recorded.map((call) => ({ ...call })),
    clearCalls: () => {
      recorded.length = 0;
      runtimeRecorded.clear();
    },
    close: stopListening,
  };
};
