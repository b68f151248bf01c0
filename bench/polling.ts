// Polling policy benchmark: runs the real state machine definition with the real handlers (in-memory AWS,
// simulated clock) for exports of 5, 30 and 120 minutes, and counts what each policy costs: checks, billable
// state transitions (every state entered, retries included), and how late the end of the export is noticed.
// Baselines: a fixed 30 s loop (the goals' yardstick) and a fixed 60 s loop, run through the same ASL.
//
// The goals hold for every export length from 5 minutes to 48 hours, not only the three run: the runs show that a
// run's transitions are a fixed part plus a fixed cost per check (checked on every run, or the benchmark fails) and
// that the ASL checks exactly when handlers/lib/backoff.ts says (likewise), so the cost and the delay of any length
// follow from the backoff's schedule, second by second.
//   BENCH_README=1 npm run bench     also rewrites the README's polling table (between <!-- bench:polling -->)

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Goal } from './goals.js';

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
const OURS = 'backoff (ours)';
/** The yardstick of the goals (issue 12): a fixed 30 s loop through the same states. */
const YARDSTICK_SECONDS = 30;
/** The export lengths the goals cover, in seconds. */
const SHORTEST = 5 * 60;
const LONGEST = 48 * 3600;
/** Goals: a 2-hour export at most this share of the yardstick's transitions; detection delay bounds. */
const TWO_HOUR_SHARE = 0.25;
const DELAY_SHARE = 0.12;
const DELAY_FLOOR_SECONDS = 30;
const DELAY_MAX_SECONDS = 180;

interface Policy {
  name: string;
  /** Fixed wait in seconds; undefined = the service's backoff (handlers/lib/backoff.ts). */
  fixedSeconds?: number;
}

const POLICIES: Policy[] = [
  { name: OURS },
  { name: `fixed ${YARDSTICK_SECONDS} s`, fixedSeconds: YARDSTICK_SECONDS },
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
  /** When each check ran (simulated seconds since the export started). */
  checkTimes: number[];
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
    checkTimes,
  };
};

/** Transitions = fixed + perCheck × checks, from the runs; throws unless every run fits it exactly. */
const transitionModel = (results: Measurement[]): { fixed: number; perCheck: number } => {
  const ours = results.filter((r) => r.policy === OURS);
  const [shortest, longest] = [ours[0], ours.at(-1)];
  if (!shortest || !longest || longest.checks === shortest.checks) throw new Error('Too few runs to fit the model');
  const perCheck = (longest.transitions - shortest.transitions) / (longest.checks - shortest.checks);
  const fixed = shortest.transitions - perCheck * shortest.checks;
  for (const r of results) {
    if (r.transitions !== fixed + perCheck * r.checks) {
      throw new Error(
        `${r.policy} ${r.minutes} min: ${r.transitions} transitions, not ${fixed} + ${perCheck} × ${r.checks} checks`,
      );
    }
  }
  return { fixed, perCheck };
};

/** Throws unless the ASL checked exactly when the backoff's schedule says, until the export's end was seen. */
const assertScheduleFollowed = (results: Measurement[], schedule: number[]): void => {
  for (const r of results.filter((result) => result.policy === OURS)) {
    const expected = schedule.slice(0, r.checks);
    if (JSON.stringify(expected) !== JSON.stringify(r.checkTimes)) {
      throw new Error(`${r.minutes} min: the ASL checked at ${r.checkTimes.join(',')}, the backoff says ${expected}`);
    }
  }
};

interface Sweep {
  /** The largest share of the yardstick's transitions over every length, and the length (s) it occurs at. */
  worstShare: number;
  worstShareAt: number;
  /** The largest check interval over the range divided by what the goal allows at its start, and where. */
  worstDelayShare: number;
  worstDelayAt: number;
  /** The longest check interval over the range (s). */
  longestInterval: number;
}

/**
 * Every export length from SHORTEST to LONGEST, second by second: our transitions against the yardstick's. And
 * every check interval that can hold an export's end in that range: an export that ends just after a check is
 * seen one interval later, so each interval is held to the goal at its start (or at SHORTEST, if later), the
 * shortest length that interval can delay.
 */
const sweep = (schedule: number[], model: { fixed: number; perCheck: number }): Sweep => {
  const result: Sweep = { worstShare: 0, worstShareAt: 0, worstDelayShare: 0, worstDelayAt: 0, longestInterval: 0 };
  let index = 0;
  for (let length = SHORTEST; length <= LONGEST; length += 1) {
    while ((schedule[index] ?? Number.POSITIVE_INFINITY) < length) index += 1;
    const ours = model.fixed + model.perCheck * (index + 1);
    const yardstick = model.fixed + model.perCheck * Math.ceil(length / YARDSTICK_SECONDS);
    if (ours / yardstick > result.worstShare) {
      result.worstShare = ours / yardstick;
      result.worstShareAt = length;
    }
  }
  const times = [0, ...schedule];
  for (let i = 1; i < times.length; i += 1) {
    const [start, end] = [times[i - 1] ?? 0, times[i] ?? 0];
    if (end < SHORTEST || start >= LONGEST) continue;
    const interval = end - start;
    const shortestLength = Math.max(start, SHORTEST);
    const allowed = Math.max(DELAY_SHARE * shortestLength, DELAY_FLOOR_SECONDS);
    if (interval / allowed > result.worstDelayShare) {
      result.worstDelayShare = interval / allowed;
      result.worstDelayAt = shortestLength;
    }
    result.longestInterval = Math.max(result.longestInterval, interval);
  }
  return result;
};

const pad = (value: string | number, width: number): string => String(value).padStart(width);

const formatDelay = (seconds: number): string => `${seconds} s`;

/** The README's table, from this run. */
const readmeTable = (results: Measurement[]): string[] => [
  '| export | policy | checks | state transitions | cost per export | worst detection delay |',
  '|---|---|---|---|---|---|',
  ...results.map(
    (r) =>
      `| ${r.minutes} min | ${r.policy} | ${r.checks} | ${r.transitions} | $${r.costUsd.toFixed(4)} | ${formatDelay(r.worstDelaySeconds)} |`,
  ),
];

/** Replaces the lines between `<!-- bench:polling -->` and `<!-- /bench:polling -->` in the README. */
const writeReadmeTable = (lines: string[]): void => {
  const file = path.join(__dirname, '..', 'README.md');
  const text = readFileSync(file, 'utf8');
  const start = '<!-- bench:polling -->';
  const end = '<!-- /bench:polling -->';
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`README.md has no ${start} … ${end} block`);
  writeFileSync(file, `${text.slice(0, from + start.length)}\n${lines.join('\n')}\n${text.slice(to)}`);
};

export const runPollingBenchmark = async (): Promise<Goal[]> => {
  const { checkSchedule } = await import('../handlers/lib/backoff.js');
  const results: Measurement[] = [];
  for (const minutes of DURATIONS_MINUTES) {
    for (const policy of POLICIES) results.push(await measure(policy, minutes));
  }
  const schedule = checkSchedule(LONGEST);
  assertScheduleFollowed(results, schedule);
  const model = transitionModel(results);
  const swept = sweep(schedule, model);

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
  out.push(
    `Transitions per run = ${model.fixed} + ${model.perCheck} per check (every run fits); the ASL checked when the backoff says.`,
  );
  out.push(
    `Every length from ${SHORTEST / 60} min to ${LONGEST / 3600} h: at most ${swept.worstShare.toFixed(3)} of a fixed ${YARDSTICK_SECONDS} s loop's transitions (at ${swept.worstShareAt} s); ` +
      `worst delay ${swept.worstDelayShare.toFixed(3)} of max(${DELAY_SHARE * 100} %, ${DELAY_FLOOR_SECONDS} s) (at ${swept.worstDelayAt} s), longest interval ${swept.longestInterval} s.`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
  if (process.env.BENCH_README === '1') writeReadmeTable(readmeTable(results));

  const twoHours = results.find((r) => r.minutes === 120 && r.policy === OURS);
  const yardstick120 = results.find((r) => r.minutes === 120 && r.policy === `fixed ${YARDSTICK_SECONDS} s`);
  if (!twoHours || !yardstick120) throw new Error('The 120-minute runs are missing');
  const share = twoHours.transitions / yardstick120.transitions;
  return [
    { name: 'polling-120min-vs-30s', figure: share, target: TWO_HOUR_SHARE, ok: share <= TWO_HOUR_SHARE },
    { name: 'polling-5min-48h-vs-30s', figure: swept.worstShare, target: 1, ok: swept.worstShare <= 1 },
    {
      name: 'polling-delay-vs-max(12%,30s)',
      figure: swept.worstDelayShare,
      target: 1,
      ok: swept.worstDelayShare <= 1,
    },
    {
      name: 'polling-delay-max',
      figure: swept.longestInterval,
      target: DELAY_MAX_SECONDS,
      ok: swept.longestInterval <= DELAY_MAX_SECONDS,
      unit: 's',
    },
  ];
};
