// `npm run bench`: every benchmark, figures printed as ratios against a baseline measured in the same run.
import { runColdStartBenchmark } from './cold-start.js';
import { runEmulatorMemoryBenchmark } from './emulator-memory.js';
import { runPollingBenchmark } from './polling.js';

const main = async (): Promise<void> => {
  await runPollingBenchmark();
  await runColdStartBenchmark();
  await runEmulatorMemoryBenchmark();
};

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
