// The Lambda permissions no handler code calls for: the runtime's use of the function's own role to write its logs
// and to send failed asynchronous events to its dead-letter queue, and the state machine role's
// lambda:InvokeFunction when a Task calls a function.
import type { Check } from './checks.js';
import type { FunctionRole } from './roles.js';

/**
 * What the Lambda runtime does with every function's execution role: it creates the invocation's log stream and
 * sends the log events to it (AWS Lambda Developer Guide, "Defining Lambda function permissions with an execution
 * role": the AWSLambdaBasicExecutionRole managed policy's logs:CreateLogStream and logs:PutLogEvents; the log group
 * itself is the template's, so logs:CreateLogGroup is not needed). A function without them still runs, unlogged, so
 * the local stack records them but never refuses anything for them.
 */
export const LAMBDA_RUNTIME_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'] as const;

const RUNTIME_SOURCE =
  'the Lambda runtime writes the function\'s logs with its role (Lambda Developer Guide, "Defining Lambda function permissions with an execution role", AWSLambdaBasicExecutionRole)';

/** A stream name as Lambda makes them: `<date>/[<version>]<32 hex digits>`. */
const SAMPLE_LOG_STREAM = '2026/01/01/[$LATEST]0123456789abcdef0123456789abcdef';

export const runtimeChecks = (
  role: FunctionRole,
  scope: { partition: string; region: string; accountId: string },
): Check[] => [
  ...LAMBDA_RUNTIME_ACTIONS.map((action) => ({
    action,
    resource: `arn:${scope.partition}:logs:${scope.region}:${scope.accountId}:log-group:${role.logGroupName}:log-stream:${SAMPLE_LOG_STREAM}`,
    requiredBy: RUNTIME_SOURCE,
  })),
  ...(role.deadLetterTargetArn ? [deadLetterCheck(role.deadLetterTargetArn)] : []),
  ...(role.onFailureDestinationArn ? [onFailureCheck(role.onFailureDestinationArn)] : []),
];

/**
 * A function with an on-failure destination for asynchronous invocations: Lambda sends the invocation record there
 * with the function's execution role (AWS Lambda Developer Guide, "Adding a destination": the execution role needs
 * sqs:SendMessage on a queue, sns:Publish on a topic).
 */
const onFailureCheck = (target: string): Check => ({
  action: /^arn:[^:]+:sns:/.test(target) ? 'sns:Publish' : 'sqs:SendMessage',
  resource: target,
  requiredBy:
    'Lambda sends the record of a failed asynchronous invocation to the function\'s on-failure destination with its role (Lambda Developer Guide, "Adding a destination")',
});

/**
 * A function with a dead-letter queue or topic: Lambda sends the events of failed asynchronous invocations there with
 * the function's role (AWS Lambda Developer Guide, "Adding a dead-letter queue": the execution role needs
 * sqs:SendMessage on the queue, or sns:Publish on the topic).
 */
const deadLetterCheck = (target: string): Check => ({
  action: /^arn:[^:]+:sns:/.test(target) ? 'sns:Publish' : 'sqs:SendMessage',
  resource: target,
  requiredBy:
    'Lambda sends failed asynchronous events to the function\'s dead-letter queue with its role (Lambda Developer Guide, "Adding a dead-letter queue")',
});

/** A Task's `lambda:invoke` of a function: lambda:InvokeFunction on its unqualified ARN, with the state machine's role. */
export const invokeCheck = (role: FunctionRole): Check => ({
  action: 'lambda:InvokeFunction',
  resource: role.functionArn,
});

/**
 * What an EventBridge Scheduler schedule does with its execution role each time it fires: invoke its target
 * (lambda:InvokeFunction on the function's ARN) and, for an invocation that failed after its retries, send the
 * dead-letter event to its queue (EventBridge Scheduler User Guide, "Setting up the execution role", "Configuring a
 * schedule's dead-letter queue").
 */
export const scheduleChecks = (role: { targetArn: string; deadLetterArn?: string }): Check[] => [
  { action: 'lambda:InvokeFunction', resource: role.targetArn },
  ...(role.deadLetterArn
    ? [
        {
          action: 'sqs:SendMessage',
          resource: role.deadLetterArn,
          requiredBy:
            'EventBridge Scheduler sends an invocation that failed after its retries to the schedule\'s dead-letter queue with the execution role (Scheduler User Guide, "Configuring a schedule\'s dead-letter queue")',
        },
      ]
    : []),
];
