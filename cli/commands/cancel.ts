// `elasticache-export cancel <id>`: DELETE /exports/{id}. 202: stopped; 409: it had ended (or is sending its outcome
// notification), which the API says in words; exit 1.
import { isRecord } from '../../handlers/lib/records.js';
import { apiErrorOf } from '../api-client.js';
import type { CommandContext } from '../context.js';
import { EXIT, type ExitCode } from '../errors.js';

export const cancelCommand = async (ctx: CommandContext, exportId: string): Promise<ExitCode> => {
  const client = await ctx.api();
  const answer = await client.send('DELETE', `/exports/${encodeURIComponent(exportId)}`);
  if (answer.status === 202) {
    if (ctx.json) ctx.printJson(answer.body);
    else {
      const status = isRecord(answer.body) && typeof answer.body.status === 'string' ? answer.body.status : 'ABORTED';
      ctx.out(`Export ${exportId} was stopped (${status}).`);
      ctx.out(
        'One notification says it was cancelled. ElastiCache may still finish writing the objects: CopySnapshot cannot be cancelled.',
      );
    }
    return EXIT.ok;
  }
  const error = apiErrorOf(answer, client.target);
  if (answer.status === 409) {
    if (ctx.json) ctx.printJson(answer.body);
    else {
      const message =
        isRecord(answer.body) && isRecord(answer.body.error) ? String(answer.body.error.message) : error.message;
      ctx.err(`Not cancelled: ${message}`);
    }
    return EXIT.failed;
  }
  throw error;
};
