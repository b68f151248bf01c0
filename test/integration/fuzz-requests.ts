// Random and mutated requests for the local stack's fuzz test (fuzz.test.ts), and the oracle that judges each
// answer: AWS-shaped for the service the request is for, never a 5xx.
//
// Each generator starts from what the real clients send (actions, parameters, subresources, targets and bodies as
// the SDK writes them, against the seeded demo data) and mutates it: prototype names as keys, odd values and
// encodings, deep nesting, wrong content types and methods, unsigned and oddly signed requests.
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';

/** The wire shapes an answer may take: query XML (ElastiCache, SNS), S3 XML, JSON 1.0 (Step Functions), the API. */
export type Shape = 'query' | 's3' | 'json' | 'api';

const ALL_AWS_SHAPES: Shape[] = ['query', 's3', 'json'];

export interface Signing {
  accessKeyId: string;
  region: string;
  /** The SigV4 service of the credential scope, which the emulator routes by. */
  service: string;
}

export interface FuzzRequest {
  /** `aws`: the emulator; `api`: the local HTTP API. */
  server: 'aws' | 'api';
  /** Which generator made it, e.g. `s3 PUT object`. */
  label: string;
  method: string;
  /** The raw request target: path and query string, as sent. */
  target: string;
  /** Header pairs in order (repeats allowed), without Host and the signature. */
  headers: Array<[string, string]>;
  body: Buffer;
  /** Sign with SigV4 for this scope; undefined: unsigned. */
  signing?: Signing;
  /** An Authorization header sent as is instead of a signature (malformed or other schemes). */
  authorization?: string;
  /** Use this Host header instead of the server's address (S3 virtual-hosted style). */
  hostPrefix?: string;
  /** The error shapes a 4xx answer may take. */
  shapes: Shape[];
}

export interface StackFacts {
  accountId: string;
  region: string;
  bucket: string;
  snapshotName: string;
  replicationGroupId: string;
  topicArn: string;
  stateMachineArn: string;
}

/** Names every plain object inherits; a map keyed by request names must treat them like any other. */
export const PROTOTYPE_NAMES = [
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__proto__',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupSetter__',
  'prototype',
] as const;

const prototypeName = fc.constantFrom(...PROTOTYPE_NAMES);

// ---- Strings -------------------------------------------------------------------------------------------------

const ODD_VALUES = [
  '',
  ' ',
  '%',
  '%ZZ',
  '%00',
  '../..',
  '\u0000',
  '\r\n',
  'a'.repeat(300),
  '-1',
  '0',
  '1e309',
  '9'.repeat(30),
  '1.5',
  'NaN',
  'null',
  'true',
  '[]',
  '{}',
  '<x/>',
  '&amp;',
  ']]>',
  '\ud800',
  '💥',
  'ümlaut',
  '*',
  'arn:aws:sns:us-east-1:000000000000:',
] as const;

/** Any text: arbitrary code points, graphemes, numbers-as-text, prototype names and known troublemakers. */
const oddString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 20 }), weight: 1 },
  { arbitrary: fc.constantFrom(...ODD_VALUES), weight: 3 },
  { arbitrary: prototypeName, weight: 2 },
  { arbitrary: fc.integer().map(String), weight: 1 },
);

/** Characters an HTTP header value may hold (RFC 9110 field-vchar, SP, HTAB, obs-text), as Node sends them. */
const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 60 }),
  fc.string({ unit: fc.integer({ min: 0xa0, max: 0xff }).map((code) => String.fromCharCode(code)), maxLength: 10 }),
  fc.constantFrom('', ' ', '\t', '""', 'a'.repeat(2000), ...PROTOTYPE_NAMES),
);

/** Header names the client may send freely: framing headers are left to Node. */
const FRAMING_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'expect',
  'upgrade',
  'te',
]);
const headerName: fc.Arbitrary<string> = fc
  .oneof(
    { arbitrary: fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,30}$/), weight: 2 },
    { arbitrary: prototypeName, weight: 2 },
    { arbitrary: fc.constantFrom('x-amz-date', 'x-amz-security-token', 'x-amz-user-agent', 'user-agent'), weight: 1 },
  )
  .filter((name) => !FRAMING_HEADERS.has(name.toLowerCase()));

const randomHeaders = fc.array(fc.tuple(headerName, headerValue), { maxLength: 4 });

/** Percent-encodes text for a path or query (lone surrogates become U+FFFD, as a browser would send them). */
const encode = (text: string): string => encodeURIComponent(wellFormed(text));

/** Text as a header value Node will send: characters HTTP forbids there become `?`. */
const headerSafe = (text: string): string => text.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');

/** Lone surrogates become U+FFFD (String.prototype.toWellFormed, which ES2022's types do not know). */
const wellFormed = (text: string): string => text.replace(/[\ud800-\udfff]/gu, '\ufffd');

/** A query string from name/value pairs, each encoded; some pairs are raw mutations (`%ZZ`, no `=`, `&&`). */
const queryString = (pairs: ReadonlyArray<readonly [string, string]>, raw: readonly string[] = []): string => {
  const parts = [...pairs.map(([name, value]) => (value === '' ? encode(name) : `${encode(name)}=${encode(value)}`))];
  parts.push(...raw);
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
};

const RAW_QUERY_MUTATIONS = ['%ZZ', '=', '&', '%', 'a=%E0%A4%A', '__proto__[x]=1', 'constructor.prototype=1', '=x'];
const rawQuery = fc.array(fc.constantFrom(...RAW_QUERY_MUTATIONS), { maxLength: 2 });

// ---- JSON ----------------------------------------------------------------------------------------------------

/** `depth` nested arrays or objects around a value, built as text (no recursion, no stringify of a deep value). */
const deeplyNested = (depth: number, kind: 'array' | 'object'): string =>
  kind === 'array' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

const NESTING_DEPTHS = [50, 500, 5_000, 50_000] as const;
const deepJson = fc
  .tuple(fc.constantFrom(...NESTING_DEPTHS), fc.constantFrom<'array' | 'object'>('array', 'object'))
  .map(([depth, kind]) => deeplyNested(depth, kind));

/** JSON values of bounded size: the leaves are odd strings and numbers. */
const jsonValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    oddString,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.oneof(oddString, prototypeName), tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** JSON text that a plain object literal cannot express: own `__proto__` keys, duplicates, prototype-named keys. */
const prototypeJson = fc
  .tuple(prototypeName, fc.jsonValue({ maxDepth: 2 }))
  .map(([name, value]) => `{"${name}":${JSON.stringify(value)},"__proto__":{"polluted":true},"${name}":1}`);

const RAW_BODIES = ['', 'null', '[]', '"text"', '1', 'true', '{', '{"a":', '}', '{"a":1}}', '\u0000', 'NaN', '<xml/>'];

/** A body that is not the object the service expects. */
const rawJsonBody: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constantFrom(...RAW_BODIES).map((text) => Buffer.from(text)),
  deepJson.map((text) => Buffer.from(text)),
  prototypeJson.map((text) => Buffer.from(text)),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc.constant(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])),
);

/**
 * An object with some of these fields (each from its own arbitrary) plus extra fields named by prototype names or at
 * random, serialized as JSON text (so `__proto__` stays an own key).
 */
const mutatedObject = (fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.record(fields, { requiredKeys: [] }),
      fc.array(fc.tuple(fc.oneof(prototypeName, oddString), jsonValue), { maxLength: 2 }),
    )
    .map(([known, extra]) => {
      const entries = [...Object.entries(known), ...extra];
      return `{${entries.map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value) ?? 'null'}`).join(',')}}`;
    });

// ---- Signing -------------------------------------------------------------------------------------------------

const accessKeyId = (facts: StackFacts): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.constant(facts.accountId), weight: 5 },
    { arbitrary: fc.stringMatching(/^\d{12}$/), weight: 1 },
    { arbitrary: fc.stringMatching(/^(AKIA|ASIA)[A-Z2-7]{16}$/), weight: 2 },
    { arbitrary: fc.stringMatching(/^[A-Za-z0-9]{1,40}$/), weight: 1 },
  );

const region = (facts: StackFacts): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.constant(facts.region), weight: 8 },
    { arbitrary: fc.constantFrom('eu-west-1', 'ap-southeast-2', 'cn-north-1', 'us-gov-west-1'), weight: 1 },
    { arbitrary: fc.stringMatching(/^[a-z]{2}-[a-z]{3,9}-\d$/), weight: 1 },
  );

interface Auth {
  signing?: Signing;
  authorization?: string;
  /** The shapes an error may take given how the request is (or is not) signed. */
  shapes: Shape[];
}

/** Mostly a real signature for `service`; sometimes none, an odd service in the scope, or a malformed header. */
const auth = (facts: StackFacts, service: string, shape: Shape): fc.Arbitrary<Auth> =>
  fc.oneof(
    {
      arbitrary: fc
        .tuple(accessKeyId(facts), region(facts))
        .map(
          ([key, inRegion]): Auth => ({ signing: { accessKeyId: key, region: inRegion, service }, shapes: [shape] }),
        ),
      weight: 14,
    },
    // Unsigned: routed by the request's shape; refused (once SigV4 is required) with an auth error in some shape.
    { arbitrary: fc.constant<Auth>({ shapes: ALL_AWS_SHAPES }), weight: 3 },
    {
      arbitrary: fc
        .tuple(accessKeyId(facts), fc.constantFrom('ec2', 'sqs', 'ElastiCache', 'execute-api', 's3-object-lambda'))
        .map(
          ([key, other]): Auth => ({
            signing: { accessKeyId: key, region: facts.region, service: other },
            shapes: ALL_AWS_SHAPES,
          }),
        ),
      weight: 1,
    },
    {
      arbitrary: fc
        .oneof(
          fc.constant('AWS4-HMAC-SHA256'),
          fc.constant('AWS4-HMAC-SHA256 Credential='),
          oddString.map((junk) => `AWS4-HMAC-SHA256 Credential=${junk}, SignedHeaders=host, Signature=00`),
          fc.constant(`AWS4-HMAC-SHA256 Credential=${facts.accountId}/20260101/${service}/aws4_request`),
          fc.constant(`AWS ${facts.accountId}:c2lnbmF0dXJl`),
          fc.constant('Bearer token'),
          headerValue,
        )
        .map((authorization): Auth => ({ authorization: headerSafe(authorization), shapes: ALL_AWS_SHAPES })),
      weight: 1,
    },
  );

/** Adds a real-looking SigV4 signature (random secret: the emulator does not verify signatures). */
export const signedHeaders = async (
  request: FuzzRequest,
  host: string,
  signing: Signing,
): Promise<Array<[string, string]>> => {
  const queryStart = request.target.indexOf('?');
  const path = queryStart === -1 ? request.target : request.target.slice(0, queryStart);
  const query: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of new URLSearchParams(queryStart === -1 ? '' : request.target.slice(queryStart + 1))) {
    const previous = query[name];
    query[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  const headers: Record<string, string> = Object.create(null);
  for (const [name, value] of request.headers) headers[name.toLowerCase()] = value;
  headers.host = host;
  const signer = new SignatureV4({
    service: signing.service,
    region: signing.region,
    credentials: { accessKeyId: signing.accessKeyId, secretAccessKey: 'fuzz-secret' },
    sha256: Hash.bind(null, 'sha256'),
    // S3 signs the path as sent; the other services escape it once more (as the SDK does).
    uriEscapePath: signing.service !== 's3',
    applyChecksum: signing.service === 's3',
  });
  const signed = await signer.sign({
    method: request.method,
    protocol: 'http:',
    hostname: host,
    path,
    query,
    headers,
    body: request.body,
  } as unknown as Parameters<SignatureV4['sign']>[0]);
  const added: Array<[string, string]> = [];
  for (const [name, value] of Object.entries(signed.headers)) {
    if (!(name in headers) || name === 'authorization') added.push([name, String(value)]);
  }
  return added;
};

// ---- Query protocol (ElastiCache, SNS) -----------------------------------------------------------------------

interface QueryService {
  service: 'elasticache' | 'sns';
  version: string;
  actions: readonly string[];
  /** Real actions of the service that the emulator may not serve. */
  otherActions: readonly string[];
  parameters: readonly string[];
  /** Indexed member names, e.g. `Tags.Tag.{n}.Key`. */
  indexed: readonly string[];
  values: (facts: StackFacts) => readonly string[];
}

const ELASTICACHE: QueryService = {
  service: 'elasticache',
  version: '2015-02-02',
  actions: [
    'CreateReplicationGroup',
    'CreateCacheCluster',
    'DescribeReplicationGroups',
    'DescribeCacheClusters',
    'CreateSnapshot',
    'DescribeSnapshots',
    'CopySnapshot',
    'DeleteSnapshot',
  ],
  otherActions: ['ModifyReplicationGroup', 'DescribeServerlessCaches', 'DescribeEvents', 'ListTagsForResource'],
  parameters: [
    'SnapshotName',
    'SourceSnapshotName',
    'TargetSnapshotName',
    'TargetBucket',
    'ReplicationGroupId',
    'ReplicationGroupDescription',
    'CacheClusterId',
    'CacheNodeType',
    'Engine',
    'EngineVersion',
    'NumNodeGroups',
    'NumCacheNodes',
    'ReplicasPerNodeGroup',
    'MaxRecords',
    'Marker',
    'ShowNodeGroupConfig',
    'ShowCacheNodeInfo',
    'SnapshotSource',
    'KmsKeyId',
    'NotificationTopicArn',
  ],
  indexed: ['Tags.Tag.{n}.Key', 'Tags.Tag.{n}.Value', 'SecurityGroupIds.SecurityGroupId.{n}'],
  values: (facts) => [
    facts.snapshotName,
    facts.replicationGroupId,
    `${facts.replicationGroupId}-0001-001`,
    facts.bucket,
    'redis',
    'valkey',
    'cache.t4g.micro',
    '7.1',
    '1',
    '2',
    '20',
    '100',
    'true',
    'manual',
  ],
};

const SNS: QueryService = {
  service: 'sns',
  version: '2010-03-31',
  actions: [
    'CreateTopic',
    'ListTopics',
    'DeleteTopic',
    'GetTopicAttributes',
    'Subscribe',
    'Unsubscribe',
    'ListSubscriptions',
    'ListSubscriptionsByTopic',
    'Publish',
  ],
  otherActions: ['SetTopicAttributes', 'PublishBatch', 'TagResource', 'ConfirmSubscription'],
  parameters: [
    'Name',
    'TopicArn',
    'TargetArn',
    'Message',
    'Subject',
    'MessageStructure',
    'MessageGroupId',
    'MessageDeduplicationId',
    'Protocol',
    'Endpoint',
    'SubscriptionArn',
    'NextToken',
    'ReturnSubscriptionArn',
  ],
  indexed: [
    'MessageAttributes.entry.{n}.Name',
    'MessageAttributes.entry.{n}.Value.DataType',
    'MessageAttributes.entry.{n}.Value.StringValue',
    'MessageAttributes.entry.{n}.Value.BinaryValue',
    'Attributes.entry.{n}.key',
    'Attributes.entry.{n}.value',
    'Tags.member.{n}.Key',
  ],
  values: (facts) => [
    facts.topicArn,
    `${facts.topicArn}-missing`,
    `${facts.topicArn}:0b5c9f2e-6f0e-4f3a-9d43-1f2b3c4d5e6f`,
    'elasticache-export-outcomes-local',
    'json',
    '{"default":"hello"}',
    '{"default":1}',
    'String',
    'Number',
    'Binary',
    'String.Array',
    'email',
    'sqs',
    'https://example.com/hook',
    'hello',
  ],
};

const indexedName = (template: string): fc.Arbitrary<string> =>
  fc
    .oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: -1, max: 0 }), fc.constant(1e12), fc.constant(Number.NaN))
    .map((index) => template.replace('{n}', String(index)));

const queryRequest = (spec: QueryService, facts: StackFacts): fc.Arbitrary<FuzzRequest> => {
  const action = fc.oneof(
    { arbitrary: fc.constantFrom(...spec.actions), weight: 10 },
    { arbitrary: fc.constantFrom(...spec.otherActions), weight: 1 },
    { arbitrary: prototypeName, weight: 2 },
    { arbitrary: fc.constantFrom(...spec.actions).map((name) => name.toLowerCase()), weight: 1 },
    { arbitrary: oddString, weight: 1 },
  );
  const name = fc.oneof(
    { arbitrary: fc.constantFrom(...spec.parameters), weight: 8 },
    { arbitrary: fc.constantFrom(...spec.indexed).chain(indexedName), weight: 3 },
    { arbitrary: prototypeName, weight: 2 },
    { arbitrary: oddString, weight: 1 },
  );
  const value = fc.oneof(
    { arbitrary: fc.constantFrom(...spec.values(facts)), weight: 5 },
    { arbitrary: oddString, weight: 3 },
  );
  return fc
    .record({
      action: fc.option(action, { freq: 20, nil: undefined }),
      version: fc.oneof(
        { arbitrary: fc.constant<string | undefined>(spec.version), weight: 10 },
        { arbitrary: fc.constantFrom<string | undefined>(undefined, '', '2014-01-01', `${spec.version}x`), weight: 1 },
      ),
      parameters: fc.array(fc.tuple(name, value), { maxLength: 10 }),
      placement: fc.constantFrom('body', 'body', 'body', 'body', 'body', 'body', 'query', 'both'),
      contentType: fc.constantFrom<string | undefined>(
        'application/x-www-form-urlencoded; charset=utf-8',
        'application/x-www-form-urlencoded; charset=utf-8',
        'application/x-www-form-urlencoded; charset=utf-8',
        'application/x-www-form-urlencoded',
        'text/plain',
        'application/x-amz-json-1.0',
        undefined,
      ),
      method: fc.constantFrom('POST', 'POST', 'POST', 'POST', 'POST', 'POST', 'POST', 'GET', 'PUT'),
      path: fc.oneof(
        { arbitrary: fc.constant('/'), weight: 9 },
        { arbitrary: oddString.map((s) => `/${encode(s)}`), weight: 1 },
      ),
      raw: rawQuery,
      headers: randomHeaders,
      auth: auth(facts, spec.service, 'query'),
    })
    .map((r): FuzzRequest => {
      const pairs: Array<[string, string]> = [];
      if (r.action !== undefined) pairs.push(['Action', r.action]);
      if (r.version !== undefined) pairs.push(['Version', r.version]);
      pairs.push(...r.parameters);
      const form = queryString(pairs).slice(1);
      const inQuery = r.placement !== 'body' || r.method === 'GET';
      const target = `${r.path}${inQuery ? queryString(pairs, r.raw) : queryString([], r.raw)}`;
      const headers: Array<[string, string]> = r.contentType
        ? [['content-type', r.contentType], ...r.headers]
        : r.headers;
      // A JSON content type makes the emulator answer errors it renders itself in JSON (local/aws/errors.ts protocolOf).
      const shapes: Shape[] = r.contentType?.startsWith('application/x-amz-json')
        ? [...r.auth.shapes, 'json']
        : r.auth.shapes;
      return {
        server: 'aws',
        label: `${spec.service} ${r.method} ${r.action === undefined ? '(no action)' : spec.actions.includes(r.action) ? r.action : '(odd action)'}`,
        method: r.method,
        target,
        headers,
        body: Buffer.from(r.method === 'GET' || r.placement === 'query' ? '' : form),
        ...(r.auth.signing && { signing: r.auth.signing }),
        ...(r.auth.authorization !== undefined && { authorization: r.auth.authorization }),
        shapes,
      };
    });
};

// ---- S3 REST -------------------------------------------------------------------------------------------------

const bucketName = (facts: StackFacts): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.constant(facts.bucket), weight: 6 },
    { arbitrary: fc.stringMatching(/^fuzz-[a-z0-9]{1,10}$/), weight: 2 },
    {
      arbitrary: fc.constantFrom(
        'UPPER',
        'a',
        'x'.repeat(64),
        'bucket..name',
        '192.168.0.1',
        'xn--abc',
        '-leading',
        'trailing-',
        'under_score',
        'sthree-bucket',
        'bucket--ol-s3',
        ...PROTOTYPE_NAMES,
      ),
      weight: 2,
    },
  );

const objectKey = fc.oneof(
  { arbitrary: fc.constantFrom('fuzz/a.txt', 'fuzz/b.rdb', 'fuzz/c'), weight: 4 },
  { arbitrary: fc.stringMatching(/^[a-z0-9/_.-]{1,30}$/), weight: 3 },
  { arbitrary: fc.constantFrom('demo-cache-snapshot-0001.rdb', 'a/b/c.txt', 'dir/'), weight: 1 },
  { arbitrary: oddString.filter((key) => key.length > 0), weight: 3 },
  { arbitrary: fc.constantFrom('..', 'a/../b', './x', 'a//b', 'x'.repeat(1100), ...PROTOTYPE_NAMES), weight: 1 },
);

/** Subresources and arguments the S3 API reads from the query string, with real and odd values. */
const s3QueryPair: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.constantFrom<[string, string]>(
    ['acl', ''],
    ['policy', ''],
    ['ownershipControls', ''],
    ['location', ''],
    ['uploads', ''],
    ['versioning', ''],
    ['tagging', ''],
    ['delete', ''],
    ['cors', ''],
    ['lifecycle', ''],
    ['list-type', '2'],
    ['encoding-type', 'url'],
    ['x-id', 'GetObject'],
  ),
  fc
    .tuple(
      fc.constantFrom(
        'uploadId',
        'partNumber',
        'list-type',
        'prefix',
        'delimiter',
        'max-keys',
        'continuation-token',
        'start-after',
        'marker',
        'encoding-type',
        'versionId',
        'response-content-type',
        'fetch-owner',
      ),
      fc.oneof(oddString, fc.integer({ min: -2, max: 2000 }).map(String)),
    )
    .map(([name, value]): [string, string] => [name, value]),
  fc.tuple(prototypeName, oddString).map(([name, value]): [string, string] => [name, value]),
);

const CANNED_ACLS = ['private', 'public-read', 'public-read-write', 'authenticated-read', 'bucket-owner-full-control'];

const s3Header: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(fc.constant('x-amz-acl'), fc.oneof(fc.constantFrom(...CANNED_ACLS), headerValue)),
  fc.tuple(
    fc.constantFrom('x-amz-grant-read', 'x-amz-grant-write', 'x-amz-grant-full-control', 'x-amz-grant-read-acp'),
    fc.oneof(
      fc.constantFrom(
        'id="0123456789abcdef"',
        'uri="http://acs.amazonaws.com/groups/global/AllUsers"',
        'emailAddress="a@example.com"',
        'id="540804c33a284a299d2547575ce1010f2312ef3da9b3a053c8bc45bf233e4353"',
        'id=, uri=',
      ),
      headerValue,
    ),
  ),
  fc.tuple(
    fc.constant('range'),
    fc.oneof(
      fc.constantFrom('bytes=0-10', 'bytes=10-0', 'bytes=-5', 'bytes=5-', 'bytes=abc', 'bytes=0-1,3-4'),
      headerValue,
    ),
  ),
  fc.tuple(
    fc.constantFrom('if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since'),
    fc.oneof(fc.constantFrom('*', '"abc"', 'Tue, 01 Dec 2026 00:00:00 GMT'), headerValue),
  ),
  fc.tuple(fc.constant('x-amz-copy-source'), fc.oneof(fc.constant('/elasticache-exports-local/a'), headerValue)),
  fc.tuple(fc.constant('content-md5'), fc.oneof(fc.constant('1B2M2Y8AsgTpgAmY7PhCfg=='), headerValue)),
  fc.tuple(
    fc.constant('x-amz-object-ownership'),
    fc.oneof(fc.constantFrom('ObjectWriter', 'BucketOwnerEnforced', 'BucketOwnerPreferred'), headerValue),
  ),
  fc.tuple(
    fc.constantFrom(
      'x-amz-checksum-sha256',
      'x-amz-server-side-encryption',
      'x-amz-expected-bucket-owner',
      'content-type',
    ),
    headerValue,
  ),
  fc.tuple(fc.stringMatching(/^x-amz-meta-[a-z0-9-]{1,10}$/), headerValue),
  fc.tuple(prototypeName, headerValue),
);

const XML_BODIES = [
  '<AccessControlPolicy><Owner><ID>x</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="CanonicalUser"><ID>abc</ID></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>',
  '<AccessControlPolicy><AccessControlList><Grant><Grantee xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>BOGUS</Permission></Grant></AccessControlList></AccessControlPolicy>',
  '<Delete><Object><Key>a</Key></Object><Object><Key>__proto__</Key></Object><Quiet>true</Quiet></Delete>',
  '<Delete></Delete>',
  '<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>',
  '<OwnershipControls><Rule><ObjectOwnership>constructor</ObjectOwnership></Rule></OwnershipControls>',
  '<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>',
  '<CreateBucketConfiguration><LocationConstraint>__proto__</LocationConstraint></CreateBucketConfiguration>',
  '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>',
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><Delete><Object><Key>&b;</Key></Object></Delete>',
  '<Delete><Object><Key>a</Key>',
  '<<>>',
  '<constructor><__proto__>1</__proto__></constructor>',
];

const deepXml = fc
  .constantFrom(...NESTING_DEPTHS)
  .map((depth) => `<Delete>${'<Object>'.repeat(depth)}<Key>a</Key>${'</Object>'.repeat(depth)}</Delete>`);

const s3Body: fc.Arbitrary<Buffer> = fc.oneof(
  { arbitrary: fc.constant(Buffer.alloc(0)), weight: 5 },
  { arbitrary: fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes)), weight: 2 },
  { arbitrary: fc.constantFrom(...XML_BODIES).map((text) => Buffer.from(text)), weight: 3 },
  { arbitrary: deepXml.map((text) => Buffer.from(text)), weight: 1 },
  {
    arbitrary: fc
      .oneof(
        fc.constant(
          '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}',
        ),
        prototypeJson,
        deepJson,
      )
      .map((text) => Buffer.from(text)),
    weight: 1,
  },
);

const S3_METHODS = ['GET', 'GET', 'GET', 'PUT', 'PUT', 'PUT', 'HEAD', 'HEAD', 'DELETE', 'DELETE', 'POST', 'POST'];
// Methods Node's HTTP parser knows (an unknown one never reaches the emulator; Node answers 400 itself).
const ODD_METHODS = ['OPTIONS', 'PATCH', 'PROPFIND', 'MKCOL', 'SEARCH', 'PURGE', 'LOCK', 'COPY'];

const s3Request = (facts: StackFacts): fc.Arbitrary<FuzzRequest> =>
  fc
    .record({
      method: fc.oneof(
        { arbitrary: fc.constantFrom(...S3_METHODS), weight: 12 },
        { arbitrary: fc.constantFrom(...ODD_METHODS), weight: 1 },
      ),
      bucket: fc.option(bucketName(facts), { freq: 12, nil: undefined }),
      key: fc.option(objectKey, { freq: 2, nil: undefined }),
      rawPath: fc.option(fc.constantFrom('%ZZ', '%', '%00', '%2F..%2F', '/./', '//', '~', ';'), {
        freq: 12,
        nil: undefined,
      }),
      // Most requests are what the SDK sends, with one subresource at most; some pile mutations up.
      query: fc.oneof(
        { arbitrary: fc.constant<Array<[string, string]>>([]), weight: 5 },
        {
          arbitrary: fc
            .constantFrom<[string, string]>(
              ['acl', ''],
              ['policy', ''],
              ['ownershipControls', ''],
              ['location', ''],
              ['delete', ''],
              ['list-type', '2'],
            )
            .map((pair) => [pair]),
          weight: 3,
        },
        { arbitrary: fc.array(s3QueryPair, { minLength: 1, maxLength: 3 }), weight: 2 },
      ),
      raw: fc.oneof({ arbitrary: fc.constant([]), weight: 6 }, { arbitrary: rawQuery, weight: 1 }),
      headers: fc.oneof(
        { arbitrary: fc.constant([]), weight: 3 },
        { arbitrary: fc.array(s3Header, { maxLength: 3 }), weight: 2 },
      ),
      extra: fc.oneof({ arbitrary: fc.constant([]), weight: 2 }, { arbitrary: randomHeaders, weight: 1 }),
      body: s3Body,
      hostStyle: fc.constantFrom('path', 'path', 'path', 'path', 'path', 'path', 'path', 'virtual'),
      auth: auth(facts, 's3', 's3'),
    })
    .map((r): FuzzRequest => {
      const keyPath = r.key === undefined ? '' : `/${r.key.split('/').map(encode).join('/')}`;
      const virtual = r.hostStyle === 'virtual' && r.bucket !== undefined;
      const path = virtual ? keyPath || '/' : r.bucket === undefined ? '/' : `/${encode(r.bucket)}${keyPath}`;
      return {
        server: 'aws',
        label: `s3 ${r.method} ${r.bucket === undefined ? 'service' : r.key === undefined ? 'bucket' : 'object'}`,
        method: r.method,
        target: `${path}${r.rawPath ?? ''}${queryString(r.query, r.raw)}`,
        headers: [...r.headers, ...r.extra],
        body: r.method === 'GET' || r.method === 'HEAD' ? Buffer.alloc(0) : r.body,
        ...(virtual && { hostPrefix: `${r.bucket?.toLowerCase().replace(/[^a-z0-9.-]/g, '') || 'x'}.localhost` }),
        ...(r.auth.signing && { signing: r.auth.signing }),
        ...(r.auth.authorization !== undefined && { authorization: r.auth.authorization }),
        shapes: r.auth.shapes,
      };
    });

// ---- Step Functions JSON 1.0 ---------------------------------------------------------------------------------

const SFN_ACTIONS = [
  'StartExecution',
  'DescribeExecution',
  'ListExecutions',
  'StopExecution',
  'GetExecutionHistory',
  'DescribeStateMachine',
  'ListStateMachines',
];
const SFN_OTHER_ACTIONS = [
  'CreateStateMachine',
  'DeleteStateMachine',
  'SendTaskSuccess',
  'StartSyncExecution',
  'TagResource',
];

const executionName = fc.oneof(
  // A small pool, so DescribeExecution and StopExecution meet executions that StartExecution started.
  { arbitrary: fc.constantFrom('fuzz-1', 'fuzz-2', 'fuzz-3', 'fuzz-4'), weight: 3 },
  { arbitrary: fc.stringMatching(/^fuzz-[a-z0-9-]{1,20}$/), weight: 2 },
  { arbitrary: fc.constantFrom('x'.repeat(81), 'has space', 'a/b', 'a?b', 'ünï', '', ...PROTOTYPE_NAMES), weight: 2 },
  { arbitrary: oddString, weight: 1 },
);

const sfnBody = (facts: StackFacts, action: string): fc.Arbitrary<Buffer> => {
  const [arnPrefix] = facts.stateMachineArn.split(':stateMachine:');
  const machineName = facts.stateMachineArn.split(':').pop() ?? '';
  const stateMachineArn = fc.oneof(
    { arbitrary: fc.constant(facts.stateMachineArn), weight: 6 },
    {
      arbitrary: fc.constantFrom(
        `${arnPrefix}:stateMachine:missing`,
        facts.stateMachineArn.replace(facts.accountId, '111122223333'),
        facts.stateMachineArn.replace(facts.region, 'eu-west-1'),
        `${facts.stateMachineArn}:extra`,
        'arn:aws:states:::stateMachine:',
        `arn:aws:states:${facts.region}:${facts.accountId}:stateMachine:__proto__`,
        'not-an-arn',
      ),
      weight: 2,
    },
    { arbitrary: oddString, weight: 1 },
  );
  const executionArn = fc.oneof(
    { arbitrary: executionName.map((name) => `${arnPrefix}:execution:${machineName}:${name}`), weight: 4 },
    { arbitrary: fc.constantFrom(`${arnPrefix}:execution:${machineName}`, `${arnPrefix}:execution::x`), weight: 1 },
    { arbitrary: oddString, weight: 1 },
  );
  const exportRequest = fc.record(
    {
      sourceSnapshotName: fc.oneof(fc.constant(facts.snapshotName), oddString),
      targetSnapshotName: fc.oneof(executionName, oddString),
      targetBucket: fc.oneof(fc.constant(facts.bucket), oddString),
    },
    { requiredKeys: [] },
  );
  const input = fc.oneof(
    { arbitrary: exportRequest.map((request) => JSON.stringify(request)), weight: 3 },
    { arbitrary: jsonValue.map((value) => JSON.stringify(value) ?? 'null'), weight: 2 },
    { arbitrary: deepJson, weight: 1 },
    { arbitrary: prototypeJson, weight: 1 },
    { arbitrary: fc.constantFrom('', '{', 'not json', 'x'.repeat(300_000)), weight: 1 },
    { arbitrary: jsonValue, weight: 1 },
  );
  const number = fc.oneof(
    fc.integer({ min: -5, max: 2000 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    oddString,
  );
  const statusFilter = fc.oneof(
    fc.constantFrom('RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE'),
    oddString,
  );
  const flag = fc.oneof({ arbitrary: fc.boolean(), weight: 4 }, { arbitrary: oddString, weight: 1 });
  // The members each operation reads, as the SDK sends them (mostly valid values), then any of the others.
  const members: Record<string, Record<string, fc.Arbitrary<unknown>>> = {
    StartExecution: { stateMachineArn, name: executionName, input, traceHeader: oddString },
    DescribeExecution: { executionArn, includedData: fc.constantFrom('ALL_DATA', 'METADATA_ONLY', 'x') },
    StopExecution: { executionArn, error: oddString, cause: oddString },
    GetExecutionHistory: {
      executionArn,
      maxResults: number,
      nextToken: oddString,
      reverseOrder: flag,
      includeExecutionData: flag,
    },
    ListExecutions: { stateMachineArn, statusFilter, maxResults: number, nextToken: oddString },
    DescribeStateMachine: { stateMachineArn },
    ListStateMachines: { maxResults: number, nextToken: oddString },
  };
  const allMembers = Object.assign(Object.create(null), ...Object.values(members)) as Record<
    string,
    fc.Arbitrary<unknown>
  >;
  const own = members[action];
  const wellFormed = own
    ? fc
        .tuple(
          fc.record(own, { requiredKeys: Object.keys(own).slice(0, 1) }),
          fc.option(fc.tuple(prototypeName, jsonValue), { freq: 4, nil: undefined }),
        )
        .map(([body, extra]) => {
          const entries: Array<[string, unknown]> = Object.entries(body);
          if (extra) entries.push(extra);
          return Buffer.from(
            `{${entries.map(([name, value]) => `${JSON.stringify(name)}:${JSON.stringify(value) ?? 'null'}`).join(',')}}`,
          );
        })
    : undefined;
  return fc.oneof(
    ...(wellFormed ? [{ arbitrary: wellFormed, weight: 6 }] : []),
    { arbitrary: mutatedObject(allMembers).map((text) => Buffer.from(text)), weight: 3 },
    { arbitrary: rawJsonBody, weight: 2 },
  );
};

const sfnTarget = fc.oneof(
  { arbitrary: fc.constantFrom(...SFN_ACTIONS).map((action) => `AWSStepFunctions.${action}`), weight: 10 },
  { arbitrary: fc.constantFrom(...SFN_OTHER_ACTIONS).map((action) => `AWSStepFunctions.${action}`), weight: 1 },
  { arbitrary: prototypeName.map((name) => `AWSStepFunctions.${name}`), weight: 2 },
  {
    arbitrary: fc.constantFrom<string | undefined>(
      'awsstepfunctions.StartExecution',
      'AWSStepFunctions.',
      'AWSStepFunctions',
      'AWSStepFunctions.StartExecution.x',
      'AmazonSQS.SendMessage',
      undefined,
    ),
    weight: 2,
  },
  { arbitrary: headerValue.map((value) => `AWSStepFunctions.${value}`), weight: 1 },
);

const sfnRequest = (facts: StackFacts): fc.Arbitrary<FuzzRequest> => {
  // Built once per operation: building arbitraries is costly, drawing from them is not.
  const bodies = new Map(SFN_ACTIONS.map((action) => [action, sfnBody(facts, action)]));
  const otherBody = sfnBody(facts, '');
  const rest = fc.record({
    contentType: fc.constantFrom<string | undefined>(
      'application/x-amz-json-1.0',
      'application/x-amz-json-1.0',
      'application/x-amz-json-1.0',
      'application/x-amz-json-1.0',
      'application/x-amz-json-1.1',
      'application/json',
      'text/plain',
      undefined,
    ),
    method: fc.constantFrom('POST', 'POST', 'POST', 'POST', 'POST', 'POST', 'POST', 'POST', 'GET', 'PUT'),
    path: fc.oneof(
      { arbitrary: fc.constant('/'), weight: 9 },
      { arbitrary: oddString.map((s) => `/${encode(s)}`), weight: 1 },
    ),
    headers: randomHeaders,
    auth: auth(facts, 'states', 'json'),
  });
  // The body follows the operation the target names (chain only picks among arbitraries built above).
  const targetAndBody = sfnTarget.chain((target) =>
    fc.tuple(fc.constant(target), bodies.get(target?.replace('AWSStepFunctions.', '') ?? '') ?? otherBody),
  );
  return fc
    .tuple(targetAndBody, rest)
    .map(([[target, body], others]) => ({ target, body, ...others }))
    .map((r): FuzzRequest => {
      const headers: Array<[string, string]> = [];
      if (r.target !== undefined) headers.push(['x-amz-target', r.target]);
      if (r.contentType !== undefined) headers.push(['content-type', r.contentType]);
      headers.push(...r.headers);
      return {
        server: 'aws',
        label: `states ${r.method} ${
          r.target === undefined
            ? '(no target)'
            : SFN_ACTIONS.includes(r.target.replace('AWSStepFunctions.', ''))
              ? r.target.replace('AWSStepFunctions.', '')
              : '(odd target)'
        }`,
        method: r.method,
        target: r.path,
        headers,
        body: r.body,
        ...(r.auth.signing && { signing: r.auth.signing }),
        ...(r.auth.authorization !== undefined && { authorization: r.auth.authorization }),
        // Without a target an unsigned request is routed as S3 (local/aws/sigv4.ts guessService).
        shapes: r.auth.shapes,
      };
    });
};

// ---- The local HTTP API --------------------------------------------------------------------------------------

const EXPORT_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'];

const apiRequest = (facts: StackFacts): fc.Arbitrary<FuzzRequest> => {
  // A few real export requests (each starts an export) among many that must be refused.
  const validRequest = fc
    .constantFrom('fuzz-a', 'fuzz-b', 'fuzz-c')
    .map((name) =>
      JSON.stringify({ sourceSnapshotName: facts.snapshotName, targetSnapshotName: name, targetBucket: facts.bucket }),
    );
  const field = fc.oneof(oddString, fc.constant(facts.snapshotName), fc.constant(facts.bucket), jsonValue);
  const exportBody = fc.oneof(
    { arbitrary: validRequest.map((text) => Buffer.from(text)), weight: 1 },
    {
      arbitrary: mutatedObject({
        sourceSnapshotName: field,
        replicationGroupId: fc.oneof(fc.constant(facts.replicationGroupId), field),
        cacheClusterId: field,
        targetSnapshotName: field,
        targetBucket: field,
        freshSnapshot: fc.oneof(fc.boolean(), field),
        keepSnapshot: fc.oneof(fc.boolean(), field),
        serverlessCacheName: field,
        serverlessCacheSnapshotName: field,
      }).map((text) => Buffer.from(text)),
      weight: 6,
    },
    { arbitrary: rawJsonBody, weight: 3 },
    { arbitrary: fc.constant(Buffer.from(`{"sourceSnapshotName":"${'x'.repeat(17 * 1024)}"}`)), weight: 1 },
  );
  const queryPair = fc.oneof(
    fc.tuple(fc.constant('status'), fc.oneof(fc.constantFrom(...EXPORT_STATUSES), oddString)),
    fc.tuple(fc.constant('limit'), fc.oneof(fc.integer({ min: -1, max: 200 }).map(String), oddString)),
    fc.tuple(fc.constant('nextToken'), oddString),
    fc.tuple(fc.constant('dryRun'), fc.oneof(fc.constantFrom('true', 'false'), oddString)),
    fc.tuple(prototypeName, oddString),
    fc.tuple(oddString, oddString),
  );
  const route = fc.oneof(
    { arbitrary: fc.constant({ method: 'POST', path: '/exports' }), weight: 5 },
    { arbitrary: fc.constant({ method: 'GET', path: '/exports' }), weight: 2 },
    {
      arbitrary: fc
        .oneof(executionName, oddString, fc.constant('fuzz-a-elasticache-exports-local-0123456789ab'))
        .map((id) => ({ method: 'GET', path: `/exports/${encode(id)}` })),
      weight: 2,
    },
    {
      arbitrary: fc.constantFrom(
        { method: 'DELETE', path: '/exports/fuzz-a' },
        { method: 'PUT', path: '/exports' },
        { method: 'PATCH', path: '/exports/x' },
        { method: 'OPTIONS', path: '/exports' },
        { method: 'GET', path: '/exports/a/b' },
        { method: 'GET', path: '/exports/%ZZ' },
        { method: 'GET', path: '/' },
        { method: 'GET', path: '/dev/exports' },
        { method: 'POST', path: '/exports/' },
        { method: 'HEAD', path: '/exports' },
      ),
      weight: 1,
    },
  );
  return fc
    .record({
      route,
      body: exportBody,
      query: fc.array(queryPair, { maxLength: 3 }),
      raw: rawQuery,
      contentType: fc.constantFrom<string | undefined>(
        'application/json',
        'application/json',
        'application/json',
        'application/json; charset=utf-8',
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=latin1',
        undefined,
      ),
      headers: fc.array(
        fc.oneof(
          fc.tuple(fc.constant('idempotency-key'), headerValue),
          fc.tuple(prototypeName, headerValue),
          fc.tuple(headerName, headerValue),
        ),
        { maxLength: 4 },
      ),
    })
    .map((r): FuzzRequest => {
      const withBody = r.route.method === 'POST' || r.route.method === 'PUT';
      const headers: Array<[string, string]> = [];
      if (withBody && r.contentType !== undefined) headers.push(['content-type', r.contentType]);
      headers.push(...r.headers);
      return {
        server: 'api',
        label: `api ${r.route.method} ${r.route.path.startsWith('/exports/') ? '/exports/{id}' : r.route.path}`,
        method: r.route.method,
        target: `${r.route.path}${queryString(r.query, r.raw)}`,
        headers,
        body: withBody ? r.body : Buffer.alloc(0),
        shapes: ['api'],
      };
    });
};

// ---- All of them ---------------------------------------------------------------------------------------------

/** How many requests of each kind a run sends, per 1000. */
const MIX = { api: 220, elasticache: 200, sns: 150, s3: 250, states: 180 } as const;

/** `count` requests for every service and the API, reproducibly from `seed`, interleaved. */
export const fuzzRequests = (facts: StackFacts, seed: number, count: number): FuzzRequest[] => {
  const arbitraries: Record<keyof typeof MIX, fc.Arbitrary<FuzzRequest>> = {
    api: apiRequest(facts),
    elasticache: queryRequest(ELASTICACHE, facts),
    sns: queryRequest(SNS, facts),
    s3: s3Request(facts),
    states: sfnRequest(facts),
  };
  const weighted = fc.oneof(
    ...Object.entries(MIX).map(([kind, weight]) => ({ arbitrary: arbitraries[kind as keyof typeof MIX], weight })),
  );
  return fc.sample(weighted, { seed, numRuns: count });
};

// ---- The oracle ----------------------------------------------------------------------------------------------

export interface FuzzAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

const xml = new XMLParser({
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  processEntities: false,
});

const parseXmlBody = (body: Buffer): Record<string, unknown> | undefined => {
  try {
    const parsed = xml.parse(body.toString('utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

const parseJsonBody = (body: Buffer): unknown => {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
};

const child = (node: unknown, name: string): unknown =>
  typeof node === 'object' && node !== null && Object.hasOwn(node, name)
    ? (node as Record<string, unknown>)[name]
    : undefined;

const nonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** Whether a 4xx body is an error in this shape, per each protocol's error document. */
export const isErrorIn = (shape: Shape, body: Buffer): boolean => {
  switch (shape) {
    case 'query': {
      // <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>
      const error = child(child(parseXmlBody(body), 'ErrorResponse'), 'Error');
      return nonEmptyString(child(error, 'Code')) && typeof child(error, 'Message') === 'string';
    }
    case 's3':
      // <Error><Code/><Message/>…<RequestId/></Error>
      return nonEmptyString(child(child(parseXmlBody(body), 'Error'), 'Code'));
    case 'json': {
      // {"__type": "...", "message": "..."} (the SDK's JSON error parsers also read "Message")
      const parsed = parseJsonBody(body);
      const message = child(parsed, 'message') ?? child(parsed, 'Message');
      return nonEmptyString(child(parsed, '__type')) && typeof message === 'string';
    }
    case 'api': {
      // DESIGN.md: { "error": { "code", "message" } }
      const error = child(parseJsonBody(body), 'error');
      return nonEmptyString(child(error, 'code')) && typeof child(error, 'message') === 'string';
    }
  }
};

/** Whether a 2xx body is a success document in this shape (S3 objects are whatever was stored). */
const isSuccessIn = (shape: Shape, answer: FuzzAnswer): boolean => {
  switch (shape) {
    case 'query': {
      const root = parseXmlBody(answer.body);
      return (
        root !== undefined && Object.keys(root).some((name) => name.endsWith('Response') && name !== 'ErrorResponse')
      );
    }
    case 's3':
      return true;
    case 'json':
    case 'api': {
      const parsed = parseJsonBody(answer.body);
      return typeof parsed === 'object' && parsed !== null;
    }
  }
};

/** The error code of an answer in any AWS shape, for the report. */
export const errorCodeOf = (body: Buffer): string | undefined => {
  const fromXml = parseXmlBody(body);
  const code = child(child(child(fromXml, 'ErrorResponse'), 'Error'), 'Code') ?? child(child(fromXml, 'Error'), 'Code');
  if (nonEmptyString(code)) return code;
  const parsed = parseJsonBody(body);
  const type = child(parsed, '__type') ?? child(child(parsed, 'error'), 'code');
  return nonEmptyString(type) ? type : undefined;
};

// S3's subresources that name an operation (the S3 API Reference lists them with each operation; SigV2's signing
// docs list the classic ones). An emulator may not emulate every one: S3's own 501 NotImplemented is then the honest
// answer. Other query parameters (list arguments on an object, `x-id`, names S3 does not know) S3 ignores.
const S3_OPERATION_SUBRESOURCES = new Set([
  'acl',
  'accelerate',
  'analytics',
  'attributes',
  'cors',
  'delete',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'lifecycle',
  'location',
  'logging',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'partNumber',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'restore',
  'retention',
  'select',
  'session',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
]);
const S3_METHODS_SERVED = new Set(['GET', 'PUT', 'HEAD', 'DELETE', 'POST']);

/**
 * Whether S3's 501 NotImplemented fits: a real operation not emulated: a subresource, PostObject, another method, a
 * copy (`x-amz-copy-source` makes a PUT CopyObject or UploadPartCopy), or a method other than GET on the service root.
 */
const mayBeNotEmulated = (request: FuzzRequest): boolean => {
  if (!S3_METHODS_SERVED.has(request.method) || request.method === 'POST') return true;
  if (request.headers.some(([name]) => name.toLowerCase() === 'x-amz-copy-source')) return true;
  const path = request.target.split('?')[0] ?? '';
  if (request.method !== 'GET' && (path === '/' || path === '')) return true;
  const queryStart = request.target.indexOf('?');
  const names = [...new URLSearchParams(queryStart === -1 ? '' : request.target.slice(queryStart + 1)).keys()];
  return names.some((name) => S3_OPERATION_SUBRESOURCES.has(name));
};

/** Why an answer is not AWS-shaped for this request, or undefined when it is. */
export const verdictOf = (request: FuzzRequest, answer: FuzzAnswer): string | undefined => {
  const { status } = answer;
  const notImplemented =
    request.method === 'HEAD' || (errorCodeOf(answer.body) === 'NotImplemented' && isErrorIn('s3', answer.body));
  if (status === 501 && request.shapes.includes('s3') && notImplemented) {
    return mayBeNotEmulated(request) ? undefined : '501 NotImplemented for query parameters S3 ignores';
  }
  if (status >= 500) return `${status} ${errorCodeOf(answer.body) ?? '(no AWS error code)'}`;
  if (status < 200) return `status ${status}`;
  // HEAD answers carry no body, errors included (S3's HEAD errors are status only).
  if (request.method === 'HEAD') return undefined;
  if (status < 300) {
    return request.shapes.some((shape) => isSuccessIn(shape, answer))
      ? undefined
      : `${status} with a body not in ${request.shapes.join(' | ')}`;
  }
  if (status < 400) return undefined;
  // API Gateway's own 413 is { "message": "Request Too Long" }.
  if (request.server === 'api' && status === 413 && nonEmptyString(child(parseJsonBody(answer.body), 'message'))) {
    return undefined;
  }
  return request.shapes.some((shape) => isErrorIn(shape, answer.body))
    ? undefined
    : `${status} ${errorCodeOf(answer.body) ?? ''} with a body that is no error in ${request.shapes.join(' | ')}`;
};

// ---- Fixed cases: every prototype name in every place a request can carry a name, and deep nesting -------------

/** Nesting depths of the fixed deep cases (the largest is over Step Functions' 256 KiB input quota). */
const DEEP_EXECUTION_DEPTHS = [1_000, 10_000, 100_000] as const;

/**
 * Requests that are not left to chance: each prototype name as a header, a query parameter, a path segment, an
 * action or target and a JSON key, for every service and the API; and bodies nested deeper than any sane client
 * sends, where a recursive parser or serializer would overflow its stack.
 */
export const fixedRequests = (facts: StackFacts): FuzzRequest[] => {
  const signedFor = (service: string): Signing => ({ accessKeyId: facts.accountId, region: facts.region, service });
  const form = (pairs: Array<[string, string]>): Buffer => Buffer.from(new URLSearchParams(pairs).toString());
  const FORM: [string, string] = ['content-type', 'application/x-www-form-urlencoded; charset=utf-8'];
  const JSON_10: [string, string] = ['content-type', 'application/x-amz-json-1.0'];
  const query = (
    service: 'elasticache' | 'sns',
    pairs: Array<[string, string]>,
    headers: Array<[string, string]> = [],
  ) => ({
    server: 'aws' as const,
    label: `${service} fixed`,
    method: 'POST',
    target: '/',
    headers: [FORM, ...headers],
    body: form([['Version', service === 'sns' ? SNS.version : ELASTICACHE.version], ...pairs]),
    signing: signedFor(service),
    shapes: ['query'] as Shape[],
  });
  const states = (target: string, body: string, headers: Array<[string, string]> = []): FuzzRequest => ({
    server: 'aws',
    label: 'states fixed',
    method: 'POST',
    target: '/',
    headers: [['x-amz-target', `AWSStepFunctions.${target}`], JSON_10, ...headers],
    body: Buffer.from(body),
    signing: signedFor('states'),
    shapes: ['json'],
  });
  const s3 = (method: string, target: string, body = '', headers: Array<[string, string]> = []): FuzzRequest => ({
    server: 'aws',
    label: `s3 ${method} fixed`,
    method,
    target,
    headers,
    body: Buffer.from(body),
    signing: signedFor('s3'),
    shapes: ['s3'],
  });
  const api = (method: string, target: string, body = '', headers: Array<[string, string]> = []): FuzzRequest => ({
    server: 'api',
    label: `api ${method} fixed`,
    method,
    target,
    headers: body ? [['content-type', 'application/json'], ...headers] : headers,
    body: Buffer.from(body),
    shapes: ['api'],
  });
  const exportRequest = JSON.stringify({ sourceSnapshotName: facts.snapshotName, targetBucket: facts.bucket });
  const requests: FuzzRequest[] = [];
  for (const name of PROTOTYPE_NAMES) {
    const header: [string, string] = [name, 'x'];
    const key = encode(name);
    requests.push(
      api('GET', `/exports?${key}=1`),
      api('GET', '/exports', '', [header]),
      api('GET', `/exports/${key}`, '', [header]),
      api('POST', `/exports?${key}=1`, exportRequest, [header]),
      api('POST', '/exports', `{"${name}":{"polluted":true},"sourceSnapshotName":"${facts.snapshotName}"}`),
      query('elasticache', [['Action', name]]),
      query(
        'elasticache',
        [
          ['Action', 'DescribeSnapshots'],
          [name, '1'],
        ],
        [header],
      ),
      query('elasticache', [
        ['Action', 'DescribeSnapshots'],
        ['SnapshotName', name],
      ]),
      query('sns', [['Action', name]]),
      query(
        'sns',
        [
          ['Action', 'ListTopics'],
          [name, '1'],
        ],
        [header],
      ),
      query('sns', [
        ['Action', 'GetTopicAttributes'],
        ['TopicArn', `${facts.topicArn.replace(/:[^:]+$/, ':')}${name}`],
      ]),
      query('sns', [
        ['Action', 'Publish'],
        ['TopicArn', facts.topicArn],
        ['Message', 'hello'],
        [`MessageAttributes.entry.1.Name`, name],
        [`MessageAttributes.entry.1.Value.DataType`, 'String'],
        [`MessageAttributes.entry.1.Value.StringValue`, name],
      ]),
      states(name, '{}'),
      states('DescribeStateMachine', `{"stateMachineArn":${JSON.stringify(facts.stateMachineArn)},"${name}":1}`, [
        header,
      ]),
      states('DescribeStateMachine', `{"__proto__":{"stateMachineArn":${JSON.stringify(facts.stateMachineArn)}}}`),
      states('ListExecutions', `{"stateMachineArn":${JSON.stringify(facts.stateMachineArn)},"statusFilter":"${name}"}`),
      s3('GET', `/${facts.bucket}/${key}`, '', [header]),
      s3('PUT', `/${facts.bucket}/fuzz/${key}`, 'body', [header, [`x-amz-meta-${name.toLowerCase()}`, name]]),
      s3('GET', `/${facts.bucket}?list-type=2&prefix=${key}&${key}=1`),
      s3('PUT', `/${facts.bucket}?acl`, '', [['x-amz-grant-read', `id="${name}"`]]),
    );
  }
  // Resources named by a prototype name (where the service's naming rules allow it): made, then used.
  for (const name of PROTOTYPE_NAMES) {
    const topicArn = `${facts.topicArn.replace(/:[^:]+$/, ':')}${name}`;
    const bucket = name.toLowerCase().replace(/_/g, '');
    requests.push(
      query('sns', [
        ['Action', 'CreateTopic'],
        ['Name', name],
      ]),
      query('sns', [
        ['Action', 'Publish'],
        ['TopicArn', topicArn],
        ['Message', 'hello'],
      ]),
      query('sns', [
        ['Action', 'Subscribe'],
        ['TopicArn', topicArn],
        ['Protocol', 'sqs'],
        ['Endpoint', `arn:aws:sqs:${facts.region}:${facts.accountId}:${name}`],
      ]),
      query('sns', [
        ['Action', 'ListSubscriptionsByTopic'],
        ['TopicArn', topicArn],
      ]),
      query('sns', [
        ['Action', 'DeleteTopic'],
        ['TopicArn', topicArn],
      ]),
      query('elasticache', [
        ['Action', 'CreateSnapshot'],
        ['ReplicationGroupId', facts.replicationGroupId],
        ['SnapshotName', name],
      ]),
      query('elasticache', [
        ['Action', 'DescribeSnapshots'],
        ['SnapshotName', name],
      ]),
      query('elasticache', [
        ['Action', 'CreateReplicationGroup'],
        ['ReplicationGroupId', name],
        ['ReplicationGroupDescription', name],
      ]),
      query('elasticache', [
        ['Action', 'DescribeReplicationGroups'],
        ['ReplicationGroupId', name],
      ]),
      query('elasticache', [
        ['Action', 'CopySnapshot'],
        ['SourceSnapshotName', facts.snapshotName],
        ['TargetSnapshotName', name],
        ['TargetBucket', facts.bucket],
      ]),
      s3('PUT', `/${bucket}`),
      s3('PUT', `/${bucket}/${encode(name)}`, name),
      s3('GET', `/${bucket}?list-type=2`),
      s3('GET', `/${bucket}/${encode(name)}`, '', [['range', 'bytes=0-2']]),
      s3('PUT', `/${facts.bucket}/fuzz/${encode(name)}-copy`, '', [
        ['x-amz-copy-source', `/${bucket}/${encode(name)}`],
      ]),
      states('StartExecution', JSON.stringify({ stateMachineArn: facts.stateMachineArn, name, input: '{}' })),
      states(
        'DescribeExecution',
        JSON.stringify({ executionArn: `${facts.stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}` }),
      ),
      api('GET', `/exports/${encode(name)}`),
    );
  }
  for (const depth of DEEP_EXECUTION_DEPTHS) {
    const deepArray = deeplyNested(depth, 'array');
    const deepObject = deeplyNested(depth, 'object');
    const deepXmlBody = `<Delete>${'<Object>'.repeat(depth)}<Key>a</Key>${'</Object>'.repeat(depth)}</Delete>`;
    requests.push(
      api('POST', '/exports', deepArray),
      api('POST', '/exports', deepObject),
      states('ListStateMachines', deepObject),
      states('StartExecution', deepArray),
      states(
        'StartExecution',
        JSON.stringify({ stateMachineArn: facts.stateMachineArn, name: `fuzz-deep-${depth}`, input: deepObject }),
      ),
      s3('POST', `/${facts.bucket}?delete`, deepXmlBody),
      s3(
        'PUT',
        `/${facts.bucket}?acl`,
        `<AccessControlPolicy>${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}</AccessControlPolicy>`,
      ),
      query('sns', [
        ['Action', 'Publish'],
        ['TopicArn', facts.topicArn],
        ['MessageStructure', 'json'],
        ['Message', `{"default":${deepArray}}`],
      ]),
    );
  }
  return requests;
};

/**
 * Requests sent after all the others, about what they left behind: the exports views of the executions that
 * fixedRequests started through Step Functions directly, with deeply nested input (as a scheduled run or a person
 * with states:StartExecution may start one).
 */
export const followUpRequests = (): FuzzRequest[] =>
  DEEP_EXECUTION_DEPTHS.flatMap((depth): FuzzRequest[] => [
    {
      server: 'api',
      label: 'api GET follow-up',
      method: 'GET',
      target: `/exports/fuzz-deep-${depth}`,
      headers: [],
      body: Buffer.alloc(0),
      shapes: ['api'],
    },
  ]).concat([
    {
      server: 'api',
      label: 'api GET follow-up',
      method: 'GET',
      target: '/exports?limit=100',
      headers: [],
      body: Buffer.alloc(0),
      shapes: ['api'],
    },
  ]);
