// What the CLI reads and writes: two output streams and an environment. `run` takes them as arguments, so tests run
// the CLI in-process with captured output and an environment of their own; the bin passes the process's.

/** The part of a writable stream the CLI uses; `isTTY`, `columns` and `rows` decide the live progress line. */
export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean | undefined;
  columns?: number | undefined;
  rows?: number | undefined;
}

export interface Io {
  stdout: OutputStream;
  stderr: OutputStream;
  /**
   * The CLI's own settings (ELASTICACHE_EXPORT_ENDPOINT, ELASTICACHE_EXPORT_AWS_ENDPOINT, LOCAL_API_PORT,
   * LOCAL_AWS_PORT, AWS_REGION, AWS_DEFAULT_REGION, AWS_PROFILE). The AWS SDK's credential chain reads the process
   * environment and shared files itself.
   */
  env: Readonly<Record<string, string | undefined>>;
  /** Waits between polls; tests may shorten them. Default: a real timer. */
  sleep?: (ms: number) => Promise<void>;
}

/** The process's own streams and environment, for the bin. */
export const processIo = (): Io => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });

export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Writes one line (adds the newline). */
export const writeLine = (stream: OutputStream, line = ''): void => {
  stream.write(`${line}\n`);
};
