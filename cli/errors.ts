// The CLI's exit codes and the errors that end a command with one of them. A command returns its exit code; an error
// thrown on purpose carries the code and a message for a person, and `run` prints it to stderr.

/** The exit codes every command keeps to (README "CLI"). */
export const EXIT = {
  /** Done: the export succeeded, the check found nothing, the command did what it said. */
  ok: 0,
  /** The export failed (or timed out or was cancelled), the check found problems, or the API refused the request. */
  failed: 1,
  /** Bad flags or arguments: nothing was sent. */
  usage: 2,
  /** `export --wait` stopped waiting at `--timeout`; the export goes on. */
  timedOut: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that ends the command with `exitCode`, its message printed as is (no stack). */
export class CliError extends Error {
  public readonly exitCode: ExitCode;
  /** Lines printed after the message (a hint, the API's details). */
  public readonly details: readonly string[];

  public constructor(
    message: string,
    exitCode: ExitCode = EXIT.failed,
    details: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.details = details;
  }
}

/** Flags or arguments the CLI cannot act on: exit 2. */
export class UsageError extends CliError {
  public constructor(message: string, details: readonly string[] = []) {
    super(message, EXIT.usage, details);
    this.name = 'UsageError';
  }
}

/** The API answered with an error status: its `error.code` and `error.message` (or API Gateway's `message`). */
export class ApiError extends CliError {
  public readonly status: number;
  public readonly code: string;
  /** The answer's body, for `--json`. */
  public readonly body: unknown;

  public constructor(status: number, code: string, message: string, body: unknown, details: readonly string[] = []) {
    super(`${code} (HTTP ${status}): ${message}`, EXIT.failed, details);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.body = body;
  }
}
