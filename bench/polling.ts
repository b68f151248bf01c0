// Polling policy benchmark: runs the real state machine definition with the real handlers (in-memory AWS,
// simulated clock) for exports of 5, 30 and 120 minutes, and counts what each policy costs: checks, billable
// state transitions, and how late the end of the export is noticed. Baselines: fixed 15 s and 60 s polling, the
// intervals hand-written export scripts use.

process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'bench';
process.env.AWS_SECRET_ACCESS_KEY = 'bench';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.DEFAULT_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:outcomes-bench';
process.env.ALLOWED_TARGET_BUCKETS = 'exports-bucket';
process.env.EXPORT_DEADLINE_MINUTES = '720';
process.env.NOTIFICATION_TABLE_NAME = 'elasticache-export-safety-net-bench';
process.env.STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:exportSnapshot-bench';

const PRICE_PER_TRANSITION_USD = 0.025 / 1000;
const DURATIONS_MINUTES = [5, 30, 120];

interface Policy {
  name: string;
  /** Fixed wait in seconds; undefined = the service's backoff (handlers/lib/backoff.ts). */
  fixedSeconds?: number;
}

const POLICIES: Policy[] = [
  { name: 'backoff (ours)' },
  { name: 'fixed 15 s', fixedSeconds: 15 },
  { name: 'fixed 60 s', fixedSeconds: 60 },
];

interface Measurement {
  policy: string;
  minutes: number;
  checks: number;
  transitions: number;
  costUsd: number;
  /** Seconds between the export's end and the check that noticed it, for an export of exactly this length. */
  delaySeconds: number;
  /** The check interval around the export's end: the worst delay for an export of about this length. */
  worstDelaySeconds: number;
}

type Payload = { poll: { elapsedSeconds: number; waitSeconds: number; status: string } };
type Invoke = (input: { FunctionName: string; Payload: unknown }) => Promise<{ Payload: unknown }>;

const measure = async (policy: Policy, minutes: number): Promise<Measurement> => {
  const { FakeAws, snapshot } = await import('../test/statemachine/fake-aws.js');
  const { runExportStateMachine, HANDLERS } = await import('../test/statemachine/run-asl.js');
  const { lambdaInvokeTask } = await import('../local/lambda.js');
  const { checkExport } = await import('../handlers/check-export.js');
  const { elastiCache } = await import('../handlers/lib/clients/elasticache.js');
  const { s3 } = await import('../handlers/lib/clients/s3.js');

  const aws = new FakeAws();
  aws.addSnapshot(snapshot());
  aws.addBucket('exports-bucket');
  const exportSeconds = minutes * 60;
  aws.exportPlan = { checksUntilDone: 0, result: 'objects', doneAfterSeconds: exportSeconds };
  const startedAt = Date.now();
  const checkTimes: number[] = [];

  const withFixedWait = (payload: unknown): unknown => {
    if (policy.fixedSeconds === undefined) return payload;
    const state = payload as Payload;
    return { ...state, poll: { ...state.poll, waitSeconds: policy.fixedSeconds } };
  };
  const realValidate = lambdaInvokeTask(HANDLERS.validateExport as never, 'validateExport') as Invoke;
  const validate: Invoke = async (input) => {
    const result = await realValidate(input);
    return { ...result, Payload: withFixedWait(result.Payload) };
  };
  const check: Invoke = async (input) => {
    const state = input.Payload as Payload;
    // The simulated clock: the check runs when the wait that led to it has passed.
    const elapsed = state.poll.elapsedSeconds + state.poll.waitSeconds;
    aws.elapsedSeconds = elapsed;
    checkTimes.push(elapsed);
    const next = await checkExport(input.Payload as never, {
      elastiCache,
      s3,
      now: () => new Date(startedAt + elapsed * 1000),
    });
    return { Payload: withFixedWait(next) };
  };

  const run = await runExportStateMachine(
    { sourceSnapshotName: 'nightly', targetSnapshotName: `bench-${minutes}`, targetBucket: 'exports-bucket' },
    { taskOverrides: { ValidateExport: validate as never, CheckExport: check as never } },
  );
  if (run.status !== 'SUCCEEDED')
    throw new Error(`${policy.name} ${minutes} min: execution ${run.status} ${run.cause ?? ''}`);
  const detectedAt = checkTimes.at(-1) ?? 0;
  const before = checkTimes.filter((time) => time < exportSeconds).at(-1) ?? 0;
  aws.elastiCacheMock.restore();
  aws.s3Mock.restore();
  aws.snsMock.restore();
  return {
    policy: policy.name,
    minutes,
    checks: checkTimes.length,
    transitions: run.transitions,
    costUsd: run.transitions * PRICE_PER_TRANSITION_USD,
    delaySeconds: detectedAt - exportSeconds,
    worstDelaySeconds: detectedAt - before,
  };
};

const pad = (value: string | number, width: number): string => String(value).padStart(width);

export const runPollingBenchmark = async (): Promise<Measurement[]> => {
  const results: Measurement[] = [];
  for (const minutes of DURATIONS_MINUTES) {
    for (const policy of POLICIES) results.push(await measure(policy, minutes));
  }
  const out: string[] = [];
  out.push('Polling policy: the real ASL and handlers, in-memory AWS, simulated clock (bench/polling.ts)');
  out.push(
    `${'export'.padEnd(8)}${'policy'.padEnd(16)}${pad('checks', 7)}${pad('transitions', 12)}${pad('cost USD', 10)}${pad('delay s', 9)}${pad('worst delay s', 14)}`,
  );
  for (const r of results) {
    out.push(
      `${`${r.minutes} min`.padEnd(8)}${r.policy.padEnd(16)}${pad(r.checks, 7)}${pad(r.transitions, 12)}${pad(r.costUsd.toFixed(5), 10)}${pad(r.delaySeconds, 9)}${pad(r.worstDelaySeconds, 14)}`,
    );
  }
  out.push('');
  out.push('Ratios against the baselines in this run (ours / baseline):');
  for (const minutes of DURATIONS_MINUTES) {
    const ours = results.find((r) => r.minutes === minutes && r.policy === 'backoff (ours)');
    const fast = results.find((r) => r.minutes === minutes && r.policy === 'fixed 15 s');
    const slow = results.find((r) => r.minutes === minutes && r.policy === 'fixed 60 s');
    if (!ours || !fast || !slow) continue;
    out.push(
      `${`${minutes} min`.padEnd(8)}transitions vs fixed 15 s: ${(ours.transitions / fast.transitions).toFixed(2)}   transitions vs fixed 60 s: ${(ours.transitions / slow.transitions).toFixed(2)}   worst delay vs fixed 60 s: ${(ours.worstDelaySeconds / slow.worstDelaySeconds).toFixed(2)}`,
    );
  }
  process.stdout.write(`${out.join('\n')}\n`);
  return results;
};
