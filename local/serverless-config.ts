// What the local stack takes from serverless.yml itself, so it runs what is deployed rather than a copy: the
// functions triggered by EventBridge rules (their patterns, timeout, asynchronous retry settings and on-failure
// destination), the functions' own environment settings, and the DynamoDB tables and SQS queues the stack declares. `Ref` and `Fn::GetAtt` are resolved to
// local names and ARNs the way CloudFormation would (a table's Ref is its name, a queue's Ref its URL and GetAtt
// Arn its ARN, a state machine's Ref its ARN); `${sls:stage}` is the local stage. Anything else unresolved is an
// error here rather than a silent mismatch later.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { isRecord } from '../handlers/lib/records.js';

export const SERVERLESS_YML = path.join(__dirname, '..', 'serverless.yml');
export const LOCAL_STAGE = 'local';

export interface LocalScope {
  region: string;
  accountId: string;
  /** The local state machine's ARN (the ASL's `ExportSnapshotStateMachine`). */
  stateMachineArn: string;
  /** The emulator's URL, for queue URLs. */
  awsUrl: string;
}

export interface TableSpec {
  logicalId: string;
  name: string;
  keySchema: Array<{ AttributeName: string; KeyType: string }>;
  attributeDefinitions: Array<{ AttributeName: string; AttributeType: string }>;
  timeToLiveAttribute?: string;
}

export interface QueueSpec {
  logicalId: string;
  name: string;
  url: string;
  arn: string;
  attributes: Record<string, string>;
}

export interface EventRuleSpec {
  name: string;
  pattern: unknown;
}

export interface EventFunctionSpec {
  functionKey: string;
  /** `handlers/<file>` without extension. */
  handlerFile: string;
  timeoutSeconds: number;
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
  /** The on-failure destination queue, when it is one of the stack's queues. */
  onFailureQueue?: QueueSpec;
  rules: EventRuleSpec[];
}

export interface LocalDeployment {
  tables: TableSpec[];
  queues: QueueSpec[];
  eventFunctions: EventFunctionSpec[];
  /** Every function's timeout in seconds, by function key (its `timeout`, else the provider's, else 6). */
  functionTimeouts: Record<string, number>;
  /** The functions' own `environment` settings (the stack's resources, resolved), for the one local process. */
  environment: Record<string, string>;
}

type Yaml = Record<string, unknown>;

// biome-ignore lint/suspicious/noTemplateCurlyInString: the Serverless Framework variable, literally.
const STAGE_VARIABLE = '${sls:stage}';

const stageOf = (text: string): string => text.replaceAll(STAGE_VARIABLE, LOCAL_STAGE);

/** Reads serverless.yml (or `file`) and resolves what the local stack provisions and wires. */
export const readLocalDeployment = (scope: LocalScope, file = SERVERLESS_YML): LocalDeployment => {
  const config = parse(readFileSync(file, 'utf8')) as Yaml;
  // CloudFormation names an unnamed resource after the stack (<service>-<stage>) and its logical id.
  const stack = `${String(config.service)}-${LOCAL_STAGE}`;
  // `resources` may be a list the framework merges (serverless.yml's is: the fixed resources, then a variable
  // for the schedules' resources, which the local stack builds itself, local/schedules.ts).
  const blocks = Array.isArray(config.resources) ? config.resources : [config.resources];
  const resources = Object.assign(
    {},
    ...blocks.map((block) => (isRecord(block) && isRecord(block.Resources) ? block.Resources : {})),
  ) as Record<string, Yaml>;

  const tables: TableSpec[] = [];
  const queues: QueueSpec[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    const props = (isRecord(resource.Properties) ? resource.Properties : {}) as Yaml;
    if (resource.Type === 'AWS::DynamoDB::Table') {
      const ttl = isRecord(props.TimeToLiveSpecification) ? props.TimeToLiveSpecification : undefined;
      tables.push({
        logicalId,
        // CloudFormation names an unnamed table after the stack and the logical id.
        name: typeof props.TableName === 'string' ? stageOf(props.TableName) : `${stack}-${logicalId}`,
        keySchema: props.KeySchema as TableSpec['keySchema'],
        attributeDefinitions: props.AttributeDefinitions as TableSpec['attributeDefinitions'],
        ...(ttl?.Enabled === true &&
          typeof ttl.AttributeName === 'string' && { timeToLiveAttribute: ttl.AttributeName }),
      });
    } else if (resource.Type === 'AWS::SQS::Queue') {
      const name = typeof props.QueueName === 'string' ? stageOf(props.QueueName) : `${stack}-${logicalId}`;
      const attributes: Record<string, string> = {};
      for (const key of ['MessageRetentionPeriod', 'VisibilityTimeout', 'SqsManagedSseEnabled'] as const) {
        if (props[key] !== undefined) attributes[key] = String(props[key]);
      }
      queues.push({
        logicalId,
        name,
        url: `${scope.awsUrl}/${scope.accountId}/${name}`,
        arn: `arn:aws:sqs:${scope.region}:${scope.accountId}:${name}`,
        attributes,
      });
    }
  }

  const resolve = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const staged = stageOf(value);
      if (/\$\{[^}]+\}/.test(staged)) throw new Error(`serverless.yml: the local stack cannot resolve ${value}`);
      return staged;
    }
    if (Array.isArray(value)) return value.map(resolve);
    if (!isRecord(value)) return value;
    if (typeof value.Ref === 'string') return refOf(value.Ref);
    const getAtt = value['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string' && getAtt[1] === 'Arn') return arnOf(getAtt[0]);
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, resolve(inner)]));
  };
  const refOf = (logicalId: string): string => {
    if (logicalId === 'ExportSnapshotStateMachine') return scope.stateMachineArn;
    const table = tables.find((entry) => entry.logicalId === logicalId);
    if (table) return table.name;
    const queue = queues.find((entry) => entry.logicalId === logicalId);
    if (queue) return queue.url;
    throw new Error(`serverless.yml: the local stack cannot resolve Ref ${logicalId}`);
  };
  const arnOf = (logicalId: string): string => {
    const queue = queues.find((entry) => entry.logicalId === logicalId);
    if (queue) return queue.arn;
    const table = tables.find((entry) => entry.logicalId === logicalId);
    if (table) return `arn:aws:dynamodb:${scope.region}:${scope.accountId}:table/${table.name}`;
    throw new Error(`serverless.yml: the local stack cannot resolve Fn::GetAtt ${logicalId}.Arn`);
  };

  const functions = (isRecord(config.functions) ? config.functions : {}) as Record<string, Yaml>;
  // The Serverless Framework's default timeout is 6 seconds.
  const providerTimeout =
    isRecord(config.provider) && typeof config.provider.timeout === 'number' ? config.provider.timeout : 6;
  const timeoutOf = (fn: Yaml): number => (typeof fn.timeout === 'number' ? fn.timeout : providerTimeout);
  const functionTimeouts = Object.fromEntries(Object.entries(functions).map(([key, fn]) => [key, timeoutOf(fn)]));
  const eventFunctions: EventFunctionSpec[] = [];
  // Every function runs in the one local process, so their own settings share one environment.
  const environment: Record<string, string> = {};
  for (const fn of Object.values(functions)) {
    for (const [name, value] of Object.entries(isRecord(fn.environment) ? fn.environment : {})) {
      const resolved = String(resolve(value));
      if (environment[name] !== undefined && environment[name] !== resolved) {
        throw new Error(`serverless.yml: ${name} differs between functions; the local stack runs them in one process`);
      }
      environment[name] = resolved;
    }
  }
  for (const [functionKey, fn] of Object.entries(functions)) {
    const events = Array.isArray(fn.events) ? fn.events : [];
    const rules = events.flatMap((event: unknown) => {
      if (!isRecord(event) || !isRecord(event.eventBridge)) return [];
      const bridge = event.eventBridge;
      if (bridge.pattern === undefined) return [];
      return [{ name: String(resolve(bridge.name ?? `${functionKey}-rule`)), pattern: resolve(bridge.pattern) }];
    });
    // Invoked asynchronously: by an EventBridge rule, or (with an on-failure destination) by EventBridge Scheduler.
    if (rules.length === 0 && !isRecord(fn.destinations)) continue;
    const destinations = isRecord(fn.destinations) ? fn.destinations : {};
    const onFailure = isRecord(destinations.onFailure) ? resolve(destinations.onFailure.arn) : undefined;
    const onFailureQueue = queues.find((queue) => queue.arn === onFailure);
    eventFunctions.push({
      functionKey,
      handlerFile: String(fn.handler)
        .replace(/^handlers\//, '')
        .replace(/\.handler$/, ''),
      timeoutSeconds: timeoutOf(fn),
      maximumRetryAttempts: typeof fn.maximumRetryAttempts === 'number' ? fn.maximumRetryAttempts : 2,
      maximumEventAgeSeconds: typeof fn.maximumEventAge === 'number' ? fn.maximumEventAge : 21_600,
      ...(onFailureQueue && { onFailureQueue }),
      rules,
    });
  }
  return { tables, queues, eventFunctions, functionTimeouts, environment };
};
