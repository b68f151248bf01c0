// The HTTP API's query strings (DESIGN.md "HTTP API"): GET /exports' `?status=&limit=&nextToken=&source=&bucket=`
// and POST /exports' `?dryRun=`, parsed with zod. Apart from the views in exports-api.ts so that only the functions
// that read a query (listExports, requestExport) carry zod. Pure: no AWS calls, no Lambda types.
import { InvalidRequestError } from './errors.js';
import { EXPORT_STATUSES, type ExportStatus } from './exports-api.js';
import * as z from './zod.js';

// ---- GET /exports query -----------------------------------------------------------------------------------------

export const DEFAULT_LIST_LIMIT = 20;
export const MAX_LIST_LIMIT = 100;

const limitMessage = `limit must be a whole number from 1 to ${MAX_LIST_LIMIT}`;

export const listQuerySchema = z.strictObject({
  status: z.optional(z.enum(EXPORT_STATUSES, { error: `status must be one of ${EXPORT_STATUSES.join(', ')}` })),
  limit: z.optional(
    z.pipe(
      z.pipe(z.string().check(z.regex(/^\d{1,3}$/, limitMessage)), z.transform(Number)),
      z.int().check(z.minimum(1, limitMessage), z.maximum(MAX_LIST_LIMIT, limitMessage)),
    ),
  ),
  // Step Functions' tokens are at most 1024 characters.
  nextToken: z.optional(
    z.string().check(z.minLength(1, 'nextToken must not be empty'), z.maxLength(1024, 'nextToken is too long')),
  ),
  source: z.optional(
    z.string().check(z.minLength(1, 'source must not be empty'), z.maxLength(255, 'source is too long')),
  ),
  bucket: z.optional(
    z.string().check(z.minLength(1, 'bucket must not be empty'), z.maxLength(255, 'bucket is too long')),
  ),
});

export interface ListQuery {
  status?: ExportStatus;
  limit: number;
  nextToken?: string;
  /** Only exports of this source (a snapshot, replication group or cluster name). */
  source?: string;
  /** Only exports to this bucket. */
  bucket?: string;
}

/** Raw query string parameters, as API Gateway passes them (the last value of a repeated name). */
export type QueryParameters = Readonly<Record<string, string | undefined>> | null | undefined;

/** Parses a query with its schema; an unknown parameter is an error too. Throws InvalidRequestError. */
const parseQuery = <T>(schema: z.ZodMiniType<T>, raw: QueryParameters): T => {
  const parsed = schema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    path: issue.path.length === 0 ? '$' : issue.path.map(String).join('.'),
    message:
      issue.code === 'unrecognized_keys' ? `Unknown query parameter(s): ${issue.keys.join(', ')}` : issue.message,
  }));
  throw new InvalidRequestError(
    `Invalid query: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    issues,
  );
};

/** Parses `?status=&limit=&nextToken=&source=&bucket=`; unknown parameters are rejected. Throws InvalidRequestError. */
export const parseListQuery = (raw: QueryParameters): ListQuery => {
  const { status, limit, nextToken, source, bucket } = parseQuery(listQuerySchema, raw);
  return {
    limit: limit ?? DEFAULT_LIST_LIMIT,
    ...(status && { status }),
    ...(nextToken && { nextToken }),
    ...(source && { source }),
    ...(bucket && { bucket }),
  };
};

// ---- POST /exports query and dry run ----------------------------------------------------------------------------

// Unknown parameters are rejected here too: `?dryrun=true` (a typo) must not start the export it meant to try.
export const requestQuerySchema = z.strictObject({
  dryRun: z.optional(z.enum(['true', 'false'], { error: 'dryRun must be true or false' })),
});

export interface RequestQuery {
  /** `?dryRun=true`: run the checks, report every problem, start nothing. */
  dryRun: boolean;
}

/** Parses `?dryRun=true|false` of POST /exports; anything else is rejected. Throws InvalidRequestError. */
export const parseRequestQuery = (raw: QueryParameters): RequestQuery => ({
  dryRun: parseQuery(requestQuerySchema, raw).dryRun === 'true',
});
