// `npm run bench`: every benchmark, figures printed as ratios against a baseline measured in the same run, and the
// goals last, one line each.
import path from 'node:path';
import { runCrc64Benchmark } from './crc64.js';
import { runEmulatorMemoryBenchmark } from './emulator-memory.js';
import { formatGoal, type Goal, runInOwnProcess } from './goals.js';
import { runPollingBenchmark } from './polling.js';
import { runPostLatencyBenchmark } from './post-latency.js';
import { runScaleBenchmarkInOwnProcess } from './scale.js';
import { runStormBenchmark } from './storm.js';

/**
 * The first-invocation benchmark in a Node process of its own: the local stack it starts imports the handlers in
 * process, with the stack's environment, and the polling benchmark has imported them here with its own.
 */
const runFirstInvocation = (): Promise<Goal[]> =>
  runInOwnProcess(path.join(__dirname, 'first-invocation.ts'), 'first-invocation');

const main = async (): Promise<void> => {
  const pollingGoals = await runPollingBenchmark();
  const postGoals = await runPostLatencyBenchmark();
  const goals = await runFirstInvocation();
  goals.push(...(await runStormBenchmark()));
  await runEmulatorMemoryBenchmark();
  const scaleGoals = await runScaleBenchmarkInOwnProcess();
  const crcGoals = await runCrc64Benchmark();
  process.stdout.write(
    `\nGoals (issue 12):\n${[...pollingGoals, ...postGoals, ...goals, ...scaleGoals].map(formatGoal).join('\n')}\n`,
  );
  process.stdout.write(`\nGoals (issue 9):\n${crcGoals.map(formatGoal).join('\n')}\n`);
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
