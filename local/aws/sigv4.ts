// Who is calling and which service they mean, read from the SigV4 credential scope the way AWS routes a request:
// `Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/elasticache/aws4_request, …` or, for presigned
// URLs, the `X-Amz-Credential` query parameter. Signatures are not verified: the emulator trusts any credentials.
import type { Caller } from './types.js';

export const DEFAULT_ACCOUNT_ID = '000000000000';
export const DEFAULT_REGION = 'us-east-1';

export interface CredentialScope {
  accessKeyId: string;
  region?: string;
  service?: string;
}

const SCOPE_PATTERN = /^([^/\s]+)\/(\d{8})\/(?:([^/\s]+)\/)?([^/\s]+)\/aws4_request$/;

const parseScope = (credential: string, regionSet?: string): CredentialScope | undefined => {
  const match = SCOPE_PATTERN.exec(credential.trim());
  if (!match?.[1]) return undefined;
  // SigV4a scopes have no Region (AKID/date/service/aws4_request); the Region set header names it instead.
  const region = match[3] ?? regionSet?.split(',')[0]?.trim();
  return {
    accessKeyId: match[1],
    ...(region && region !== '*' && { region }),
    ...(match[4] && { service: match[4] }),
  };
};

/** The credential scope of a request, from its Authorization header or its presigned query; undefined if unsigned. */
export const credentialScope = (
  headers: Record<string, string>,
  query: URLSearchParams,
): CredentialScope | undefined => {
  const regionSet = headers['x-amz-region-set'] ?? query.get('X-Amz-Region-Set') ?? undefined;
  const authorization = headers.authorization ?? '';
  const credential = /Credential=([^,\s]+)/.exec(authorization)?.[1];
  if (credential) return parseScope(credential, regionSet);
  // SigV2 (`AWS AKID:signature`): old clients; no scope, so the Region and service are defaults or guesses.
  const v2 = /^AWS ([^:\s]+):/.exec(authorization);
  if (v2?.[1]) return { accessKeyId: v2[1] };
  const presigned = query.get('X-Amz-Credential');
  if (presigned) return parseScope(presigned, regionSet);
  return undefined;
};

/** A 12-digit access key id acts as that account id; any other acts as 000000000000. */
export const accountIdFor = (accessKeyId: string): string =>
  /^\d{12}$/.test(accessKeyId) ? accessKeyId : DEFAULT_ACCOUNT_ID;

export const callerFrom = (scope: CredentialScope | undefined): Caller => {
  const accessKeyId = scope?.accessKeyId ?? 'anonymous';
  return { accessKeyId, accountId: accountIdFor(accessKeyId), region: scope?.region ?? DEFAULT_REGION };
};

/** The query-protocol API versions the emulator serves, for requests that carry no credential scope. */
const QUERY_VERSIONS = new Map([
  ['2015-02-02', 'elasticache'],
  ['2010-03-31', 'sns'],
]);

/**
 * The service an unsigned request (or one signed without a service) is for: a JSON `X-Amz-Target` prefix names
 * it, a query-protocol `Version` does, and anything else is S3's REST API.
 */
export const guessService = (headers: Record<string, string>, query: URLSearchParams, body: Buffer): string => {
  const target = headers['x-amz-target'];
  if (target) {
    if (target.startsWith('AWSStepFunctions.')) return 'states';
    return target.split('.')[0]?.toLowerCase() ?? 'unknown';
  }
  const isForm = (headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  const params = isForm ? new URLSearchParams(body.toString('utf8')) : query;
  const version = params.get('Version') ?? query.get('Version');
  if (params.get('Action') && version) return QUERY_VERSIONS.get(version) ?? 'unknown';
  return 's3';
};

/** AWS partition of a Region, for ARNs. */
export const partitionFor = (region: string): string => {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
};
