// The local stack the first-invocation benchmark invokes the packaged functions against, and a realistic event for
// each function's one invocation. The stack runs in the benchmark's process (local/start.ts, free ports, its own data
// folder); the measured functions run in child processes and reach it through AWS_ENDPOINT_URL.
//
// Where the events come from:
// - API functions: API Gateway proxy events built the way the local API builds them (local/api-server.ts).
//   requestExport posts a valid body for the demo snapshot under a new target name each run, so it starts a real
//   execution; cancelExport stops an export started for it and left waiting; getExport reads the harvested export.
// - State tasks: the inputs Step Functions gave them in one export run through the stack first (fresh snapshot, so
//   every task runs), read from GetExecutionHistory. validateExport and startExport get a new target name and
//   publishOutcome a new export id each run, so each run does the whole work (the target key is free, a real
//   CopySnapshot starts, no notification record yet); takeSnapshot, checkExport and cleanUp replay their input, as a
//   retry would (HOUSE-STYLE rule 9): the fresh snapshot is there already, the export verified, the snapshot gone.
// - safetyNet: the "Step Functions Execution Status Change" event of an export stopped for it, as the stack's bus
//   delivers it (the stack's own safety-net rule is pointed at the benchmark instead, so the event is unhandled).
// - runSchedule: `{ schedule, scheduledTime, input }` as EventBridge Scheduler sends it, a new scheduled time each run.
// Executions a run starts are stopped when it ends, and each run waits until the stack is idle, so the stack's own
// work does not overlap the next measurement.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeSnapshotsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type RouteMatch, toApiGatewayEvent } from '../local/api-server.js';
import { credentialsOf, handlerEnvironment } from '../local/config.js';
import { readLocalDeployment } from '../local/serverless-config.js';
import { type LocalStack, startLocalStack } from '../local/start.js';
import definition from '../statemachine/export-snapshot.asl.json';

/** How one function is invoked in a run, and how the run is told apart from a cheap error path. */
export interface Invocation {
  event: unknown;
  /** Throws unless the handler's result is the real work's (e.g. 202 for requestExport). */
  check(result: unknown): void;
  /** Runs after the child has exited (stops what the invocation started). */
  after?(result: unknown): Promise<void>;
}

export interface BenchStack {
  stack: LocalStack;
  /** The provider's and the function's own environment, pointing at the stack, for one function. */
  environmentOf(functionKey: string, own: readonly string[]): Record<string, string>;
  /** The invocation of `functionKey` for run `run` (fresh names each run). */
  invocationOf(functionKey: string, run: number): Promise<Invocation>;
  /** Waits until no execution the benchmark started is still doing work. */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

const HARVEST_TIMEOUT_MS = 180_000;
const POLL_MS = 50;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const fail = (functionKey: string, what: string, result: unknown): never => {
  throw new Error(`First-invocation benchmark: ${functionKey} ${what}: ${JSON.stringify(result).slice(0, 600)}`);
};

interface ApiResult {
  statusCode?: number;
  body?: string;
}

const expectStatus =
  (functionKey: string, ...statuses: number[]) =>
  (result: unknown): void => {
    const status = (result as ApiResult | undefined)?.statusCode;
    if (status === undefined || !statuses.includes(status)) fail(functionKey, `answered ${status}`, result);
  };

const bodyOf = (result: unknown): Record<string, unknown> => JSON.parse((result as ApiResult).body ?? '{}');

/** The state machine's Task states, by the function key each invokes (its Fn::GetAtt). */
const taskFunctionOf = (stateName: string): string | undefined => {
  const state = (definition.States as Record<string, { Parameters?: { FunctionName?: unknown } }>)[stateName];
  const name = state?.Parameters?.FunctionName as { 'Fn::GetAtt'?: string[] } | undefined;
  return name?.['Fn::GetAtt']?.[0];
};

/** The harvest's state inputs: per function key, the Payload of its last Task (CheckExport: the verifying check). */
const stateInputsOf = (events: readonly HistoryEvent[]): Map<string, unknown> => {
  const inputs = new Map<string, unknown>();
  let state: string | undefined;
  for (const event of events) {
    if (event.type === 'TaskStateEntered') state = event.stateEnteredEventDetails?.name;
    const parameters = event.type === 'TaskScheduled' ? event.taskScheduledEventDetails?.parameters : undefined;
    if (!state || !parameters) continue;
    const key = taskFunctionOf(state);
    // CheckSnapshot runs the checkExport function too; CheckExport's input is the export's, which the key keeps.
    if (key && !(key === 'checkExport' && state !== 'CheckExport')) {
      inputs.set(key, (JSON.parse(parameters) as { Payload: unknown }).Payload);
    }
  }
  return inputs;
};

export const startBenchStack = async (): Promise<BenchStack> => {
  // The stack's own handlers run in this process too; their logs would bury the tables.
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-first-invocation-'));
  // IAM off: a child process's requests carry no trace id of this process (local/aws/iam/attribution.ts), so they
  // would not be held to a role anyway, and the floors' calls are outside the functions' roles.
  const stack = await startLocalStack({
    env: {},
    config: { awsPort: 0, apiPort: 0, dataDir, iam: 'off' },
  });
  const { config } = stack;
  const deployment = readLocalDeployment({
    region: config.region,
    accountId: config.accountId,
    stateMachineArn: stack.stateMachineArn,
    awsUrl: stack.awsUrl,
  });
  // The stack's safety-net rule now hands the events to the benchmark, which gives them to the measured safetyNet.
  const ended: Array<{ event: unknown; executionArn: string }> = [];
  for (const fn of deployment.eventFunctions) {
    for (const rule of fn.rules) {
      stack.eventBus.putRule({
        name: rule.name,
        pattern: rule.pattern,
        target: (event) => {
          const executionArn = (event as { detail?: { executionArn?: string } }).detail?.executionArn ?? '';
          ended.push({ event, executionArn });
        },
      });
    }
  }
  const target = { endpoint: stack.awsUrl, region: config.region, credentials: credentialsOf(config) };
  const sfn = new SFNClient(target);
  const elastiCache = new ElastiCacheClient(target);
  const started = new Set<string>();

  const history = async (executionArn: string): Promise<HistoryEvent[]> => {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }));
      events.push(...(page.events ?? []));
      nextToken = page.nextToken;
    } while (nextToken);
    return events;
  };
  const statusOf = async (executionArn: string): Promise<string | undefined> =>
    (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status;
  /** Until the execution has ended or sits in a Wait state (nothing running in the stack for it). */
  const idle = async (executionArn: string): Promise<void> => {
    for (;;) {
      if ((await statusOf(executionArn)) !== 'RUNNING') return;
      const last = (await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 1 })))
        .events?.[0];
      if (last?.type === 'WaitStateEntered') return;
      await sleep(POLL_MS);
    }
  };
  const stopExecution = async (executionArn: string): Promise<void> => {
    await idle(executionArn);
    if ((await statusOf(executionArn)) === 'RUNNING') await sfn.send(new StopExecutionCommand({ executionArn }));
    started.delete(executionArn);
  };

  const apiEvent = (
    method: string,
    url: string,
    match: Extract<RouteMatch, { kind: 'handler' }>,
    body?: unknown,
  ): APIGatewayProxyEvent =>
    toApiGatewayEvent(
      {
        method,
        url,
        rawHeaders: [
          'Host',
          new URL(stack.apiUrl).host,
          'User-Agent',
          'bench/first-invocation',
          ...(body === undefined ? [] : ['Content-Type', 'application/json']),
        ],
        body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
        sourceIp: '127.0.0.1',
      },
      match,
      { accountId: config.accountId, requestId: randomUUID() },
    );
  const exportsRoute = { kind: 'handler', resource: '/exports', pathParameters: null } as const;
  const exportRoute = (functionKey: 'getExport' | 'cancelExport', exportId: string) =>
    ({ kind: 'handler', functionKey, resource: '/exports/{exportId}', pathParameters: { exportId } }) as const;
  const demoBody = (targetSnapshotName: string, extra: Record<string, unknown> = {}) => ({
    sourceSnapshotName: config.snapshotName,
    targetBucket: config.bucket,
    targetSnapshotName,
    ...extra,
  });
  /** Starts an export through the stack's own API and returns its execution once it waits. */
  const startWaitingExport = async (
    targetSnapshotName: string,
  ): Promise<{ exportId: string; executionArn: string }> => {
    const response = await fetch(`${stack.apiUrl}/exports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(demoBody(targetSnapshotName)),
    });
    const accepted = (await response.json()) as { exportId: string; executionArn: string };
    if (response.status !== 202) throw new Error(`The local API refused an export: ${JSON.stringify(accepted)}`);
    started.add(accepted.executionArn);
    await idle(accepted.executionArn);
    return accepted;
  };

  /** Until no snapshot is being created, copied or exported (an export in flight makes its source busy). */
  const snapshotsAvailable = async (): Promise<void> => {
    const deadline = Date.now() + HARVEST_TIMEOUT_MS;
    for (;;) {
      const { Snapshots = [] } = await elastiCache.send(new DescribeSnapshotsCommand({}));
      const busy = Snapshots.filter((snapshot) => snapshot.SnapshotStatus !== 'available');
      if (busy.length === 0) return;
      if (Date.now() > deadline) throw new Error(`Snapshots still busy: ${busy.map((s) => s.SnapshotName).join(', ')}`);
      await sleep(POLL_MS);
    }
  };

  /** One export with a fresh snapshot, so every task runs; its history gives the state inputs. */
  const harvest = async (targetSnapshotName: string, keepSnapshot: boolean) => {
    const response = await fetch(`${stack.apiUrl}/exports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        replicationGroupId: config.replicationGroupId,
        freshSnapshot: true,
        keepSnapshot,
        targetBucket: config.bucket,
        targetSnapshotName,
      }),
    });
    const accepted = (await response.json()) as { exportId: string; executionArn: string };
    if (response.status !== 202)
      throw new Error(`The local API refused the harvest export: ${JSON.stringify(accepted)}`);
    const deadline = Date.now() + HARVEST_TIMEOUT_MS;
    let status = await statusOf(accepted.executionArn);
    while (status === 'RUNNING' && Date.now() < deadline) {
      await sleep(200);
      status = await statusOf(accepted.executionArn);
    }
    if (status !== 'SUCCEEDED') {
      throw new Error(`First-invocation benchmark: the harvest export ended ${status ?? 'never'}, so no state inputs`);
    }
    await snapshotsAvailable();
    return { ...accepted, inputs: stateInputsOf(await history(accepted.executionArn)) };
  };
  // The fresh snapshot kept, so the replays of CreateSnapshot, StartExport and CheckExport find what the first
  // run made (a retry's situation); CleanUp's input is from a second export whose fresh snapshot CleanUp deleted.
  const kept = await harvest('bench-harvest-kept', true);
  const deleted = await harvest('bench-harvest-deleted', false);
  const stateInput = (functionKey: string): Record<string, unknown> => {
    const input = (functionKey === 'cleanUp' ? deleted : kept).inputs.get(functionKey);
    if (!input || typeof input !== 'object') throw new Error(`The harvest export never ran ${functionKey}`);
    return input as Record<string, unknown>;
  };
  const unique = (functionKey: string, run: number) => `bench-${functionKey.toLowerCase()}-${run}-${Date.now()}`;
  const noThrow = () => undefined;
  const startedMinute = Math.floor(Date.now() / 60_000) * 60_000;

  const invocationOf = async (functionKey: string, run: number): Promise<Invocation> => {
    switch (functionKey) {
      case 'requestExport':
        return {
          event: apiEvent('POST', '/exports', { ...exportsRoute, functionKey }, demoBody(unique(functionKey, run))),
          check: expectStatus(functionKey, 202),
          after: async (result) => stopExecution(String(bodyOf(result).executionArn)),
        };
      case 'getExport':
        return {
          event: apiEvent('GET', `/exports/${kept.exportId}`, exportRoute('getExport', kept.exportId)),
          check: expectStatus(functionKey, 200),
        };
      case 'listExports':
        return {
          event: apiEvent('GET', '/exports', { ...exportsRoute, functionKey }),
          check: expectStatus(functionKey, 200),
        };
      case 'cancelExport': {
        const target = await startWaitingExport(unique(functionKey, run));
        return {
          event: apiEvent('DELETE', `/exports/${target.exportId}`, exportRoute('cancelExport', target.exportId)),
          check: expectStatus(functionKey, 202),
          after: async () => stopExecution(target.executionArn),
        };
      }
      case 'validateExport': {
        const input = stateInput(functionKey);
        const request = { ...(input.input as Record<string, unknown>), targetSnapshotName: unique(functionKey, run) };
        return { event: { ...input, input: request }, check: noThrow };
      }
      case 'publishOutcome':
        return { event: { ...stateInput(functionKey), exportId: unique(functionKey, run) }, check: noThrow };
      case 'startExport': {
        // A new target each run: the replay of a finished export's CopySnapshot finds its objects and is refused.
        // Its Payload is { state, retryCount } (the ASL passes $$.State.RetryCount).
        const input = stateInput(functionKey);
        const state = input.state as Record<string, unknown>;
        const targetSnapshotName = unique(functionKey, run);
        const request = { ...(state.request as Record<string, unknown>), targetSnapshotName };
        return { event: { ...input, state: { ...state, request, targetSnapshotName } }, check: noThrow };
      }
      case 'takeSnapshot':
      case 'checkExport':
      case 'cleanUp':
        return { event: stateInput(functionKey), check: noThrow };
      case 'safetyNet': {
        const target = await startWaitingExport(unique(functionKey, run));
        await stopExecution(target.executionArn);
        let delivered = ended.find((entry) => entry.executionArn === target.executionArn);
        for (let tries = 0; !delivered && tries < 100; tries += 1) {
          await sleep(POLL_MS);
          delivered = ended.find((entry) => entry.executionArn === target.executionArn);
        }
        if (!delivered) throw new Error('The stack sent no status-change event for a stopped export');
        return {
          event: delivered.event,
          check: (result) => {
            if ((result as { action?: string } | undefined)?.action !== 'published')
              fail(functionKey, 'published nothing', result);
          },
        };
      }
      case 'runSchedule':
        return {
          event: {
            schedule: 'bench-nightly',
            // A new scheduled time each run: each one is a new run (the same time would find the first execution).
            scheduledTime: new Date(startedMinute + run * 60_000).toISOString(),
            input: { sourceSnapshotName: config.snapshotName, targetBucket: config.bucket },
          },
          check: (result) => {
            if ((result as { started?: boolean } | undefined)?.started !== true)
              fail(functionKey, 'started nothing', result);
          },
          after: async (result) => stopExecution(String((result as { executionArn?: string }).executionArn)),
        };
      default:
        throw new Error(`bench/events.ts has no event for function ${functionKey}: add one`);
    }
  };

  const base = Object.fromEntries(
    Object.entries(handlerEnvironment(config, stack.awsUrl)).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
  return {
    stack,
    environmentOf: (functionKey, own) => {
      const env: Record<string, string> = { ...base };
      for (const name of own) {
        const value = deployment.environment[name];
        if (value === undefined) throw new Error(`serverless.yml: ${functionKey}'s ${name} has no local value`);
        env[name] = value;
      }
      return env;
    },
    invocationOf,
    settle: async () => {
      for (const executionArn of started) await idle(executionArn);
      await snapshotsAvailable();
    },
    stop: async () => {
      for (const executionArn of [...started]) await stopExecution(executionArn).catch(() => undefined);
      sfn.destroy();
      elastiCache.destroy();
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
};
