// The HTTP API's client: one JSON request at a time to the export API, signed with SigV4 when the API is the deployed
// one (AWS_IAM), sent as is to the local stack. HTTP error answers become ApiError with the API's code and message.
import { isRecord } from '../handlers/lib/records.js';
import { ApiError, CliError } from './errors.js';
import { type Signing, signedHeaders } from './signing.js';

/** Where the API is and how to call it (cli/endpoint.ts finds it). */
export interface ApiTarget {
  /** The base URL, the deployed stage included (`https://…/dev`), without a trailing slash. */
  baseUrl: string;
  /** Absent for the local stack, which has no auth. */
  signing?: Signing | undefined;
  /** Says where the URL came from, for error messages (`--endpoint`, the stack's outputs, the local stack). */
  origin: string;
}

export interface ApiAnswer {
  status: number;
  body: unknown;
}

export interface RequestOptions {
  query?: Readonly<Record<string, string | undefined>>;
  body?: unknown;
}

/** RFC 3986 encoding, as SigV4 canonicalises query values (encodeURIComponent leaves `!'()*` alone). */
const strictEncode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);

const urlFor = (baseUrl: string, path: string, query: RequestOptions['query']): URL => {
  const pairs = Object.entries(query ?? {}).filter((pair): pair is [string, string] => pair[1] !== undefined);
  const search = pairs.map(([name, value]) => `${strictEncode(name)}=${strictEncode(value)}`).join('&');
  return new URL(`${baseUrl}${path}${search ? `?${search}` : ''}`);
};

const parseBody = (text: string): unknown => {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** The API's error body (`{ error: { code, message, details } }`), or API Gateway's own (`{ message }`). */
export const apiErrorOf = (answer: ApiAnswer, target: ApiTarget): ApiError => {
  const { status, body } = answer;
  if (isRecord(body) && isRecord(body.error)) {
    const code = typeof body.error.code === 'string' ? body.error.code : 'Error';
    const message = typeof body.error.message === 'string' ? body.error.message : JSON.stringify(body.error);
    const details = Array.isArray(body.error.details)
      ? body.error.details
          .filter(isRecord)
          .map((detail) => `  ${String(detail.path ?? '$')}: ${String(detail.message ?? '')}`)
      : [];
    return new ApiError(status, code, message, body, details);
  }
  // API Gateway answers for itself: a missing or bad signature, a caller without execute-api:Invoke, a wrong path.
  const gatewayMessage =
    isRecord(body) && typeof (body.message ?? body.Message) === 'string'
      ? String(body.message ?? body.Message)
      : typeof body === 'string' && body.length > 0
        ? body.slice(0, 300)
        : `HTTP ${status}`;
  const hint =
    status === 403 && target.signing
      ? [
          `The request was signed for execute-api in ${target.signing.region}; check the credentials (--profile, AWS_PROFILE), that they may execute-api:Invoke this API, and the Region (--region).`,
        ]
      : status === 403 || status === 404
        ? [`Check the API's URL (${target.origin}): ${target.baseUrl}`]
        : [];
  return new ApiError(status, status === 403 ? 'Forbidden' : `HTTP${status}`, gatewayMessage, body, hint);
};

export class ApiClient {
  public constructor(
    public readonly target: ApiTarget,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  /** Sends one request and returns status and parsed body whatever the status; only a failed connection throws. */
  public async send(method: string, path: string, options: RequestOptions = {}): Promise<ApiAnswer> {
    const url = urlFor(this.target.baseUrl, path, options.query);
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(body !== undefined && { 'content-type': 'application/json' }),
    };
    const sent = this.target.signing
      ? await signedHeaders({ method, url, headers, body }, this.target.signing)
      : headers;
    let response: Response;
    try {
      response = await this.fetchImpl(url, { method, headers: sent, ...(body !== undefined && { body }) });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new CliError(
        `Could not reach the export API at ${this.target.baseUrl} (${this.target.origin}): ${cause}`,
        undefined,
        this.target.signing ? [] : ['Is the local stack running? Start it with `npm start`.'],
        { cause: error },
      );
    }
    return { status: response.status, body: parseBody(await response.text()) };
  }

  /** Sends one request; an answer whose status is not in `expected` throws its ApiError. */
  public async call(
    method: string,
    path: string,
    expected: readonly number[],
    options: RequestOptions = {},
  ): Promise<ApiAnswer> {
    const answer = await this.send(method, path, options);
    if (!expected.includes(answer.status)) throw apiErrorOf(answer, this.target);
    return answer;
  }
}
