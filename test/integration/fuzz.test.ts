// The fuzz test of the whole local stack: thousands of random and mutated requests (fast-check, fixed seed) to
// every emulated service (ElastiCache and SNS query/XML, S3 REST/XML, Step Functions JSON 1.0) and to the local
// API, most SigV4-signed with random access key ids, some unsigned or oddly signed. Every answer must be AWS-shaped
// for its service (a 2xx/3xx, or an error in that service's wire format), never a 5xx; the process must stay up,
// the health endpoint must answer during and after the run, and nothing may reject or throw unhandled.
//
// Replay: FUZZ_SEED=<seed> FUZZ_REQUESTS=<n> npx jest test/integration/fuzz.test.ts (FUZZ_VERBOSE=1 prints what the run met).
import http from 'node:http';
import vm from 'node:vm';
import { sleep } from '../support/waiting';
import {
  errorCodeOf,
  type FuzzAnswer,
  type FuzzRequest,
  fixedRequests,
  followUpRequests,
  fuzzRequests,
  type StackFacts,
  signedHeaders,
  verdictOf,
} from './fuzz-requests';
import { type StackHarness, startStackHarness } from './stack-harness';

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 3000);
/** Requests in flight at once: enough to interleave handlers and services, few enough for a loaded 2-core machine. */
const CONCURRENCY = 8;
const REQUEST_TIMEOUT_MS = 10_000;
const HEALTH_INTERVAL_MS = 250;
/** Longest the run waits for the executions it started to end before checking the process (real ms). */
const SETTLE_MS = 5_000;
/** Distinct findings printed in full (the rest are counted). */
const PRINTED_FINDINGS = 25;

interface Address {
  host: string;
  port: number;
}

interface Finding {
  index: number;
  request: FuzzRequest;
  verdict: string;
  answer?: FuzzAnswer;
}

const addressOf = (url: string): Address => {
  const { hostname, port } = new URL(url);
  return { host: hostname, port: Number(port) };
};

/** Sends one request exactly as generated (raw target, header pairs in order) and reads the whole answer. */
const send = async (request: FuzzRequest, address: Address, agent: http.Agent): Promise<FuzzAnswer> => {
  const host = `${request.hostPrefix ?? address.host}:${address.port}`;
  const headers: string[] = ['Host', host];
  for (const [name, value] of request.headers) headers.push(name, value);
  if (request.signing) {
    for (const [name, value] of await signedHeaders(request, host, request.signing)) headers.push(name, value);
  } else if (request.authorization !== undefined) {
    headers.push('Authorization', request.authorization);
  }
  if (request.body.length > 0 || request.method === 'POST' || request.method === 'PUT') {
    headers.push('Content-Length', String(request.body.length));
  }
  return new Promise<FuzzAnswer>((resolve, reject) => {
    const outgoing = http.request(
      { host: address.host, port: address.port, method: request.method, path: request.target, headers, agent },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () =>
          resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks) }),
        );
        incoming.on('error', reject);
      },
    );
    outgoing.setTimeout(REQUEST_TIMEOUT_MS, () =>
      outgoing.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)),
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
};

const preview = (body: Buffer, length = 300): string => JSON.stringify(body.subarray(0, length).toString('utf8'));

const describeRequest = (request: FuzzRequest): string =>
  [
    `${request.method} ${request.server === 'api' ? 'API' : 'AWS'} ${request.target.slice(0, 300)}`,
    request.signing
      ? `signed ${request.signing.accessKeyId}/${request.signing.region}/${request.signing.service}`
      : request.authorization !== undefined
        ? `Authorization: ${JSON.stringify(request.authorization.slice(0, 120))}`
        : 'unsigned',
    request.hostPrefix ? `Host: ${request.hostPrefix}` : '',
    `headers ${JSON.stringify(request.headers.map(([name, value]) => [name, value.slice(0, 80)]))}`,
    `body (${request.body.length} bytes) ${preview(request.body)}`,
  ]
    .filter(Boolean)
    .join('\n      ');

const authOf = (request: FuzzRequest): string => {
  if (request.server === 'api') return 'no auth';
  if (request.authorization !== undefined) return 'odd Authorization';
  if (!request.signing) return 'unsigned';
  return request.shapes.length > 1 ? `signed for ${request.signing.service}` : 'signed';
};

/** The findings grouped by generator and verdict, each group with its first request in full. */
const reportOf = (findings: Finding[], total: number): string => {
  if (findings.length === 0) return '';
  const groups = new Map<string, Finding[]>();
  for (const finding of findings) {
    const key = `${finding.request.label} (${authOf(finding.request)}) -> ${finding.verdict}`;
    groups.set(key, [...(groups.get(key) ?? []), finding]);
  }
  const lines = [
    `${findings.length} of ${total} requests were not answered AWS-shaped (seed ${SEED}; replay with FUZZ_SEED=${SEED} FUZZ_REQUESTS=${REQUESTS}):`,
  ];
  // The most telling first: anything but the one recurring S3 finding, then the biggest groups.
  const ordered = [...groups].sort(
    ([keyA, a], [keyB, b]) =>
      Number(keyA.includes('501 NotImplemented')) - Number(keyB.includes('501 NotImplemented')) || b.length - a.length,
  );
  for (const [key, group] of ordered.slice(0, PRINTED_FINDINGS)) {
    const [first] = group;
    if (!first) continue;
    lines.push(`  ${group.length}× ${key}`);
    lines.push(`    request #${first.index}: ${describeRequest(first.request)}`);
    if (first.answer) lines.push(`    answer: ${first.answer.status} ${preview(first.answer.body)}`);
  }
  if (groups.size > PRINTED_FINDINGS) lines.push(`  … and ${groups.size - PRINTED_FINDINGS} more kinds`);
  return lines.join('\n');
};

// Jest gives each test file a copy of `process` whose events never fire; an unhandled rejection or uncaught
// exception of the stack (which runs in this process) reaches the real one, the main context's global.
const realProcess = vm.runInThisContext('process') as NodeJS.Process;
const processErrors: string[] = [];
const onUnhandledRejection = (reason: unknown) => {
  processErrors.push(
    `unhandledRejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`,
  );
};
const onUncaughtException = (error: Error) => {
  processErrors.push(`uncaughtException: ${error.stack ?? error.message}`);
};

describe('the oracle', () => {
  const request = (overrides: Partial<FuzzRequest>): FuzzRequest => ({
    server: 'aws',
    label: 'oracle',
    method: 'POST',
    target: '/',
    headers: [],
    body: Buffer.alloc(0),
    shapes: ['query'],
    ...overrides,
  });
  const answer = (status: number, body: string): FuzzAnswer => ({ status, headers: {}, body: Buffer.from(body) });
  const queryError = (code: string) =>
    `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>m</Message></Error><RequestId>r</RequestId></ErrorResponse>`;
  const s3Error = (code: string) => `<?xml version="1.0"?><Error><Code>${code}</Code><Message>m</Message></Error>`;

  it.each([
    ['a query error', request({}), answer(400, queryError('InvalidAction'))],
    ['a query success', request({}), answer(200, '<DescribeSnapshotsResponse><x/></DescribeSnapshotsResponse>')],
    ['an S3 error', request({ shapes: ['s3'] }), answer(404, s3Error('NoSuchKey'))],
    ['an S3 redirect', request({ shapes: ['s3'] }), answer(301, s3Error('PermanentRedirect'))],
    ['a JSON error', request({ shapes: ['json'] }), answer(400, '{"__type":"InvalidArn","message":"m"}')],
    ['an API error', request({ server: 'api', shapes: ['api'] }), answer(404, '{"error":{"code":"X","message":"m"}}')],
    [
      'an unsigned request refused in S3 shape',
      request({ shapes: ['query', 's3', 'json'] }),
      answer(403, s3Error('AccessDenied')),
    ],
    ['a HEAD error, which has no body', request({ method: 'HEAD', shapes: ['s3'] }), answer(404, '')],
    [
      'S3 NotImplemented for a real subresource',
      request({ target: '/b?uploads', shapes: ['s3'] }),
      answer(501, s3Error('NotImplemented')),
    ],
  ])('accepts %s', (_case, fuzzed, answered) => {
    // Act
    const verdict = verdictOf(fuzzed, answered);

    // Assert
    expect(verdict).toBeUndefined();
  });

  it.each([
    ['a 500 InternalFailure, even AWS-shaped', request({}), answer(500, queryError('InternalFailure'))],
    [
      'a 503 in the right shape',
      request({ shapes: ['json'] }),
      answer(503, '{"__type":"ServiceUnavailable","message":"m"}'),
    ],
    ['an API 502', request({ server: 'api', shapes: ['api'] }), answer(502, '{"message":"Internal server error"}')],
    ['a query error in S3 shape', request({}), answer(400, s3Error('InvalidAction'))],
    ['a JSON error without __type', request({ shapes: ['json'] }), answer(400, '{"message":"m"}')],
    ['an HTML error page', request({ shapes: ['s3'] }), answer(400, '<html><body>Bad Request</body></html>')],
    [
      'an API error not in DESIGN.md shape',
      request({ server: 'api', shapes: ['api'] }),
      answer(400, '{"message":"m"}'),
    ],
    ['a query success that is not XML', request({}), answer(200, 'ok')],
    [
      'S3 NotImplemented for a parameter S3 ignores',
      request({ method: 'GET', target: '/b/k?constructor=1', shapes: ['s3'] }),
      answer(501, s3Error('NotImplemented')),
    ],
  ])('flags %s', (_case, fuzzed, answered) => {
    // Act
    const verdict = verdictOf(fuzzed, answered);

    // Assert
    expect(verdict).toEqual(expect.any(String));
  });
});

describe('the local stack under fuzzing', () => {
  let harness: StackHarness | undefined;

  beforeAll(async () => {
    realProcess.on('unhandledRejection', onUnhandledRejection);
    realProcess.on('uncaughtException', onUncaughtException);
    harness = await startStackHarness();
  }, 60_000);

  afterAll(async () => {
    try {
      await harness?.stop();
    } finally {
      realProcess.off('unhandledRejection', onUnhandledRejection);
      realProcess.off('uncaughtException', onUncaughtException);
    }
    // Stopping aborts the executions the fuzzing started: that must not reject or throw unhandled either.
    if (processErrors.length > 0) throw new Error(`While the stack stopped:\n${processErrors.join('\n')}`);
  });

  it(`answers fixed edge cases and ${REQUESTS} random and mutated requests AWS-shaped, never with a 5xx, and stays up`, async () => {
    // Arrange
    if (!harness) throw new Error('The local stack did not start');
    const { stack } = harness;
    const facts: StackFacts = {
      accountId: stack.config.accountId,
      region: stack.config.region,
      bucket: stack.config.bucket,
      snapshotName: stack.config.snapshotName,
      replicationGroupId: stack.config.replicationGroupId,
      topicArn: stack.topicArn,
      stateMachineArn: stack.stateMachineArn,
    };
    const requests = [...fixedRequests(facts), ...fuzzRequests(facts, SEED, REQUESTS)];
    const addresses = { aws: addressOf(stack.awsUrl), api: addressOf(stack.apiUrl) };
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const findings: Finding[] = [];
    const statuses: number[] = [];
    const codes = new Map<string, number>();
    const healthFailures: string[] = [];
    const health = async (when: string): Promise<void> => {
      try {
        const response = await fetch(`${stack.awsUrl}/_local/health`, {
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
        const body = (await response.json()) as { status?: string };
        if (response.status !== 200 || body.status !== 'ok') healthFailures.push(`${when}: ${response.status}`);
      } catch (error) {
        healthFailures.push(`${when}: ${error instanceof Error ? error.message : String(error)}`);
      }
    };
    let sent = 0;
    let running = true;
    const poller = (async () => {
      while (running) {
        await sleep(HEALTH_INTERVAL_MS);
        await health(`during the run, after ${sent} requests`);
      }
    })();
    const startedAt = Date.now();

    // Act
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < requests.length) {
        const index = next++;
        const request = requests[index];
        if (!request) break;
        try {
          const answer = await send(request, addresses[request.server], agent);
          statuses[index] = answer.status;
          if (process.env.FUZZ_VERBOSE) {
            const kind = `${request.label} ${answer.status} ${errorCodeOf(answer.body) ?? ''}`;
            codes.set(kind, (codes.get(kind) ?? 0) + 1);
          }
          const verdict = verdictOf(request, answer);
          if (verdict) findings.push({ index, request, verdict, answer });
        } catch (error) {
          findings.push({
            index,
            request,
            verdict: `no answer: ${error instanceof Error ? error.message : String(error)}`,
          });
        }
        sent++;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    // Let the executions the requests started run on (a fast time scale ends most within a second).
    const settleBy = Date.now() + SETTLE_MS;
    while (Date.now() < settleBy) {
      const listed = (await (await fetch(`${stack.apiUrl}/exports?status=RUNNING`)).json()) as { exports?: unknown[] };
      if ((listed.exports ?? []).length === 0) break;
      await sleep(HEALTH_INTERVAL_MS);
    }
    // Then ask about what they left behind, once the executions they started have (mostly) ended.
    requests.push(...followUpRequests());
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    running = false;
    await poller;
    await health('after the run');
    const apiAfter = await fetch(`${stack.apiUrl}/exports`);
    agent.destroy();
    if (process.env.FUZZ_VERBOSE) {
      // What the run met: each generator's answers by status and error code, then the totals.
      const mix = new Map<string, number>();
      for (const [index, request] of requests.entries()) {
        const kind = `${request.label.split(' ')[0] ?? ''} ${Math.floor((statuses[index] ?? 0) / 100)}xx`;
        mix.set(kind, (mix.get(kind) ?? 0) + 1);
      }
      const histogram = [...codes].sort().map(([kind, count]) => `${count} ${kind}`);
      const totals = JSON.stringify(Object.fromEntries([...mix].sort()));
      const elapsed = Date.now() - startedAt;
      process.stdout.write(
        `${histogram.join('\n')}\nfuzz: ${requests.length} requests in ${elapsed} ms, ${findings.length} findings, ${totals}\n`,
      );
    }

    // Assert
    expect(reportOf(findings, requests.length)).toBe('');
    expect(healthFailures).toEqual([]);
    expect(apiAfter.status).toBe(200);
    expect(processErrors).toEqual([]);
  }, 120_000);
});
