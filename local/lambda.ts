// Runs the project's Lambda handlers in-process the way AWS would: a Lambda context, and for Step Functions'
// `arn:aws:states:::lambda:invoke` the same result envelope and error shape (Error = errorType,
// Cause = JSON { errorType, errorMessage, trace }).
import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { jsonRoundTrip } from './aws/stepfunctions/json-text.js';

export type LambdaHandler = (event: never, context: Context) => Promise<unknown>;

/**
 * A context without getRemainingTimeInMillis, so middy's early-timeout timer stays off (as HOUSE-STYLE's
 * wiring tests do), but with the ids the logger picks up.
 */
export const lambdaContext = (functionName: string, region = 'us-east-1', accountId = '000000000000'): Context =>
  ({
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
  }) as Context;

/** An error shaped like the one Step Functions raises when a Lambda function fails. */
export class LambdaFunctionError extends Error {
  public constructor(errorType: string, errorMessage: string, trace: string[]) {
    super(JSON.stringify({ errorType, errorMessage, trace }));
    this.name = errorType;
  }
}

/** Lambda's Node.js runtime reports `errorType` = the error's name and `errorMessage` = its message. */
export const toLambdaFunctionError = (error: unknown): LambdaFunctionError => {
  if (error instanceof Error) {
    return new LambdaFunctionError(error.name || 'Error', error.message, (error.stack ?? '').split('\n'));
  }
  return new LambdaFunctionError('Error', String(error), []);
};

interface LambdaInvokeParameters {
  FunctionName: string;
  Payload: unknown;
}

/** A Task override for `arn:aws:states:::lambda:invoke` that calls a handler in-process. */
export const lambdaInvokeTask =
  (handler: LambdaHandler, functionName: string) =>
  async (input: LambdaInvokeParameters): Promise<{ ExecutedVersion: string; Payload: unknown; StatusCode: number }> => {
    try {
      // JSON round trips on both sides, as over the wire: no class instances, no undefined fields; any depth.
      const event = jsonRoundTrip<never>(input.Payload ?? null);
      const payload = await handler(event, lambdaContext(functionName));
      return { ExecutedVersion: '$LATEST', Payload: jsonRoundTrip(payload ?? null), StatusCode: 200 };
    } catch (error) {
      throw toLambdaFunctionError(error);
    }
  };
