// `npm run bench`: every benchmark, figures printed as ratios against a baseline measured in the same run, and the
// goals last, one line each.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCrc64Benchmark } from './crc64.js';
import { runEmulatorMemoryBenchmark } from './emulator-memory.js';
import { formatGoal, type Goal } from './first-invocation.js';
import { runPollingBenchmark } from './polling.js';
import { runScaleBenchmarkInOwnProcess } from './scale.js';

/**
 * The first-invocation benchmark in a Node process of its own: the local stack it starts imports the handlers in
 * process, with the stack's environment, and the polling benchmark has imported them here with its own.
 */
const runFirstInvocation = async (): Promise<Goal[]> => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-goals-'));
  const file = path.join(dir, 'goals.json');
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'first-invocation.ts')], {
        env: { ...process.env, BENCH_GOALS_FILE: file },
        stdio: 'inherit',
      });
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0) throw new Error(`The first-invocation benchmark failed (exit ${code})`);
    return JSON.parse(readFileSync(file, 'utf8')) as Goal[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

const main = async (): Promise<void> => {
  await runPollingBenchmark();
  const goals = await runFirstInvocation();
  await runEmulatorMemoryBenchmark();
  goals.push(...(await runScaleBenchmarkInOwnProcess()));
  const crcGoals = await runCrc64Benchmark();
  process.stdout.write(`\nGoals (issue 12):\n${goals.map(formatGoal).join('\n')}\n`);
  process.stdout.write(`\nGoals (issue 9):\n${crcGoals.map(formatGoal).join('\n')}\n`);
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
