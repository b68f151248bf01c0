// The local runner holds each invocation to its function's timeout, as Lambda does: the context counts it down,
// the invocation fails with Lambda's timeout error when it runs out, and what the handler still does afterwards
// reaches no AWS service (its execution environment is gone).
import { CreateTopicCommand, ListTopicsCommand, type SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { invokeHandler, type LambdaHandler, lambdaContext, setFunctionTimeouts } from '../../local/lambda';
import { rejectionOf } from '../support/rejection';
import { type Harness, startHarness } from './emulator-harness';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let harness: Harness;
let removeTimeouts: () => void;

beforeAll(async () => {
  harness = await startHarness();
  removeTimeouts = setFunctionTimeouts({ slowFunction: 0.2, middyFunction: 0.2 });
});

afterAll(async () => {
  removeTimeouts();
  await harness.stop();
});

const topicNames = async (sns: SNSClient): Promise<string[]> =>
  ((await sns.send(new ListTopicsCommand({}))).Topics ?? []).map((topic) => topic.TopicArn?.split(':').pop() ?? '');

describe('the local Lambda runner and function timeouts', () => {
  it("gives a function's context its timeout to count down, and none to a function without one", () => {
    // Act
    const timed = lambdaContext('slowFunction');
    const untimed = lambdaContext('someTestHandler');

    // Assert
    expect(timed.getRemainingTimeInMillis()).toBeGreaterThan(150);
    expect(timed.getRemainingTimeInMillis()).toBeLessThanOrEqual(200);
    expect(untimed.getRemainingTimeInMillis).toBeUndefined();
  });

  it("fails an invocation that outlives its timeout with Lambda's timeout error", async () => {
    // Arrange: a handler that never answers.
    const handler: LambdaHandler = () => new Promise(() => undefined);
    const context = lambdaContext('slowFunction');

    // Act
    const failure = await rejectionOf(invokeHandler(handler, {} as never, context));

    // Assert
    expect(failure).toMatchObject({
      name: 'Sandbox.Timedout',
      message: `RequestId: ${context.awsRequestId} Error: Task timed out after 0.20 seconds`,
    });
  });

  it('lets a middy handler answer with its own early timeout, as it does on AWS', async () => {
    // Arrange
    const handler = middy().handler(() => new Promise(() => undefined)) as unknown as LambdaHandler;

    // Act
    const failure = await rejectionOf(invokeHandler(handler, {} as never, lambdaContext('middyFunction')));

    // Assert
    expect(failure).toMatchObject({ name: 'TimeoutError' });
  });

  it('answers what the invocation sent in time, and drops what it sends after its end', async () => {
    // Arrange: a handler that creates one topic, outlives its timeout, then creates another.
    const sns = harness.sns();
    let late: Promise<unknown> | undefined;
    const handler: LambdaHandler = async (_event: never, _context: Context) => {
      await sns.send(new CreateTopicCommand({ Name: 'sent-in-time' }));
      await sleep(400);
      late = sns.send(new CreateTopicCommand({ Name: 'sent-after-the-timeout' }));
      await late;
    };

    // Act
    const failure = await rejectionOf(invokeHandler(handler, {} as never, lambdaContext('slowFunction')));
    await sleep(400);
    const lateFailure = late && (await rejectionOf(late));

    // Assert
    expect(failure).toMatchObject({ name: 'Sandbox.Timedout' });
    expect(lateFailure).toBeInstanceOf(Error);
    const names = await topicNames(sns);
    expect(names).toContain('sent-in-time');
    expect(names).not.toContain('sent-after-the-timeout');
  });

  it('answers an invocation that ends in time, and drops what it starts after returning', async () => {
    // Arrange: a handler that returns, leaving work behind that calls AWS later (a frozen environment's work).
    const sns = harness.sns();
    let leftover: Promise<unknown> | undefined;
    const handler: LambdaHandler = async () => {
      await sns.send(new CreateTopicCommand({ Name: 'sent-before-returning' }));
      leftover = sleep(50).then(() => sns.send(new CreateTopicCommand({ Name: 'sent-after-returning' })));
      return 'done';
    };

    // Act
    const result = await invokeHandler(handler, {} as never, lambdaContext('slowFunction'));
    const leftoverFailure = leftover && (await rejectionOf(leftover));

    // Assert
    expect(result).toBe('done');
    expect(leftoverFailure).toBeInstanceOf(Error);
    const names = await topicNames(sns);
    expect(names).toContain('sent-before-returning');
    expect(names).not.toContain('sent-after-returning');
  });
});
