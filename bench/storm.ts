// The schedule storm: 500 exports, each of a different snapshot, started within one minute (as 500 schedules at
// 02:00 with a one-minute flexible window would start them), against ElastiCache's API rate limit of 20 calls per
// second shared by every ElastiCache call of the account and Region (local/aws/elasticache/rate-limit.ts), through
// the real local stack: POST /exports, the local Step Functions running the real ASL, the real handlers.
//
// Time is scaled (BENCH_STORM_TIME_SCALE real seconds per emulated second, default 2: slower than real time, so the
// one process running the whole stack keeps up on a shared 2-core machine); the rate limit refills in
// emulated time, so every figure is in emulated seconds, i.e. as on AWS. What does not scale: the SDK's own retry
// delays inside a handler (real milliseconds) and the stack's CPU time, each real second of which is 1/scale emulated
// seconds: more than on AWS below scale 1, less above it (the SDK's throttling retries wait up to 1 and 2 s).
//
// First one export runs alone (its duration is "one export's own duration" in the lower bound), then the storm. The
// ElastiCache calls are counted by the emulator (let through, and answered Throttling). Goals:
//   storm-failed      exports that did not succeed with exactly one success notification: 0
//   storm-makespan    first start to last end, over the lower bound the rate implies
//                     (ElastiCache calls per export × 500 / 20 per second + one export's duration): at most 1.3×
//   node --import tsx bench/storm.ts                (also part of `npm run bench`, in a process of its own)
//   BENCH_STORM_EXPORTS=100 BENCH_STORM_TIME_SCALE=0.5 node --import tsx bench/storm.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ExecutionListItem, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { type Goal, runInOwnProcess, writeGoalsOrPrint } from './goals.js';

const EXPORTS = Number(process.env.BENCH_STORM_EXPORTS ?? 500);
const RATE = Number(process.env.BENCH_STORM_RATE ?? 20);
/** The bucket's size; AWS does not publish ElastiCache's, so one second of the rate. */
const BURST = Number(process.env.BENCH_STORM_BURST ?? RATE);
const TIME_SCALE = Number(process.env.BENCH_STORM_TIME_SCALE ?? 2);
/**
 * BENCH_STORM_IAM=on holds the functions to their packaged roles, as `npm start` does; off by default, as in the
 * first-invocation bench: the evaluation of every call is CPU the one process running the stack does not have to
 * spare at 500 exports (the roles are proven by the IAM tests, test/integration/iam-proof*.ts).
 */
const IAM = process.env.BENCH_STORM_IAM === 'on' ? 'on' : 'off';
/** Emulated seconds over which the exports are started, evenly. */
const START_WINDOW_SECONDS = 60;
const MAKESPAN_GOAL = 1.3;
/** Emulated seconds after which the storm counts as stuck. */
const GIVE_UP_SECONDS = 3 * 3600;

export interface StormResult {
  exports: number;
  ratePerSecond: number;
  burst: number;
  timeScale: number;
  aloneSeconds: number;
  aloneCalls: number;
  callsPerExport: number;
  throttledPerExport: number;
  callsByAction: Record<string, number>;
  throttledByAction: Record<string, number>;
  makespanSeconds: number;
  /** From the first execution's start to the last's (the storm is started over START_WINDOW_SECONDS). */
  startSpreadSeconds: number;
  /** Executions' own durations: median and longest. */
  medianExportSeconds: number;
  longestExportSeconds: number;
  lowerBoundSeconds: number;
  failed: number;
  /** Failed exports by what went wrong. */
  failureKinds: Record<string, number>;
  failures: string[];
  realSeconds: number;
}

const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);
const minus = (after: Record<string, number>, before: Record<string, number>): Record<string, number> =>
  Object.fromEntries(
    Object.entries(after)
      .map(([action, count]) => [action, count - (before[action] ?? 0)] as const)
      .filter(([, count]) => count > 0),
  );

const startsOf = (items: ExecutionListItem[]): number[] => items.map((item) => item.startDate?.getTime() ?? Number.NaN);

const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The storm in this process: the local stack's handlers are imported here with the stack's environment. */
const measureStorm = async (): Promise<StormResult> => {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const { startLocalStack } = await import('../local/start.js');
  const { credentialsOf } = await import('../local/config.js');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-storm-'));
  const realStart = Date.now();
  const stack = await startLocalStack({
    env: {},
    config: { awsPort: 0, apiPort: 0, dataDir, timeScale: TIME_SCALE, iam: IAM },
    elastiCache: { apiRate: { ratePerSecond: RATE, burst: BURST } },
  });
  const { config } = stack;
  const sfn = new SFNClient({ endpoint: stack.awsUrl, region: config.region, credentials: credentialsOf(config) });
  const emulatedSeconds = (realMs: number): number => realMs / 1000 / TIME_SCALE;
  try {
    // 500 replication groups, one snapshot each, put in the emulator's state (no API call, so none counted).
    const names = Array.from({ length: EXPORTS }, (_, index) => `storm-${String(index).padStart(4, '0')}`);
    for (const name of names) {
      stack.aws.elastiCache.seedReplicationGroup({
        replicationGroupId: name,
        accountId: config.accountId,
        region: config.region,
      });
      stack.aws.elastiCache.seedSnapshot({
        snapshotName: `${name}-snapshot`,
        replicationGroupId: name,
        accountId: config.accountId,
        region: config.region,
      });
    }

    const post = async (body: Record<string, unknown>): Promise<string> => {
      const response = await fetch(`${stack.apiUrl}/exports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const answer = (await response.json()) as { exportId?: string };
      if (response.status !== 202 || !answer.exportId) {
        throw new Error(`POST /exports answered ${response.status}: ${JSON.stringify(answer)}`);
      }
      return answer.exportId;
    };
    const executions = async (): Promise<ExecutionListItem[]> => {
      const items: ExecutionListItem[] = [];
      let nextToken: string | undefined;
      do {
        const page = await sfn.send(
          new ListExecutionsCommand({ stateMachineArn: stack.stateMachineArn, maxResults: 1000, nextToken }),
        );
        items.push(...(page.executions ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      return items;
    };
    const untilEnded = async (exportIds: Set<string>): Promise<ExecutionListItem[]> => {
      const giveUpAt = Date.now() + GIVE_UP_SECONDS * 1000 * TIME_SCALE;
      for (;;) {
        const ours = (await executions()).filter((execution) => exportIds.has(execution.name ?? ''));
        if (ours.length === exportIds.size && ours.every((execution) => execution.status !== 'RUNNING')) return ours;
        if (Date.now() > giveUpAt) {
          throw new Error(`${ours.filter((e) => e.status === 'RUNNING').length} exports still running`);
        }
        await sleepMs(Math.max(100, 2000 * TIME_SCALE));
      }
    };
    const spanSeconds = (items: ExecutionListItem[]): number => {
      const starts = items.map((item) => item.startDate?.getTime() ?? Number.NaN);
      const stops = items.map((item) => item.stopDate?.getTime() ?? Number.NaN);
      return emulatedSeconds(Math.max(...stops) - Math.min(...starts));
    };

    // One export alone: its own duration and its calls, with the bucket to itself.
    const beforeAlone = stack.aws.elastiCache.apiCallCounts();
    const aloneId = await post({ sourceSnapshotName: config.snapshotName, targetSnapshotName: 'storm-alone' });
    const alone = await untilEnded(new Set([aloneId]));
    const afterAlone = stack.aws.elastiCache.apiCallCounts();
    const aloneSeconds = spanSeconds(alone);
    const aloneCalls = sum(afterAlone.accepted) - sum(beforeAlone.accepted);
    // Let the bucket fill again.
    await sleepMs(Math.ceil((BURST / RATE) * 1000 * TIME_SCALE) + 50);

    // The storm: EXPORTS starts spread evenly over one emulated minute.
    const before = stack.aws.elastiCache.apiCallCounts();
    const spacingMs = (START_WINDOW_SECONDS * 1000 * TIME_SCALE) / EXPORTS;
    const exportIds = await Promise.all(
      names.map(async (name, index) => {
        await sleepMs(index * spacingMs);
        return post({ sourceSnapshotName: `${name}-snapshot`, targetSnapshotName: `${name}-storm` });
      }),
    );
    const ended = await untilEnded(new Set(exportIds));
    const after = stack.aws.elastiCache.apiCallCounts();
    // Give the last notifications' bookkeeping a moment; the executions have ended, so they are published.
    const notifications = stack.aws.sns.messages();
    const failures: string[] = [];
    const kinds: Record<string, number> = {};
    for (const execution of ended) {
      const exportId = execution.name ?? '';
      const sent = notifications.filter((message) => message.messageAttributes.exportId?.StringValue === exportId);
      const statuses = sent.map((message) => message.messageAttributes.status?.StringValue ?? '?');
      if (execution.status !== 'SUCCEEDED' || statuses.length !== 1 || statuses[0] !== 'SUCCEEDED') {
        const kind =
          execution.status !== 'SUCCEEDED'
            ? `execution ${execution.status}`
            : statuses.length === 0
              ? 'no notification'
              : statuses.every((status) => status === 'SUCCEEDED')
                ? 'success notified more than once'
                : 'failure notified';
        kinds[kind] = (kinds[kind] ?? 0) + 1;
        const told = sent.map((message) => {
          const text = (JSON.parse(message.message) as { default?: string }).default ?? '';
          return `${message.messageAttributes.errorCode?.StringValue ?? message.messageAttributes.status?.StringValue} at ${message.timestamp}: ${text.slice(0, 160)}`;
        });
        failures.push(`${exportId}: ${execution.status}, ${sent.length} notifications ${JSON.stringify(told)}`);
      }
    }
    const calls = minus(after.accepted, before.accepted);
    const throttled = minus(after.throttled, before.throttled);
    const callsPerExport = sum(calls) / EXPORTS;
    const durations = ended
      .map((item) => emulatedSeconds((item.stopDate?.getTime() ?? Number.NaN) - (item.startDate?.getTime() ?? 0)))
      .sort((a, b) => a - b);
    return {
      exports: EXPORTS,
      ratePerSecond: RATE,
      burst: BURST,
      timeScale: TIME_SCALE,
      aloneSeconds,
      aloneCalls,
      callsPerExport,
      throttledPerExport: sum(throttled) / EXPORTS,
      callsByAction: calls,
      throttledByAction: throttled,
      makespanSeconds: spanSeconds(ended),
      startSpreadSeconds: emulatedSeconds(Math.max(...startsOf(ended)) - Math.min(...startsOf(ended))),
      medianExportSeconds: durations[Math.floor(durations.length / 2)] ?? Number.NaN,
      longestExportSeconds: durations[durations.length - 1] ?? Number.NaN,
      lowerBoundSeconds: (callsPerExport * EXPORTS) / RATE + aloneSeconds,
      failed: failures.length,
      failureKinds: kinds,
      failures,
      realSeconds: (Date.now() - realStart) / 1000,
    };
  } finally {
    sfn.destroy();
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};

export const stormGoals = (result: StormResult): Goal[] => {
  const ratio = result.makespanSeconds / result.lowerBoundSeconds;
  return [
    { name: 'storm-failed', figure: result.failed, target: 0, ok: result.failed === 0, unit: '' },
    { name: 'storm-makespan', figure: ratio, target: MAKESPAN_GOAL, ok: ratio <= MAKESPAN_GOAL },
  ];
};

const report = (result: StormResult): string => {
  const perAction = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([action, count]) => `${action} ${(count / result.exports).toFixed(2)}`)
      .join(', ');
  return [
    `\nSchedule storm: ${result.exports} exports of ${result.exports} snapshots started within ${START_WINDOW_SECONDS} s, ` +
      `ElastiCache limited to ${result.ratePerSecond} calls/s (burst ${result.burst}) per account and Region; ` +
      `emulated seconds (time scale ${result.timeScale}, IAM ${IAM}, ${result.realSeconds.toFixed(0)} s real):`,
    `  one export alone         ${result.aloneSeconds.toFixed(1)} s, ${result.aloneCalls} ElastiCache calls`,
    `  ElastiCache calls/export ${result.callsPerExport.toFixed(2)} (${perAction(result.callsByAction)})`,
    `  throttled calls/export   ${result.throttledPerExport.toFixed(2)} (${perAction(result.throttledByAction) || 'none'})`,
    `  makespan                 ${result.makespanSeconds.toFixed(1)} s; lower bound ${result.lowerBoundSeconds.toFixed(1)} s ` +
      `(${result.callsPerExport.toFixed(2)} × ${result.exports} / ${result.ratePerSecond} + ${result.aloneSeconds.toFixed(1)})`,
    `  starts spread over       ${result.startSpreadSeconds.toFixed(1)} s; each export took ${result.medianExportSeconds.toFixed(1)} s (median), ${result.longestExportSeconds.toFixed(1)} s (longest)`,
    `  failed                   ${result.failed}${result.failed > 0 ? ` (${JSON.stringify(result.failureKinds)})` : ''}`,
    ...result.failures.slice(0, 3).map((failure) => `    ${failure}`),
    '',
  ].join('\n');
};

/** `npm run bench`: the storm in a Node process of its own (the stack imports the handlers with its environment). */
export const runStormBenchmark = (): Promise<Goal[]> => runInOwnProcess(__filename, 'storm');

if (require.main === module) {
  measureStorm().then(
    (result) => {
      process.stdout.write(report(result));
      writeGoalsOrPrint(stormGoals(result));
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
