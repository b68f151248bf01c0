// SigV4 for the deployed API: API Gateway's AWS_IAM authorization checks each request's signature for the service
// `execute-api` in the stack's Region. The SDK's own signer does the work; this file only shapes the request for it.
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, HttpRequest, QueryParameterBag } from '@smithy/types';

export const EXECUTE_API_SERVICE = 'execute-api';

export interface Signing {
  region: string;
  credentials: AwsCredentialIdentityProvider;
}

/** A request about to be sent: the headers returned by `signedHeaders` are sent with it. */
export interface OutgoingRequest {
  method: string;
  url: URL;
  headers: Readonly<Record<string, string>>;
  body?: string | undefined;
}

/** The query string as the signer takes it: repeated names become lists. */
const queryOf = (url: URL): QueryParameterBag => {
  const query: QueryParameterBag = {};
  for (const [name, value] of url.searchParams) {
    const previous = query[name];
    query[name] = previous === undefined || previous === null ? value : [...[previous].flat(), value];
  }
  return query;
};

/** The request's headers plus `authorization`, `x-amz-date` (and the session token, the payload hash) to send. */
export const signedHeaders = async (
  request: OutgoingRequest,
  signing: Signing,
  signingDate: Date = new Date(),
): Promise<Record<string, string>> => {
  const signer = new SignatureV4({
    service: EXECUTE_API_SERVICE,
    region: signing.region,
    credentials: signing.credentials,
    sha256: Sha256,
  });
  const unsigned: HttpRequest = {
    method: request.method,
    protocol: request.url.protocol,
    hostname: request.url.hostname,
    ...(request.url.port && { port: Number(request.url.port) }),
    path: request.url.pathname,
    query: queryOf(request.url),
    // `host` is signed; fetch sends the same value (the URL's host, with a non-default port).
    headers: { ...request.headers, host: request.url.host },
    ...(request.body !== undefined && { body: request.body }),
  };
  const signed = await signer.sign(unsigned, { signingDate });
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) {
    if (name.toLowerCase() !== 'host') headers[name] = String(value);
  }
  return headers;
};
