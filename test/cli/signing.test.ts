// The deployed API's auth: every request SigV4-signed for execute-api with the SDK's credential chain, against a local
// server that recomputes the signature with the SDK's own signer (@smithy/signature-v4) and compares the
// Authorization header; and the endpoint found in the stack's CloudFormation outputs (DescribeStacks, stubbed).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import type { QueryParameterBag } from '@smithy/types';
import { regionOfApiUrl } from '../../cli/endpoint';
import { type RecordedRequest, type StubServer, startStubServer } from './local-server';
import { jsonOf, runCli } from './run-cli';

const REGION = 'eu-west-1';
/** The identities the server knows, by access key id: what a real caller's secret is, API Gateway knows too. */
const SECRETS: Record<string, string> = { AKIDENVIRONMENT: 'environment-secret', AKIDPROFILE: 'profile-secret' };

interface Verified {
  request: RecordedRequest;
  accessKeyId: string;
  region: string;
  sessionToken?: string;
}

/** Recomputes the request's signature with the SDK's signer; the access key id, Region and verdict. */
const verify = async (request: RecordedRequest): Promise<Verified | string> => {
  const authorization = String(request.headers.authorization ?? '');
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}$/.exec(
      authorization,
    );
  if (!match) return `not a SigV4 Authorization header: ${authorization || '(none)'}`;
  const [, accessKeyId = '', , region = '', service = '', signedHeaderList = ''] = match;
  if (service !== 'execute-api') return `signed for ${service}, not execute-api`;
  const secret = SECRETS[accessKeyId];
  if (!secret) return `unknown access key ${accessKeyId}`;
  const url = new URL(request.url, `http://${request.headers.host}`);
  const query: QueryParameterBag = {};
  for (const [name, value] of url.searchParams) query[name] = value;
  const headers: Record<string, string> = {};
  for (const name of signedHeaderList.split(';')) headers[name] = String(request.headers[name] ?? '');
  const sessionToken = request.headers['x-amz-security-token'];
  const signer = new SignatureV4({
    service: 'execute-api',
    region,
    credentials: { accessKeyId, secretAccessKey: secret, ...(typeof sessionToken === 'string' && { sessionToken }) },
    sha256: Sha256,
  });
  const amzDate = String(request.headers['x-amz-date']);
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const expected = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query,
      headers,
      body: request.body === '' ? undefined : request.body,
    },
    { signingDate },
  );
  if (expected.headers.authorization !== authorization) return 'The request signature we calculated does not match';
  return { request, accessKeyId, region, ...(typeof sessionToken === 'string' && { sessionToken }) };
};

const OUTCOME = {
  version: 1,
  exportId: 'nightly-exports-3f2a9c1b7d40',
  status: 'SUCCEEDED',
  sourceSnapshotName: 'nightly',
  targetSnapshotName: 'nightly',
  targetBucket: 'gov-exports',
  objects: [{ key: 'nightly.rdb', size: 2048 }],
  snapshot: { engine: 'valkey', engineVersion: '8.0', cacheClusterId: 'c1', numNodeGroups: 1 },
  startedAt: '2026-11-25T03:00:00.000Z',
  finishedAt: '2026-11-25T03:02:00.000Z',
  durationSeconds: 120,
};

const describeStacksXml = (
  endpoint: string,
) => `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">
  <DescribeStacksResult><Stacks><member>
    <StackName>elasticache-snapshot-export-prod</StackName>
    <StackId>arn:aws:cloudformation:${REGION}:123456789012:stack/elasticache-snapshot-export-prod/1</StackId>
    <CreationTime>2026-11-01T00:00:00Z</CreationTime>
    <StackStatus>UPDATE_COMPLETE</StackStatus>
    <Outputs><member><OutputKey>ServiceEndpoint</OutputKey><OutputValue>${endpoint}/prod</OutputValue></member></Outputs>
  </member></Stacks></DescribeStacksResult>
  <ResponseMetadata><RequestId>cfn-1</RequestId></ResponseMetadata>
</DescribeStacksResponse>`;

let server: StubServer;
const verified: Verified[] = [];
const cloudFormationCalls: string[] = [];
let workDir: string;

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'cli-signing-'));
  server = await startStubServer(async (request) => {
    if (request.url === '/' && request.method === 'POST') {
      cloudFormationCalls.push(request.body);
      return { status: 200, body: describeStacksXml(server.url), contentType: 'text/xml' };
    }
    const verdict = await verify(request);
    if (typeof verdict === 'string') return { status: 403, body: { message: verdict } };
    verified.push(verdict);
    const url = new URL(request.url, 'http://stub');
    if (request.method === 'GET' && url.pathname === '/prod/exports') return { status: 200, body: { exports: [] } };
    if (request.method === 'POST' && url.pathname === '/prod/exports') {
      return {
        status: 202,
        body: { exportId: 'signed-export-0123456789ab', status: 'RUNNING', request: JSON.parse(request.body) },
      };
    }
    if (request.method === 'GET' && url.pathname === `/prod/exports/${OUTCOME.exportId}`) {
      return {
        status: 200,
        body: { exportId: OUTCOME.exportId, status: 'SUCCEEDED', startedAt: OUTCOME.startedAt, outcome: OUTCOME },
      };
    }
    return { status: 404, body: { message: 'Missing Authentication Token' } };
  });
});

afterAll(async () => {
  await server.close();
  rmSync(workDir, { recursive: true, force: true });
});

beforeEach(() => {
  verified.length = 0;
  cloudFormationCalls.length = 0;
  // The SDK's credential chain reads the process environment and the shared files; nothing of the developer's.
  process.env.AWS_CONFIG_FILE = path.join(workDir, 'no-config');
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(workDir, 'no-credentials');
  process.env.AWS_ACCESS_KEY_ID = 'AKIDENVIRONMENT';
  process.env.AWS_SECRET_ACCESS_KEY = SECRETS.AKIDENVIRONMENT;
  process.env.AWS_SESSION_TOKEN = 'environment-session-token';
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_ENDPOINT_URL_CLOUDFORMATION;
});

it('signs GET and POST requests for execute-api with the environment credentials, as the SDK signer verifies', async () => {
  // Act
  const listed = await runCli(['--endpoint', `${server.url}/prod`, '--region', REGION, 'list', '--status', 'FAILED']);
  const started = await runCli([
    '--endpoint',
    `${server.url}/prod/`,
    '--region',
    REGION,
    'export',
    '--cluster',
    'c1',
    '--bucket',
    'gov-exports',
  ]);

  // Assert
  expect({ code: listed.code, stderr: listed.stderr }).toEqual({ code: 0, stderr: '' });
  expect(listed.stdout).toBe('No exports.\n');
  expect({ code: started.code, stdout: started.stdout }).toEqual({ code: 0, stdout: 'signed-export-0123456789ab\n' });
  expect(
    verified.map((call) => [call.request.method, call.request.url, call.accessKeyId, call.region, call.sessionToken]),
  ).toEqual([
    ['GET', '/prod/exports?status=FAILED', 'AKIDENVIRONMENT', REGION, 'environment-session-token'],
    ['POST', '/prod/exports', 'AKIDENVIRONMENT', REGION, 'environment-session-token'],
  ]);
  expect(JSON.parse(verified[1]?.request.body ?? '')).toEqual({ cacheClusterId: 'c1', targetBucket: 'gov-exports' });
});

it("signs with the named profile's credentials with --profile", async () => {
  // Arrange
  const credentials = path.join(workDir, 'credentials');
  writeFileSync(
    credentials,
    '[exports-operator]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n',
  );
  process.env.AWS_SHARED_CREDENTIALS_FILE = credentials;
  delete process.env.AWS_ACCESS_KEY_ID;
  delete process.env.AWS_SECRET_ACCESS_KEY;
  delete process.env.AWS_SESSION_TOKEN;

  // Act
  const result = await runCli([
    '--endpoint',
    `${server.url}/prod`,
    '--region',
    REGION,
    '--profile',
    'exports-operator',
    'list',
    '--json',
  ]);

  // Assert
  expect(result.code).toBe(0);
  expect(jsonOf(result)).toEqual({ exports: [] });
  expect(verified.map((call) => [call.accessKeyId, call.sessionToken])).toEqual([['AKIDPROFILE', undefined]]);
});

it("finds the API in the stack's ServiceEndpoint output for --stage and --region", async () => {
  // Arrange
  process.env.AWS_ENDPOINT_URL_CLOUDFORMATION = server.url;

  // Act
  const result = await runCli(['--stage', 'prod', '--region', REGION, 'list']);

  // Assert
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
  expect(cloudFormationCalls).toHaveLength(1);
  expect(new URLSearchParams(cloudFormationCalls[0]).get('StackName')).toBe('elasticache-snapshot-export-prod');
  expect(verified.map((call) => call.request.url)).toEqual(['/prod/exports']);
});

it('exits 1 and points at the credentials when the API refuses the signature', async () => {
  // Arrange
  process.env.AWS_SECRET_ACCESS_KEY = 'not-the-secret';

  // Act
  const result = await runCli(['--endpoint', `${server.url}/prod`, '--region', REGION, 'list']);

  // Assert
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('Forbidden (HTTP 403): The request signature we calculated does not match');
  expect(result.stderr).toContain(
    `signed for execute-api in ${REGION}; check the credentials (--profile, AWS_PROFILE)`,
  );
});

it("builds restore ARNs in the partition of the API's Region", async () => {
  // Act
  const result = await runCli([
    '--endpoint',
    `${server.url}/prod`,
    '--region',
    'us-gov-west-1',
    'restore-command',
    OUTCOME.exportId,
  ]);

  // Assert
  expect(result.code).toBe(0);
  expect(result.stdout).toContain(
    "aws elasticache create-replication-group \\\n  --replication-group-id '<new-replication-group-id>'",
  );
  expect(result.stdout).toContain(
    "aws elasticache create-cache-cluster \\\n  --cache-cluster-id '<new-cache-cluster-id>'",
  );
  expect(result.stdout).toContain('  --engine valkey \\\n  --engine-version 8.0 \\');
  expect(result.stdout).toContain(
    '  --snapshot-arns arn:aws-us-gov:s3:::gov-exports/nightly.rdb \\\n  --region us-gov-west-1',
  );
  expect(result.stdout).not.toContain('--num-node-groups');
  expect(verified[0]?.region).toBe('us-gov-west-1');
});

it('reads the Region from an API Gateway URL', () => {
  // Assert
  expect(regionOfApiUrl('https://a1b2c3.execute-api.eu-west-1.amazonaws.com/prod')).toBe('eu-west-1');
  expect(regionOfApiUrl('https://a1b2c3.execute-api.cn-north-1.amazonaws.com.cn/prod')).toBe('cn-north-1');
  expect(regionOfApiUrl('https://exports.example.com/prod')).toBeUndefined();
});
