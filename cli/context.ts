// What every command is given: the streams, `--json`, and the connection to the API and to AWS.
import { ApiClient } from './api-client.js';
import type { Connection } from './endpoint.js';
import { type Io, type OutputStream, realSleep, writeLine } from './io.js';

export interface CommandContext {
  io: Io;
  /** `--json`: stdout carries exactly one JSON document, the API's answer (or the command's own result). */
  json: boolean;
  connection: Connection;
  /** The API client; resolving it may look up the stack's endpoint, so only commands that call the API ask. */
  api(): Promise<ApiClient>;
  sleep(ms: number): Promise<void>;
  out(line?: string): void;
  err(line?: string): void;
  /** Prints one JSON document to stdout. */
  printJson(value: unknown): void;
}

export const commandContext = (io: Io, json: boolean, connection: Connection): CommandContext => {
  let client: Promise<ApiClient> | undefined;
  const line = (stream: OutputStream) => (text?: string) => writeLine(stream, text);
  return {
    io,
    json,
    connection,
    api: () => {
      client ??= connection.api().then((target) => new ApiClient(target));
      return client;
    },
    sleep: io.sleep ?? realSleep,
    out: line(io.stdout),
    err: line(io.stderr),
    printJson: (value) => writeLine(io.stdout, JSON.stringify(value, null, 2)),
  };
};
