// Step Functions (JSON 1.0, `X-Amz-Target: AWSStepFunctions.<Action>`): states:<Action> on the ARN the body names.
// Resource types from the service authorization data: StartExecution, ListExecutions and DescribeStateMachine on the
// state machine, DescribeExecution, GetExecutionHistory and StopExecution on the execution
// (`execution:<machine>:<name>`), ListStateMachines on `*` (no resource type).
import { AwsError } from '../errors.js';
import type { AwsRequest } from '../types.js';
import { type Check, type Denial, notAuthorizedMessage, type ServiceChecks } from './checks.js';

const ON_STATE_MACHINE = new Set(['StartExecution', 'ListExecutions', 'DescribeStateMachine']);
const ON_EXECUTION = new Set(['DescribeExecution', 'GetExecutionHistory', 'StopExecution']);
const ON_ALL = new Set(['ListStateMachines']);

const bodyOf = (request: AwsRequest): Record<string, unknown> => {
  try {
    const parsed = JSON.parse(request.body.toString('utf8') || '{}') as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
};

const field = (body: Record<string, unknown>, name: string): string => {
  const value = body[name];
  return typeof value === 'string' ? value : '';
};

export const stepFunctionsChecks: ServiceChecks = {
  service: 'states',
  checksOf: (request) => {
    const target = request.headers['x-amz-target'] ?? '';
    const operation = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : '';
    const action = `states:${operation}`;
    let check: Check;
    if (ON_STATE_MACHINE.has(operation)) check = { action, resource: field(bodyOf(request), 'stateMachineArn') };
    else if (ON_EXECUTION.has(operation)) check = { action, resource: field(bodyOf(request), 'executionArn') };
    else if (ON_ALL.has(operation)) check = { action, resource: '*' };
    else return undefined;
    return { operation, checks: [check] };
  },
  // AccessDeniedException with IAM's message; HTTP 400, the status of the JSON services' AccessDeniedException
  // (assumed: Step Functions does not model the error).
  refusal: (denial: Denial) => new AwsError('AccessDeniedException', notAuthorizedMessage(denial), 400),
};
