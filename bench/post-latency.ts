// POST /exports' own handler time, warm: the real handlers/request-export.ts `handler` (middy and its middlewares,
// the request schema, the logger, the SDK client) invoked in one process many times, as a warm Lambda container
// runs it, with realistic API Gateway (REST, AWS_IAM) proxy events. Its two Step Functions calls go through the
// real SFNClient (serialisation, SigV4 signing, response parsing) to a request handler that answers them locally
// with the bytes Step Functions sends (DescribeExecution: ExecutionDoesNotExist; StartExecution: the execution), so
// the figure is the handler's own time, without the network or the service's.
//
// Runs in a Node process of its own (stdout, where the handler logs, discarded) with the function's deployed
// environment (POWERTOOLS_LOG_LEVEL INFO, serverless.yml's default, so each request logs as deployed) and the heap
// the Lambda Node.js runtime gives a 512 MB function: its bootstrap (/var/runtime/bootstrap) starts node with
// --expose-gc --max-http-header-size 81920, new space a tenth of the memory, half of it the semi-space, and the rest
// old space.
//
// The goal is on each invocation's wall-clock time in that process, the handler's own duration (what Lambda
// reports as Duration), on this machine with the load average printed beside it: on a loaded machine it measures
// the load as well, and the bench says so. The process's CPU time per invocation (process.cpuUsage, user + system)
// is printed too, but it is not an invocation's duration: it counts V8's background threads (concurrent JIT
// compilation, concurrent marking), and Linux adds another running thread's time at its scheduler tick (4 ms), so
// one invocation in a hundred carries a tick of CPU it did not spend. Measured on 2 idle cores: CPU p99 4.6 to
// 5.0 ms beside a wall-clock p99 of 1.0 to 1.3 ms, more than two cores can do in that time; with
// --single-threaded (every V8 task on the main thread) CPU and wall clock agree, at a p99 of 6.2 to 6.5 ms, which
// is that background work moved onto the handler's thread.
//   node --import tsx bench/post-latency.ts      (also part of `npm run bench`)
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { type Goal, writeGoalsOrPrint } from './goals.js';

const WARM_UP = 500;
const RUNS = 2000;
const GOAL_P99_MS = 5;
/** serverless.yml provider.memorySize, which requestExport does not override. */
const MEMORY_MB = 512;

/** The node flags the Lambda Node.js runtime's bootstrap adds for a function of MEMORY_MB. */
const lambdaNodeFlags = (memoryMb: number): string[] => {
  const newSpace = Math.floor(memoryMb / 10);
  return [
    '--expose-gc',
    '--max-http-header-size',
    '81920',
    `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
    `--max-old-space-size=${memoryMb - newSpace}`,
  ];
};

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const STATE_MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:elasticache-snapshot-export-prod-exportSnapshot`;
const BUCKET = 'exports-bucket';

/** requestExport's environment in Lambda (serverless.yml provider.environment, default params) and the runtime's. */
const FUNCTION_ENVIRONMENT: Record<string, string> = {
  AWS_REGION: REGION,
  AWS_DEFAULT_REGION: REGION,
  AWS_ACCESS_KEY_ID: 'ASIAXXXXXXXXXXXXXXXX',
  AWS_SECRET_ACCESS_KEY: 'bench-secret-access-key-bench-secret-acc',
  AWS_SESSION_TOKEN: 'bench-session-token',
  AWS_LAMBDA_FUNCTION_NAME: 'elasticache-snapshot-export-prod-requestExport',
  AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(MEMORY_MB),
  AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
  AWS_LAMBDA_LOG_FORMAT: 'JSON',
  AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'INFO',
  ALLOWED_TARGET_BUCKETS: `${BUCKET},archive-bucket`,
  DEFAULT_TARGET_BUCKET: BUCKET,
  EXPORT_DEADLINE_MINUTES: '720',
  STATE_MACHINE_ARN,
};

/** Percentiles of one series, in milliseconds. */
export interface Spread {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** The measured figures. */
export interface PostLatency {
  runs: number;
  warmUp: number;
  /** CPU time the process spent in each invocation (user + system): the handler's own time, whatever else runs. */
  cpu: Spread;
  /** Wall-clock time of each invocation: the same plus any time the machine gave to other processes. */
  wall: Spread;
  /** The machine's 1-minute load average when the measurement ended, and its CPUs. */
  loadAverage: number;
  cpus: number;
  /** Step Functions calls the handler made per invocation (DescribeExecution, StartExecution). */
  callsPerInvocation: number;
}

/** A request as a client sends it: half by snapshot name, half the newest of a group with a fresh snapshot. */
const bodyOf = (run: number): Record<string, unknown> =>
  run % 2 === 0
    ? { sourceSnapshotName: 'orders-nightly', targetSnapshotName: `orders-${run}`, targetBucket: BUCKET }
    : { replicationGroupId: 'orders', freshSnapshot: true, targetSnapshotName: `orders-fresh-${run}` };

/**
 * An API Gateway REST API (v1) proxy event for POST /exports, signed with SigV4 (AWS_IAM), as the stage sends it.
 * Built here, not with local/api-server.ts toApiGatewayEvent: that module loads local/lambda.ts, which puts the
 * process in the local runner's concurrent mode (an InvokeStore the logger then keeps its state in), not Lambda's.
 */
const eventOf = (run: number): APIGatewayProxyEvent => {
  const now = new Date();
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const headers: Record<string, string> = {
    Accept: 'application/json',
    'Content-Type': 'application/json',
    Host: `abcdef1234.execute-api.${REGION}.amazonaws.com`,
    'User-Agent': 'elasticache-export/0.1.0 aws-sdk-js/3',
    'X-Amz-Date': amzDate,
    'X-Amz-Security-Token': 'client-session-token',
    Authorization: `AWS4-HMAC-SHA256 Credential=ASIACLIENT/${amzDate.slice(0, 8)}/${REGION}/execute-api/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=${'0'.repeat(64)}`,
    'X-Amzn-Trace-Id': `Root=1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)}`,
    'X-Forwarded-For': '203.0.113.10',
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
  };
  const requestId = randomUUID();
  return {
    resource: '/exports',
    path: '/exports',
    httpMethod: 'POST',
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: JSON.stringify(bodyOf(run)),
    isBase64Encoded: false,
    requestContext: {
      accountId: ACCOUNT,
      apiId: 'abcdef1234',
      authorizer: null,
      domainName: headers.Host ?? '',
      domainPrefix: 'abcdef1234',
      extendedRequestId: requestId.slice(0, 16),
      httpMethod: 'POST',
      identity: {
        accessKey: 'ASIACLIENT',
        accountId: ACCOUNT,
        apiKey: null,
        apiKeyId: null,
        caller: 'AROACLIENT:ops',
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '203.0.113.10',
        user: 'AROACLIENT:ops',
        userAgent: headers['User-Agent'] ?? '',
        userArn: `arn:aws:sts::${ACCOUNT}:assumed-role/platform-ops/ops`,
      },
      path: '/prod/exports',
      protocol: 'HTTP/1.1',
      requestId,
      requestTime: now.toUTCString(),
      requestTimeEpoch: now.getTime(),
      resourceId: 'abc123',
      resourcePath: '/exports',
      stage: 'prod',
    },
  };
};

/** A Lambda context as the Node.js runtime gives one (with the remaining time, so middy arms its timeout). */
const contextOf = (): Context => {
  const deadline = Date.now() + 10_000;
  return {
    functionName: FUNCTION_ENVIRONMENT.AWS_LAMBDA_FUNCTION_NAME ?? '',
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${FUNCTION_ENVIRONMENT.AWS_LAMBDA_FUNCTION_NAME}`,
    memoryLimitInMB: String(MEMORY_MB),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${FUNCTION_ENVIRONMENT.AWS_LAMBDA_FUNCTION_NAME}`,
    logStreamName: '2026/12/01/[$LATEST]0123456789abcdef0123456789abcdef',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};

interface WireRequest {
  headers: Record<string, string>;
  body?: unknown;
}

/**
 * Answers the SFN client's requests here, with Step Functions' JSON 1.0 wire format (API reference:
 * DescribeExecution's ExecutionDoesNotExist error, StartExecution's executionArn and startDate): every export the
 * benchmark asks for is new.
 */
const localStepFunctions = () => {
  let calls = 0;
  const respond = (statusCode: number, body: unknown) => ({
    response: {
      statusCode,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': randomUUID() },
      body: Buffer.from(JSON.stringify(body)),
    },
  });
  return {
    calls: () => calls,
    handler: {
      metadata: { handlerProtocol: 'http/1.1' },
      handle: async (request: WireRequest) => {
        calls += 1;
        const target = request.headers['x-amz-target'] ?? '';
        const body = request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : request.body;
        const input = JSON.parse(typeof body === 'string' ? body : '{}') as Record<string, string>;
        if (target.endsWith('.DescribeExecution')) {
          return respond(400, {
            __type: 'com.amazonaws.swf.service.v2.model#ExecutionDoesNotExist',
            message: `Execution Does Not Exist: '${input.executionArn}'`,
          });
        }
        if (target.endsWith('.StartExecution')) {
          const name = input.name ?? '';
          const executionArn = `${(input.stateMachineArn ?? '').replace(':stateMachine:', ':execution:')}:${name}`;
          return respond(200, { executionArn, startDate: Date.now() / 1000 });
        }
        throw new Error(`The benchmark does not answer ${target}`);
      },
      updateHttpClientConfig: () => undefined,
      httpHandlerConfigs: () => ({}),
      destroy: () => undefined,
    },
  };
};

const percentile = (sorted: number[], share: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)] ?? Number.NaN;

const spreadOf = (times: number[]): Spread => {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 0.5),
    p90: percentile(sorted, 0.9),
    p99: percentile(sorted, 0.99),
    max: sorted.at(-1) ?? Number.NaN,
    mean: times.reduce((sum, time) => sum + time, 0) / times.length,
  };
};

/** In the benchmark's own process: the measurement. */
const measure = async (): Promise<PostLatency> => {
  // require, not import(): the handler's own `./lib/clients/sfn.js` must be this module instance, and import() from
  // this CommonJS file would load a second one; lazily, so the parent process (other environment) never loads it.
  const { handler } = require('../handlers/request-export.js') as typeof import('../handlers/request-export.js');
  const { sfn } = require('../handlers/lib/clients/sfn.js') as typeof import('../handlers/lib/clients/sfn.js');
  const stepFunctions = localStepFunctions();
  (sfn.config as unknown as { requestHandler: unknown }).requestHandler = stepFunctions.handler;

  const events = Array.from({ length: WARM_UP + RUNS }, (_, run) => eventOf(run));
  const cpu: number[] = [];
  const wall: number[] = [];
  for (const [run, event] of events.entries()) {
    const context = contextOf();
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const result = (await handler(event, context)) as APIGatewayProxyResult;
    const elapsed = performance.now() - started;
    const used = process.cpuUsage(cpuBefore);
    if (result.statusCode !== 202) {
      throw new Error(`POST /exports answered ${result.statusCode}, not 202: ${result.body.slice(0, 400)}`);
    }
    if (run >= WARM_UP) {
      wall.push(elapsed);
      cpu.push((used.user + used.system) / 1000);
    }
  }
  return {
    runs: RUNS,
    warmUp: WARM_UP,
    cpu: spreadOf(cpu),
    wall: spreadOf(wall),
    loadAverage: loadavg()[0] ?? Number.NaN,
    cpus: availableParallelism(),
    callsPerInvocation: stepFunctions.calls() / events.length,
  };
};

/** The goal is on the handler's own duration, its wall-clock time (see the header for why not CPU time). */
export const postLatencyGoals = (latency: PostLatency): Goal[] => [
  { name: 'post-p99', figure: latency.wall.p99, target: GOAL_P99_MS, ok: latency.wall.p99 <= GOAL_P99_MS, unit: 'ms' },
];

const formatSpread = (spread: Spread): string =>
  (['p50', 'p90', 'p99', 'max', 'mean'] as const).map((key) => `${key} ${spread[key].toFixed(3)} ms`).join('   ');

const report = (latency: PostLatency): string =>
  [
    `POST /exports handler, warm, in-process, Step Functions answered locally (bench/post-latency.ts): ${latency.runs} invocations after ${latency.warmUp} to warm up, Step Functions calls per invocation: ${latency.callsPerInvocation}`,
    `  wall clock ${formatSpread(latency.wall)}   (load average ${latency.loadAverage.toFixed(1)} on ${latency.cpus} CPUs)`,
    `  process CPU ${formatSpread(latency.cpu)}   (with V8's background threads, at the scheduler's tick)`,
  ].join('\n');

/** `npm run bench`: the measurement in a process of its own, with the function's environment; its goal. */
export const runPostLatencyBenchmark = async (): Promise<Goal[]> => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-post-latency-'));
  const file = path.join(dir, 'latency.json');
  try {
    const environment: NodeJS.ProcessEnv = { ...process.env, ...FUNCTION_ENVIRONMENT, BENCH_RESULT_FILE: file };
    for (const name of Object.keys(environment)) if (name.startsWith('AWS_ENDPOINT_URL')) delete environment[name];
    delete environment.AWS_PROFILE;
    // Lambda on demand, one invocation at a time: not the local runner's concurrent mode, which `npm run bench`'s
    // earlier parts (local/lambda.ts, loaded by the polling benchmark) have put this process in.
    delete environment.AWS_LAMBDA_MAX_CONCURRENCY;
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [...lambdaNodeFlags(MEMORY_MB), '--import', 'tsx', __filename], {
        env: environment,
        stdio: ['ignore', 'ignore', 'inherit'],
      });
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0) throw new Error(`The POST /exports latency benchmark failed (exit ${code})`);
    const latency = JSON.parse(readFileSync(file, 'utf8')) as PostLatency;
    process.stdout.write(`${report(latency)}\n`);
    return postLatencyGoals(latency);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

if (require.main === module) {
  const file = process.env.BENCH_RESULT_FILE;
  (file
    ? measure().then((latency) => writeFileSync(file, JSON.stringify(latency)))
    : runPostLatencyBenchmark().then(writeGoalsOrPrint)
  ).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
