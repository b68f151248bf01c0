// The contract between the emulator's HTTP server and each emulated service.

/** Who is calling, from the SigV4 Authorization header (or presigned query). */
export interface Caller {
  /** A 12-digit access key id acts as that account id; any other acts as 000000000000. */
  accountId: string;
  /** The Region from the SigV4 credential scope (default us-east-1). */
  region: string;
  accessKeyId: string;
}

export interface AwsRequest {
  method: string;
  /** Path without the query string, URL-decoded segments left as sent. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Buffer;
  caller: Caller;
  /** The Host header, for S3 virtual-hosted style. */
  host: string;
  /** The service from the SigV4 scope (`elasticache`, `s3`, `sns`, `states`), or guessed. */
  service: string;
  requestId: string;
}

export interface AwsResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** One emulated service. */
export interface EmulatedService {
  readonly name: string;
  handle(request: AwsRequest): Promise<AwsResponse>;
}
