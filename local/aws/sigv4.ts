// Who is calling and which service they mean, read from the SigV4 credential scope the way AWS routes a request:
// `Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/elasticache/aws4_request, …` or, for presigned
// URLs, the `X-Amz-Credential` query parameter. A request must be signed (authenticationOf), as AWS requires, but
// signatures are not verified: the emulator has no secret keys and trusts any credentials that are presented.
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

/**
 * How a request is signed: SigV4 (or SigV4a) with all of its parts, not at all, or in a way AWS refuses (a part
 * missing, or another scheme such as SigV2's `AWS AKID:signature`).
 */
export type Authentication =
  | { kind: 'signed'; scope: CredentialScope }
  | { kind: 'unsigned' }
  | { kind: 'malformed'; where: 'header' | 'query' | 'scheme'; message: string };

const SIGV4_ALGORITHMS = new Set(['AWS4-HMAC-SHA256', 'AWS4-ECDSA-P256-SHA256']);
const HEADER_PARTS = ['Credential', 'SignedHeaders', 'Signature'] as const;
const QUERY_PARTS = ['X-Amz-Credential', 'X-Amz-Signature'] as const;

export const authenticationOf = (headers: Record<string, string>, query: URLSearchParams): Authentication => {
  const authorization = headers.authorization?.trim();
  if (authorization) {
    const algorithm = authorization.split(/\s+/)[0] ?? '';
    if (!SIGV4_ALGORITHMS.has(algorithm)) {
      return { kind: 'malformed', where: 'scheme', message: 'Unsupported authorization scheme' };
    }
    const parts = authorization.slice(algorithm.length);
    // The messages AWS gives for a SigV4 header that lacks a part, e.g. "Authorization header requires 'Signature'
    // parameter." (query and JSON services; S3 answers AuthorizationHeaderMalformed).
    const missing = HEADER_PARTS.filter((part) => !new RegExp(`(?:^|[\\s,])${part}=[^,\\s]+`).test(parts));
    const scope = missing.length === 0 ? credentialScope(headers, query) : undefined;
    if (missing.length > 0 || !scope) {
      const message =
        missing.length > 0
          ? missing.map((part) => `Authorization header requires '${part}' parameter.`).join(' ')
          : "Credential should be scoped with a valid terminator: 'aws4_request'.";
      return { kind: 'malformed', where: 'header', message };
    }
    return { kind: 'signed', scope };
  }
  const queryAlgorithm = query.get('X-Amz-Algorithm');
  if (queryAlgorithm !== null) {
    const scope = credentialScope(headers, query);
    if (!SIGV4_ALGORITHMS.has(queryAlgorithm) || QUERY_PARTS.some((part) => !query.get(part)) || !scope) {
      return {
        kind: 'malformed',
        where: 'query',
        // S3's AuthorizationQueryParametersError message for an incomplete presigned URL.
        message:
          'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
      };
    }
    return { kind: 'signed', scope };
  }
  return { kind: 'unsigned' };
};

/** A 12-digit access key id acts as that account id; any other acts as 000000000000. */
export const accountIdFor = (accessKeyId: string): string =>
  /^\d{12}$/.test(accessKeyId) ? accessKeyId : DEFAULT_ACCOUNT_ID;

export const callerFrom = (scope: CredentialScope | undefined): Caller => {
  const accessKeyId = scope?.accessKeyId ?? 'anonymous';
  return {
    accessKeyId,
    accountId: accountIdFor(accessKeyId),
    region: scope?.region ?? DEFAULT_REGION,
    ...(scope === undefined && { anonymous: true }),
  };
};

/** The query-protocol API versions the emulator serves, for requests that carry no credential scope. */
const QUERY_VERSIONS = new Map([
  ['2015-02-02', 'elasticache'],
  ['2010-03-31', 'sns'],
]);

/**
 * The service an unsigned request (or one signed without a service) is for, so that its refusal is in that
 * service's own shape: a JSON `X-Amz-Target` prefix names it, a query-protocol `Version` does, and anything else is
 * S3's REST API.
 */
export const guessService = (headers: Record<string, string>, query: URLSearchParams, body: Buffer): string => {
  const target = headers['x-amz-target'];
  if (target) {
    if (target.startsWith('AWSStepFunctions.')) return 'states';
    if (target.startsWith('DynamoDB_20120810.')) return 'dynamodb';
    if (target.startsWith('AmazonSQS.')) return 'sqs';
    return target.split('.')[0]?.toLowerCase() ?? 'unknown';
  }
  const isForm = (headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
  const params = isForm ? new URLSearchParams(body.toString('utf8')) : query;
  const version = params.get('Version') ?? query.get('Version');
  if (params.get('Action') && version) return QUERY_VERSIONS.get(version) ?? 'unknown';
  return 's3';
};

// Partitions and opt-in Regions are facts about AWS, not rules of the product: the emulator takes them from the one
// list the product keeps (handlers/lib/partition.ts, with its sources), so the two can never disagree.
export { isOptInRegion, partitionOf as partitionFor } from '../../handlers/lib/partition.js';
