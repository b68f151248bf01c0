// `elasticache-export`: the operator's command line for the export API (README "CLI"). `run` is the whole program
// with its streams and environment passed in, returning the exit code; bin/elasticache-export.cjs calls it.
import { type Invocation, parseArguments } from './arguments.js';
import { cancelCommand } from './commands/cancel.js';
import { checkCommand } from './commands/check.js';
import { exportCommand } from './commands/export.js';
import { listCommand } from './commands/list.js';
import { prepareBucketCommand } from './commands/prepare-bucket.js';
import { restoreCommandCommand } from './commands/restore-command.js';
import { statusCommand } from './commands/status.js';
import { type CommandContext, commandContext } from './context.js';
import { connectionFor } from './endpoint.js';
import { ApiError, CliError, EXIT } from './errors.js';
import type { Io } from './io.js';

export { processIo } from './io.js';

const execute = (ctx: CommandContext, invocation: Invocation): Promise<number> => {
  switch (invocation.command) {
    case 'export':
      return exportCommand(ctx, invocation.flags);
    case 'check':
      return checkCommand(ctx, invocation.flags);
    case 'status':
      return statusCommand(ctx, invocation.exportId);
    case 'list':
      return listCommand(ctx, invocation.flags);
    case 'cancel':
      return cancelCommand(ctx, invocation.exportId);
    case 'prepare-bucket':
      return prepareBucketCommand(ctx, invocation.bucket, invocation.flags);
    case 'restore-command':
      return restoreCommandCommand(ctx, invocation.exportId, invocation.flags);
  }
};

/**
 * Runs the CLI on `argv` (the arguments after the program name) and returns the exit code: 0 done, 1 failed,
 * 2 usage error, 3 `export --wait` timed out. Nothing is thrown: an unexpected error is printed and is exit 1.
 */
export const run = async (argv: readonly string[], io: Io): Promise<number> => {
  let json = false;
  try {
    const parsed = await parseArguments(argv, io);
    if ('exitCode' in parsed) return parsed.exitCode;
    const { invocation } = parsed;
    json = invocation.global.json;
    return await execute(commandContext(io, json, connectionFor(invocation.global, io.env)), invocation);
  } catch (error) {
    if (error instanceof CliError) {
      // With --json, stdout still holds one document: the API's own error body, or the CLI's.
      if (json) {
        const body =
          error instanceof ApiError && error.body !== undefined ? error.body : { error: { message: error.message } };
        io.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
      }
      io.stderr.write(`${error.exitCode === EXIT.usage ? 'Usage error' : 'Error'}: ${error.message}\n`);
      for (const line of error.details) io.stderr.write(`${line}\n`);
      if (error.exitCode === EXIT.usage) io.stderr.write('(add --help for usage)\n');
      return error.exitCode;
    }
    io.stderr.write(`Error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT.failed;
  }
};
