// `npm run schedule -- <name>`: fires one schedule of the schedules file now in the running local stack (npm start),
// as EventBridge Scheduler would at its next time, and prints the export it started (or found: a second run in the
// same minute is the same run); `--at 2026-12-01T02:30:00Z` runs the one of that scheduled time instead (a missed run).
// `npm run schedule` alone lists the schedules and their next fire times.
import { parseArgs } from 'node:util';
import { readLocalConfig } from './config.js';

const main = async (): Promise<number> => {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { at: { type: 'string' } } });
  const config = readLocalConfig();
  const base = `http://${config.host}:${config.awsPort}/_local/schedules`;
  const name = positionals[0];
  let response: Response;
  try {
    const at = values.at ? `?at=${encodeURIComponent(values.at)}` : '';
    response = name
      ? await fetch(`${base}/${encodeURIComponent(name)}/run${at}`, { method: 'POST' })
      : await fetch(base);
  } catch {
    process.stderr.write(`No local stack answers on ${base}: start it with npm start (LOCAL_AWS_PORT moves it).\n`);
    return 1;
  }
  const body = (await response.json()) as Record<string, unknown> | Array<Record<string, unknown>>;
  if (!response.ok) {
    process.stderr.write(`${String((body as Record<string, unknown>).error ?? response.statusText)}\n`);
    return 1;
  }
  if (Array.isArray(body)) {
    if (body.length === 0) process.stdout.write(`No schedules in ${config.schedulesFile}.\n`);
    for (const schedule of body) {
      process.stdout.write(
        `${String(schedule.name)}  ${String(schedule.expression)} (${String(schedule.timezone)})  ${schedule.enabled ? `next ${String(schedule.nextFireTime ?? 'never')}` : 'disabled'}\n`,
      );
    }
    return 0;
  }
  process.stdout.write(
    `${body.started ? 'Started' : 'Already started'} export ${String(body.exportId)} (${String(body.status)})\n` +
      `  Follow it: curl -s http://${config.host}:${config.apiPort}/exports/${String(body.exportId)}\n`,
  );
  return 0;
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
