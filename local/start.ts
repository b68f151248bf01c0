// `npm start`: the whole service on this machine with no AWS account. The AWS-compatible endpoint (ElastiCache, S3,
// SNS, and Step Functions running the real ASL with the real handlers), the HTTP API, and seeded demo data.
// `startLocalStack()` is the same stack for the demo and the integration tests (free ports, injected config).
import { type ApiServer, type ApiServerOptions, startApiServer } from './api-server.js';
import { EventBus } from './aws/events/bus.js';
import { createLocalIam, type DerivedRoles, type LocalIam } from './aws/iam/index.js';
import { type AwsEmulator, type AwsEmulatorOptions, startAwsEmulator } from './aws/server.js';
import { requireHandler, type StepFunctionsOptions, StepFunctionsService } from './aws/stepfunctions/index.js';
import { type Clock, createClock } from './clock.js';
import {
  credentialsOf,
  DEFAULT_SCHEDULES_FILE,
  handlerEnvironment,
  type LocalConfig,
  readLocalConfig,
  stateMachineArnOf,
  topicArnOf,
} from './config.js';
import { setFunctionTimeouts } from './lambda.js';
import { AsyncInvoker } from './lambda-async.js';
import { provisionDeployment, queueSender } from './provision.js';
import { startLocalSchedules } from './schedules.js';
import { DEMO_SERVERLESS, type SeedResult, seedDemoData } from './seed.js';
import { readLocalDeployment } from './serverless-config.js';

/** The function every schedule targets (serverless.yml). */
const RUN_SCHEDULE_FUNCTION = 'runSchedule';

export interface LocalStackOptions {
  /** Where settings are read from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Settings that win over the environment, e.g. `{ awsPort: 0, apiPort: 0, dataDir }` in tests. */
  config?: Partial<LocalConfig>;
  /** Seed the demo data (default true). */
  seed?: boolean;
  /** Replace the state machine definition or handlers (tests). */
  stepFunctions?: Pick<StepFunctionsOptions, 'definition' | 'handlers' | 'taskFunctions' | 'historyEventLimit'>;
  /** ElastiCache's emulated durations and limits (tests: a lower manual-snapshot quota, slower snapshots). */
  elastiCache?: AwsEmulatorOptions['elastiCache'];
  /** Replace the API handlers (tests). */
  apiHandlers?: ApiServerOptions['handlers'];
  /** Roles to hold the functions to instead of the packaged template's (tests: one statement removed). */
  iamRoles?: DerivedRoles;
  /** Progress lines while starting (default: none). */
  log?: (line: string) => void;
  /**
   * Provision serverless.yml's tables and queues and wire its EventBridge rules (the safety net) to their
   * functions. Default: on, unless `stepFunctions.handlers` replaces the project's handlers.
   */
  eventRules?: boolean;
}

export interface LocalStack {
  config: LocalConfig;
  awsUrl: string;
  apiUrl: string;
  stateMachineArn: string;
  topicArn: string;
  dataDir: string;
  seed?: SeedResult;
  clock: Clock;
  aws: AwsEmulator;
  api: ApiServer;
  stepFunctions: StepFunctionsService;
  /** The default event bus: Step Functions' status changes go to the rules of serverless.yml. */
  eventBus: EventBus;
  /** The functions EventBridge invokes asynchronously (the safety net), by function key. */
  asyncFunctions: ReadonlyMap<string, AsyncInvoker>;
  /** The roles the project's functions are held to; absent with LOCAL_IAM=off. */
  iam?: LocalIam;
  /** Closes both servers, suspends running executions (resumed by the next start) and restores the environment. */
  stop(): Promise<void>;
}

/**
 * Sets the handlers' environment in this process (they read it at module load, and the SDK reads endpoint,
 * Region and credentials from it) and returns a function that puts the previous values back.
 */
const applyEnvironment = (values: Record<string, string | undefined>): (() => void) => {
  const previous = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  const assign = (entries: Record<string, string | undefined>) => {
    for (const [name, value] of Object.entries(entries)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  assign(values);
  return () => assign(previous);
};

/**
 * The roles of the template `serverless package` writes for this stack's settings (stage `local`, so the names are
 * the stack's: exportSnapshot-local, elasticache-export-outcomes-local), from the cache when serverless.yml and what
 * it reads have not changed.
 */
const startIam = async (
  config: LocalConfig,
  options: LocalStackOptions,
  log: (line: string) => void,
): Promise<LocalIam> => {
  const iam = await createLocalIam({
    stage: 'local',
    region: config.region,
    accountId: config.accountId,
    env: {
      ALLOWED_TARGET_BUCKETS: config.allowedTargetBuckets.join(','),
      // A schedule without targetBucket exports to the default bucket, whose prefixes the clean-up role names.
      ...(config.allowedTargetBuckets.includes(config.defaultTargetBucket) && {
        DEFAULT_TARGET_BUCKET: config.defaultTargetBucket,
      }),
      ...(config.snapshotTopics !== undefined && { SNAPSHOT_TOPICS: config.snapshotTopics }),
      // The schedules shape the template too (the clean-up role's retention prefixes); the default file is in config/.
      ...(config.schedulesFile !== DEFAULT_SCHEDULES_FILE && { SCHEDULES_FILE: config.schedulesFile }),
    },
    cacheDir: config.iamCacheDir,
    log,
    ...(options.iamRoles && { roles: options.iamRoles }),
  });
  if (!options.stepFunctions?.definition && !iam.roles.stateMachines[config.stateMachineName]) {
    iam.close();
    throw new Error(
      `LOCAL_IAM=on holds the functions to the roles of the template packaged for stage local, whose state machine is ${Object.keys(iam.roles.stateMachines).join(', ')}, not ${config.stateMachineName}: unset LOCAL_STATE_MACHINE_NAME, or set LOCAL_IAM=off`,
    );
  }
  return iam;
};

/**
 * Starts the emulator (with Step Functions), sets the handlers' environment, seeds the demo data and starts the
 * API. One stack per process at a time: the handlers, once imported, keep their module-scope SDK clients, so a
 * second stack in the same process must reuse the first one's AWS port (as `npm start` does after a restart).
 */
export const startLocalStack = async (options: LocalStackOptions = {}): Promise<LocalStack> => {
  const config = readLocalConfig(options.env ?? process.env, options.config);
  const log = options.log ?? (() => {});
  const iam = config.iam === 'on' ? await startIam(config, options, log) : undefined;
  const clock = createClock(config.timeScale);
  const eventBus = new EventBus((message, data) =>
    process.stderr.write(`${JSON.stringify({ level: 'error', message, ...data })}\n`),
  );
  const asyncFunctions = new Map<string, AsyncInvoker>();
  const stepFunctions = new StepFunctionsService({
    onStatusChange: (event) => eventBus.put(event),
    region: config.region,
    accountId: config.accountId,
    stateMachineName: config.stateMachineName,
    clock,
    dataDir: config.dataDir,
    ...(iam && { authorizeInvoke: iam.authorizeInvoke }),
    ...options.stepFunctions,
  });
  const cleanups: Array<() => Promise<void> | void> = [() => clock.dispose(), () => iam?.close()];
  const stopAll = async () => {
    // Newest first: the API, executions, the emulator, then the environment and the clock.
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  };

  try {
    const aws = await startAwsEmulator({
      port: config.awsPort,
      host: config.host,
      dataDir: config.dataDir,
      clock,
      services: [stepFunctions],
      ...(iam && { iam }),
      ...((options.elastiCache || config.elastiCacheRate) && {
        elastiCache: {
          ...(config.elastiCacheRate && { apiRate: config.elastiCacheRate }),
          ...options.elastiCache,
        },
      }),
    });
    cleanups.push(() => aws.stop());
    cleanups.push(applyEnvironment(handlerEnvironment(config, aws.url)));
    cleanups.push(() => stepFunctions.shutdown());
    log(`AWS endpoint listening on ${aws.url}`);

    let seed: SeedResult | undefined;
    if (options.seed ?? true) {
      log('Seeding demo data (topic, bucket, replication group, snapshot, serverless cache and its snapshot)');
      seed = await seedDemoData({
        endpoint: aws.url,
        region: config.region,
        credentials: credentialsOf(config),
        bucket: config.bucket,
        topicName: config.topicName,
        replicationGroupId: config.replicationGroupId,
        snapshotName: config.snapshotName,
        numNodeGroups: config.numNodeGroups,
        log,
      });
    }

    if (options.eventRules ?? !options.stepFunctions?.handlers) {
      await wireEventRules({ config, awsUrl: aws.url, clock, eventBus, asyncFunctions, cleanups, log });
      wireSchedules({ config, aws, asyncFunctions, cleanups, log, iam });
    }

    // The handlers are imported now that their environment is set; a missing setting fails here, not mid-export.
    if (!options.stepFunctions?.handlers) await stepFunctions.preload();
    // Executions left RUNNING by the previous run of the stack go on where they were; their tasks call the emulator,
    // which listens by now.
    const resumed = stepFunctions.resume();
    if (resumed > 0) log(`Resumed ${resumed} running execution(s)`);
    const api = await startApiServer({
      port: config.apiPort,
      host: config.host,
      region: config.region,
      accountId: config.accountId,
      ...(options.apiHandlers && { handlers: options.apiHandlers }),
    });
    cleanups.push(() => api.close());
    await api.preload();
    log(`HTTP API listening on ${api.url}`);

    return {
      config,
      awsUrl: aws.url,
      apiUrl: api.url,
      stateMachineArn: stateMachineArnOf(config),
      topicArn: seed?.topicArn ?? topicArnOf(config),
      dataDir: aws.dataDir,
      ...(seed && { seed }),
      clock,
      aws,
      api,
      stepFunctions,
      eventBus,
      asyncFunctions,
      ...(iam && { iam }),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
};

/**
 * serverless.yml's tables and queues, created in the emulator, and its EventBridge rules on the local bus, each
 * invoking its function asynchronously with the function's retry settings and on-failure queue. Events left
 * queued by the previous run of the stack are tried again.
 */
const wireEventRules = async (wiring: {
  config: LocalConfig;
  awsUrl: string;
  clock: Clock;
  eventBus: EventBus;
  asyncFunctions: Map<string, AsyncInvoker>;
  cleanups: Array<() => Promise<void> | void>;
  log: (line: string) => void;
}): Promise<void> => {
  const { config, awsUrl, clock, eventBus, asyncFunctions, cleanups, log } = wiring;
  const deployment = readLocalDeployment({
    region: config.region,
    accountId: config.accountId,
    stateMachineArn: stateMachineArnOf(config),
    awsUrl,
  });
  const target = { endpoint: awsUrl, region: config.region, credentials: credentialsOf(config) };
  await provisionDeployment(deployment, target);
  cleanups.push(applyEnvironment(deployment.environment));
  // Each invocation gets its function's timeout, counted down by its context and enforced (local/lambda.ts).
  cleanups.push(setFunctionTimeouts(deployment.functionTimeouts));
  for (const fn of deployment.eventFunctions) {
    const sender = fn.onFailureQueue ? queueSender(fn.onFailureQueue, target) : undefined;
    if (sender) cleanups.push(() => sender.close());
    const invoker = new AsyncInvoker({
      functionName: fn.functionKey,
      loadHandler: () => requireHandler(fn.handlerFile),
      clock,
      region: config.region,
      accountId: config.accountId,
      timeoutSeconds: fn.timeoutSeconds,
      maximumRetryAttempts: fn.maximumRetryAttempts,
      maximumEventAgeSeconds: fn.maximumEventAgeSeconds,
      ...(sender && { onFailure: sender.send }),
      dataDir: config.dataDir,
      log: (message, data) => process.stderr.write(`${JSON.stringify({ level: 'warn', message, ...data })}\n`),
    });
    asyncFunctions.set(fn.functionKey, invoker);
    cleanups.push(() => invoker.stop());
    for (const rule of fn.rules)
      eventBus.putRule({ name: rule.name, pattern: rule.pattern, target: (event) => invoker.invoke(event) });
    const resumed = invoker.resume();
    if (fn.rules.length > 0 || resumed > 0) {
      log(
        `${fn.rules.length > 0 ? `EventBridge rule(s) ${fn.rules.map((rule) => rule.name).join(', ')}` : 'Asynchronous invocations'} -> ${fn.functionKey}${resumed ? ` (${resumed} queued event(s) resumed)` : ''}`,
      );
    }
  }
};

/** The schedules file's schedules, fired into runSchedule as EventBridge Scheduler would (local/schedules.ts). */
const wireSchedules = (wiring: {
  config: LocalConfig;
  aws: AwsEmulator;
  asyncFunctions: Map<string, AsyncInvoker>;
  cleanups: Array<() => Promise<void> | void>;
  log: (line: string) => void;
  iam: LocalIam | undefined;
}): void => {
  const runSchedule = wiring.asyncFunctions.get(RUN_SCHEDULE_FUNCTION);
  if (!runSchedule) throw new Error(`serverless.yml has no ${RUN_SCHEDULE_FUNCTION} function for the schedules`);
  const schedules = startLocalSchedules({
    file: wiring.config.schedulesFile,
    runSchedule,
    region: wiring.config.region,
    accountId: wiring.config.accountId,
    iam: wiring.iam,
    log: wiring.log,
  });
  wiring.aws.addLocalRoute(schedules.route);
  wiring.cleanups.push(() => schedules.stop());
};

/** What `npm start` prints once everything runs. */
export const banner = (stack: LocalStack): string => {
  const { config } = stack;
  const credentials = credentialsOf(config);
  const aws = `AWS_ACCESS_KEY_ID=${credentials.accessKeyId} AWS_SECRET_ACCESS_KEY=${credentials.secretAccessKey} aws --endpoint-url ${stack.awsUrl} --region ${config.region}`;
  const body = JSON.stringify({ sourceSnapshotName: config.snapshotName, targetBucket: config.bucket });
  return [
    '',
    'ElastiCache snapshot export service: local stack',
    '',
    `  HTTP API          ${stack.apiUrl}   (POST /exports, GET and DELETE /exports/{exportId}, GET /exports; no auth)`,
    `  AWS endpoint      ${stack.awsUrl}   (ElastiCache, S3, SNS, Step Functions)`,
    `  Region / account  ${config.region} / ${config.accountId}`,
    `  State machine     ${stack.stateMachineArn}`,
    `  Snapshot          ${config.snapshotName} (replication group ${config.replicationGroupId}, ${config.numNodeGroups} shards)`,
    `  Serverless cache  ${stack.seed?.serverlessCacheName ?? DEMO_SERVERLESS.serverlessCacheName} (Valkey), snapshot ${stack.seed?.serverlessSnapshotName ?? DEMO_SERVERLESS.serverlessSnapshotName}`,
    `  Bucket            ${config.bucket} (allowed: ${config.allowedTargetBuckets.join(', ') || 'none'})`,
    `  Topic             ${stack.topicArn}`,
    `  Time scale        ${config.timeScale} real seconds per emulated second (LOCAL_TIME_SCALE)`,
    stack.iam
      ? `  IAM               each function held to its packaged role; refused calls fail as on AWS (LOCAL_IAM=off turns this off; the AWS CLI is never limited)`
      : '  IAM               off (LOCAL_IAM=off): no call is refused',
    `  Data folder       ${stack.dataDir}`,
    '',
    'Request an export:',
    `  curl -s -X POST ${stack.apiUrl}/exports -H 'content-type: application/json' -d '${body}'`,
    'Follow it (or cancel it with -X DELETE):',
    `  curl -s ${stack.apiUrl}/exports/<exportId>`,
    `  curl -s ${stack.apiUrl}/exports`,
    'Read the notification:',
    `  curl -s ${stack.awsUrl}/_local/sns/messages`,
    ...(stack.iam
      ? ['See which calls each function made, and what IAM said:', `  curl -s ${stack.awsUrl}/_local/iam/calls`]
      : []),
    'With the AWS CLI:',
    `  ${aws} elasticache describe-snapshots --snapshot-name ${config.snapshotName}`,
    `  ${aws} s3 ls s3://${config.bucket}/`,
    `  ${aws} stepfunctions list-executions --state-machine-arn ${stack.stateMachineArn}`,
    '',
    'Ctrl+C stops the stack.',
    '',
  ].join('\n');
};

const main = async (): Promise<void> => {
  const stack = await startLocalStack({ log: (line) => process.stdout.write(`${line}\n`) });
  process.stdout.write(banner(stack));
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting without waiting\n`);
      process.exit(1);
    }
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the local stack\n`);
    stack.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`Stopping failed: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
};

/**
 * Why the stack could not start, for a person: a port in use names the variable that moves it, not a stack trace.
 * Anything else keeps its stack, which is what a bug report needs.
 */
export const startFailureMessage = (error: unknown, env: NodeJS.ProcessEnv = process.env): string => {
  const failure = error as NodeJS.ErrnoException & { port?: number; address?: string };
  if (failure?.code === 'EADDRINUSE') {
    const config = readLocalConfig(env);
    const [what, variable] =
      failure.port === config.apiPort ? ['the HTTP API', 'LOCAL_API_PORT'] : ['the AWS endpoint', 'LOCAL_AWS_PORT'];
    return `Port ${failure.port ?? '?'} on ${failure.address ?? config.host}, for ${what}, is in use: stop what listens there (another npm start?) or choose a free port, e.g. ${variable}=${(failure.port ?? 0) + 1} npm start`;
  }
  return `The local stack failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
};

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${startFailureMessage(error)}\n`);
    process.exit(1);
  });
}
