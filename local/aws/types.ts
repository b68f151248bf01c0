// The contract between the emulator's HTTP server and each emulated service.
import type { Readable } from 'node:stream';

/** Who is calling, from the SigV4 Authorization header (or presigned query). */
export interface Caller {
  /** A 12-digit access key id acts as that account id; any other acts as 000000000000. */
  accountId: string;
  /** The Region from the SigV4 credential scope (default us-east-1). */
  region: string;
  accessKeyId: string;
  /**
   * True for a request with no SigV4 signature. Only S3 ever sees one (it answers AccessDenied, as for a private
   * bucket); the server refuses unsigned requests to every other service itself.
   */
  anonymous?: boolean;
}

/** A request body too large to keep in memory, spooled to a temporary file the server removes after the answer. */
export interface SpooledBody {
  path: string;
  size: number;
}

export interface AwsRequest {
  method: string;
  /** Path without the query string, URL-decoded segments left as sent. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  /** The body, when it is kept in memory; empty when `bodyFile` is set (S3 only, see below). */
  body: Buffer;
  /**
   * S3 only: a body above the server's in-memory threshold, on disk instead of in `body`. A service may rename the
   * file away (S3 moves an upload into place); the server removes it otherwise. Other services get bodies in
   * memory only, within their own size limits.
   */
  bodyFile?: SpooledBody;
  caller: Caller;
  /** The Host header, for S3 virtual-hosted style. */
  host: string;
  /** The service from the SigV4 scope (`elasticache`, `s3`, `sns`, `states`), or guessed. */
  service: string;
  requestId: string;
  /**
   * Set by the IAM layer (local/aws/iam) on a batch request whose items AWS authorizes one by one: the items its
   * caller may not act on (DeleteObjects: keys without s3:DeleteObject). The service fails each of them as AWS does
   * and serves the others.
   */
  deniedItems?: ReadonlySet<string>;
}

export interface AwsResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /**
   * A body streamed instead of held (S3 GetObject from disk); the service sets `content-length`. The server pipes
   * it, or destroys it unread (HEAD, or when the answer cannot be written).
   */
  stream?: Readable;
}

/** One emulated service. */
export interface EmulatedService {
  readonly name: string;
  handle(request: AwsRequest): Promise<AwsResponse>;
}
