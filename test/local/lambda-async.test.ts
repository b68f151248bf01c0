import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Clock, createClock } from '../../local/clock';
import type { LambdaHandler } from '../../local/lambda';
import { AsyncInvoker, type InvocationRecord } from '../../local/lambda-async';

let clock: Clock;
let dataDir: string;

beforeEach(() => {
  clock = createClock(0.0001);
  dataDir = mkdtempSync(path.join(tmpdir(), 'lambda-async-'));
});

afterEach(() => {
  clock.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

const invokerWith = (
  handler: LambdaHandler,
  failures: InvocationRecord[],
  extra: { maximumRetryAttempts?: number } = {},
) =>
  new AsyncInvoker({
    functionName: 'safetyNet',
    loadHandler: () => handler,
    clock,
    region: 'us-east-1',
    accountId: '000000000000',
    timeoutSeconds: 30,
    onFailure: async (record) => {
      failures.push(record);
    },
    dataDir,
    ...extra,
  });

describe('asynchronous Lambda invocation', () => {
  it('runs the event once when the function succeeds, with a context that counts down the timeout', async () => {
    // Arrange
    const calls: Array<{ event: unknown; remaining: number }> = [];
    const failures: InvocationRecord[] = [];
    const invoker = invokerWith(async (event, context) => {
      calls.push({ event, remaining: context.getRemainingTimeInMillis() });
      return { ok: true };
    }, failures);

    // Act
    invoker.invoke({ id: 1 });
    await invoker.idle();

    // Assert
    expect(calls).toEqual([{ event: { id: 1 }, remaining: expect.any(Number) }]);
    expect(calls[0]?.remaining).toBeGreaterThan(29_000);
    expect(failures).toEqual([]);
    expect(invoker.queued).toBe(0);
  });

  it('retries a failing function twice, then sends the invocation record to the on-failure destination', async () => {
    // Arrange
    let attempts = 0;
    const failures: InvocationRecord[] = [];
    const invoker = invokerWith(async () => {
      attempts += 1;
      throw Object.assign(new Error('SNS is down'), { name: 'AwsUnavailableError' });
    }, failures);

    // Act
    invoker.invoke({ id: 2 });
    await invoker.idle();

    // Assert
    expect(attempts).toBe(3);
    expect(failures).toEqual([
      expect.objectContaining({
        version: '1.0',
        requestContext: expect.objectContaining({
          condition: 'RetriesExhausted',
          approximateInvokeCount: 3,
          functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:safetyNet:$LATEST',
        }),
        requestPayload: { id: 2 },
        responsePayload: expect.objectContaining({ errorType: 'AwsUnavailableError', errorMessage: 'SNS is down' }),
      }),
    ]);
  });

  it('succeeds on a retry without reaching the destination', async () => {
    // Arrange
    let attempts = 0;
    const failures: InvocationRecord[] = [];
    const invoker = invokerWith(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('first attempt fails');
      return 'done';
    }, failures);

    // Act
    invoker.invoke({ id: 3 });
    await invoker.idle();

    // Assert
    expect(attempts).toBe(2);
    expect(failures).toEqual([]);
  });

  it('keeps queued events across a restart and tries them again on resume', async () => {
    // Arrange: the first run stops while a retry is pending (its delay is 60 emulated seconds).
    const slowClock = createClock(1);
    const first = new AsyncInvoker({
      functionName: 'safetyNet',
      loadHandler: () => async () => {
        throw new Error('down');
      },
      clock: slowClock,
      region: 'us-east-1',
      accountId: '000000000000',
      timeoutSeconds: 30,
      dataDir,
    });
    first.invoke({ id: 4 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await first.stop();
    slowClock.dispose();
    const seen: unknown[] = [];

    // Act
    const second = invokerWith(async (event) => {
      seen.push(event);
      return 'done';
    }, []);
    const resumed = second.resume();
    await second.idle();

    // Assert
    expect(resumed).toBe(1);
    expect(seen).toEqual([{ id: 4 }]);
    expect(second.queued).toBe(0);
  });
});
