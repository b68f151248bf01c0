// Runs the CLI in-process, as the bin does, with captured output and an environment of the test's own.
import { run } from '../../cli/main';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  /** Whether stderr is a terminal: the live progress line (log-update) instead of plain lines. */
  tty?: boolean;
}

const capture = (isTTY: boolean) => {
  let text = '';
  return {
    stream: {
      write: (chunk: string) => {
        text += chunk;
        return true;
      },
      isTTY,
      columns: 120,
      rows: 40,
    },
    text: () => text,
  };
};

export const runCli = async (argv: string[], options: RunOptions = {}): Promise<CliRun> => {
  const stdout = capture(false);
  const stderr = capture(options.tty ?? false);
  const code = await run(argv, { stdout: stdout.stream, stderr: stderr.stream, env: options.env ?? {} });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
};

/** The JSON document a `--json` run printed. */
export const jsonOf = <T = Record<string, unknown>>(result: CliRun): T => JSON.parse(result.stdout) as T;
