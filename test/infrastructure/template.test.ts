// The CloudFormation template that `serverless package` produces (HOUSE-STYLE rule 17): AWS_IAM on the API, a state
// machine role that may invoke only our functions, least-privilege roles per function, the outcomes topic, the
// deployed ASL, Node 22 ESM bundles packaged one per function, and the schedules. These configurations are packaged
// once each: the defaults (stage dev, empty allow-list, no schedules), a configured one (stage prod in eu-west-1
// with an allow-list and the schedules in fixtures/schedules.yml), one with schedules that use retention and a
// flexible window (a schedules file written here), and the defaults in two other partitions.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { executionTimeoutSeconds } from '../../config/execution-bounds';
import { DEFAULT_BACKOFF } from '../../handlers/lib/backoff';
import { partitionOf, withPartition } from '../../handlers/lib/partition';
import {
  ACCOUNT_ID,
  getAttPlaceholder,
  identityStatements,
  type OwnedStatement,
  type Resource,
  refPlaceholder,
  resolvePlaceholders,
  resourcesOfType,
  TemplateEvaluator,
} from '../../local/aws/iam/cloudformation';
import { decide } from '../../local/aws/iam/evaluate';
import type { PrincipalRole } from '../../local/aws/iam/roles';
import { readRawDefinition } from '../../local/statemachine';
import { arnFormatsOf, matchesAFormat } from './iam-data';
import {
  type PackageConfig,
  type PackagedService,
  packageService,
  removePackage,
  SERVICE_DIR,
} from './serverless-package';
import { readZip } from './zip';

const DEFAULTS: PackageConfig = { stage: 'dev', region: 'us-east-1' };
const CONFIGURED: PackageConfig = {
  stage: 'prod',
  region: 'eu-west-1',
  env: {
    SCHEDULES_FILE: 'test/infrastructure/fixtures/schedules.yml',
    ALLOWED_TARGET_BUCKETS: 'exports-bucket,other-allowed-bucket',
    DEFAULT_TARGET_BUCKET: 'other-allowed-bucket',
    EXPORT_DEADLINE_MINUTES: '240',
    VERIFY_EXPORTS: 'header',
    LOG_LEVEL: 'WARN',
    SNAPSHOT_TOPICS: 'elasticache-*,orders-events',
  },
};

/** Schedules with retention, a flexible window and a one-time run (the fixture has neither). */
const SCHEDULES_YAML = `schedules:
  - name: sessions-nightly
    schedule: cron(30 2 * * ? *)
    timezone: Europe/Paris
    flexibleTimeWindow: 30
    retention:
      keepLast: 7
    input:
      replicationGroupId: sessions
      targetBucket: exports-bucket
  - name: Orders.Hourly
    schedule: rate(1 hour)
    retention:
      maxAgeDays: 2
    input:
      cacheClusterId: orders-0001
  - name: once
    schedule: at(2027-01-31T02:30:00)
    input:
      sourceSnapshotName: manual-1
      targetBucket: exports-bucket
`;
const schedulesDir = mkdtempSync(path.join(tmpdir(), 'template-schedules-'));
const SCHEDULES_FILE = path.join(schedulesDir, 'schedules.yml');
writeFileSync(SCHEDULES_FILE, SCHEDULES_YAML);
const SCHEDULED: PackageConfig = {
  stage: 'qa',
  region: 'us-east-1',
  env: {
    SCHEDULES_FILE,
    // Orders.Hourly names no bucket: its exports, and what it prunes, are in the default bucket.
    ALLOWED_TARGET_BUCKETS: 'exports-bucket,archive-bucket,unscheduled-bucket',
    DEFAULT_TARGET_BUCKET: 'archive-bucket',
  },
};

const FUNCTIONS = {
  requestExport: 'handlers/request-export',
  getExport: 'handlers/get-export',
  listExports: 'handlers/list-exports',
  validateExport: 'handlers/validate-export',
  takeSnapshot: 'handlers/take-snapshot',
  startExport: 'handlers/start-export',
  checkExport: 'handlers/check-export',
  cleanUp: 'handlers/clean-up',
  publishOutcome: 'handlers/publish-outcome',
  cancelExport: 'handlers/cancel-export',
  safetyNet: 'handlers/safety-net',
  runSchedule: 'handlers/run-schedule',
} as const;
type FunctionKey = keyof typeof FUNCTIONS;
const FUNCTION_KEYS = Object.keys(FUNCTIONS) as FunctionKey[];
const API_FUNCTIONS: FunctionKey[] = ['requestExport', 'getExport', 'listExports', 'cancelExport'];

/** The framework's logical id prefix for a function key: requestExport -> RequestExport. */
const normalized = (key: string): string => `${key.charAt(0).toUpperCase()}${key.slice(1)}`;
const functionLogicalId = (key: string): string => `${normalized(key)}LambdaFunction`;

const STATE_MACHINE = 'ExportSnapshotStateMachine';
const ASL_PATH = path.join(SERVICE_DIR, 'statemachine', 'export-snapshot.asl.json');
const BUCKET_DISCOVERY_ACTIONS = ['s3:ListAllMyBuckets'];

interface Packaged extends PackagedService {
  config: PackageConfig;
  evaluator: TemplateEvaluator;
  resources: Record<string, Resource>;
  statements: OwnedStatement[];
}

const packaged = async (config: PackageConfig): Promise<Packaged> => {
  const service = await packageService(config);
  const evaluator = new TemplateEvaluator(service.template, { region: config.region, accountId: ACCOUNT_ID });
  const resources = evaluator.resources();
  return { ...service, config, evaluator, resources, statements: identityStatements(resources) };
};

let defaults: Packaged;
let configured: Packaged;
let scheduled: Packaged;
/** The same service packaged for AWS GovCloud (US) and China: other partitions. */
let govCloud: Packaged;
let china: Packaged;

beforeAll(async () => {
  // One after the other: each packaging bundles every function, and the machine has few cores.
  defaults = await packaged(DEFAULTS);
  configured = await packaged(CONFIGURED);
  scheduled = await packaged(SCHEDULED);
  govCloud = await packaged({ stage: 'dev', region: 'us-gov-west-1' });
  china = await packaged({ stage: 'dev', region: 'cn-north-1' });
}, 300_000);

const temporary: string[] = [schedulesDir];
afterAll(() => {
  for (const service of [defaults, configured, scheduled, govCloud, china]) if (service) removePackage(service);
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

const properties = (service: Packaged, logicalId: string): Record<string, unknown> => {
  const resource = service.resources[logicalId];
  if (resource === undefined) throw new Error(`No resource ${logicalId}`);
  return resource.Properties ?? {};
};

const logicalIdOf = (placeholder: unknown): string => {
  const match = /^\{\{(?:Ref|GetAtt) ([A-Za-z0-9]+)/.exec(String(placeholder));
  if (!match?.[1]) throw new Error(`Not a resource reference: ${String(placeholder)}`);
  return match[1];
};

/** action -> resources granted by the Allow statements of one role. */
const permissions = (service: Packaged, roleLogicalId: string): Record<string, string[]> => {
  const granted: Record<string, string[]> = {};
  for (const { owner, actions, resources, statement } of service.statements) {
    if (owner !== roleLogicalId) continue;
    expect(statement.Effect).toBe('Allow');
    for (const action of actions) granted[action] = [...(granted[action] ?? []), ...resources].sort();
  }
  return granted;
};

const scopeOf = (service: Packaged) => ({
  partition: partitionOf(service.config.region),
  region: service.config.region,
  accountId: ACCOUNT_ID,
});

/** The ARN CloudFormation gives a resource of the template (its Arn attribute). */
const arnOf = (service: Packaged, logicalId: string): string =>
  resolvePlaceholders(getAttPlaceholder(logicalId, 'Arn'), service.resources, scopeOf(service));

/** A role of the template as the policy evaluator takes it: its inline policies, placeholders made into ARNs. */
const principal = (service: Packaged, roleLogicalId: string): PrincipalRole => {
  const policies = properties(service, roleLogicalId).Policies as Array<{
    PolicyName: string;
    PolicyDocument: unknown;
  }>;
  return {
    roleLogicalId,
    principalArn: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${roleLogicalId}/test`,
    policies: policies.map((policy) => ({
      name: `${roleLogicalId}/${policy.PolicyName}`,
      document: JSON.parse(JSON.stringify(policy.PolicyDocument), (_key, value: unknown) =>
        typeof value === 'string' ? resolvePlaceholders(value, service.resources, scopeOf(service)) : value,
      ),
    })),
  };
};

/** Which of `resources` the role may call `action` on (AWS's evaluation logic, offline). */
const allowedOf = async (role: PrincipalRole, action: string, resources: string[]): Promise<string[]> => {
  const allowed: string[] = [];
  for (const resource of resources) {
    const decision = await decide(role, ACCOUNT_ID, action, resource);
    if (decision.problem) throw new Error(`${action} on ${resource}: ${decision.problem}`);
    if (decision.allowed) allowed.push(resource);
  }
  return allowed;
};

const taskFunctionKeys = (): string[] => {
  const keys = new Set<string>();
  JSON.parse(readFileSync(ASL_PATH, 'utf8'), (_key, value: unknown) => {
    const getAtt = (value as Record<string, unknown> | null)?.['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') keys.add(getAtt[0]);
    return value;
  });
  return [...keys].sort();
};

describe('the API', () => {
  it('requires AWS_IAM authorization on every method', () => {
    for (const service of [defaults, configured]) {
      // Arrange
      const methods = resourcesOfType(service.resources, 'AWS::ApiGateway::Method').filter(
        ([, method]) => method.Properties?.HttpMethod !== 'OPTIONS',
      );

      // Act
      const authorization = methods.map(([logicalId, method]) => [logicalId, method.Properties?.AuthorizationType]);

      // Assert
      expect(methods).toHaveLength(4);
      expect(authorization).toEqual(methods.map(([logicalId]) => [logicalId, 'AWS_IAM']));
    }
  });

  it('routes POST /exports, GET /exports, GET and DELETE /exports/{exportId} to their functions', () => {
    // Arrange
    const pathOf = (resourceRef: unknown): string => {
      if (String(resourceRef).includes('RootResourceId')) return '';
      const resource = properties(defaults, logicalIdOf(resourceRef));
      return `${pathOf(resource.ParentId)}/${String(resource.PathPart)}`;
    };

    // Act
    const routes = resourcesOfType(defaults.resources, 'AWS::ApiGateway::Method').map(([, method]) => {
      const props = method.Properties ?? {};
      const uri = String((props.Integration as { Uri: unknown }).Uri);
      return `${String(props.HttpMethod)} ${pathOf(props.ResourceId)} -> ${logicalIdOf(/\{\{GetAtt [^}]+\}\}/.exec(uri)?.[0])}`;
    });

    // Assert
    expect(routes.sort()).toEqual([
      'DELETE /exports/{exportId} -> CancelExportLambdaFunction',
      'GET /exports -> ListExportsLambdaFunction',
      'GET /exports/{exportId} -> GetExportLambdaFunction',
      'POST /exports -> RequestExportLambdaFunction',
    ]);
  });
});

describe('IAM', () => {
  it('grants no action with a wildcard, in any role or policy', () => {
    for (const service of [defaults, configured, scheduled]) {
      // Act
      const wildcards = service.statements.filter(
        ({ actions, statement }) => actions.some((action) => action.includes('*')) || statement.NotAction,
      );

      // Assert
      expect(service.statements.length).toBeGreaterThan(10);
      expect(wildcards).toEqual([]);
    }
  });

  it("uses Resource '*' only for s3:ListAllMyBuckets, which has no resource type", () => {
    for (const service of [defaults, configured, scheduled]) {
      // Act
      const onEverything = service.statements.filter(
        ({ resources, statement }) => resources.includes('*') || statement.NotResource,
      );

      // Assert
      expect(onEverything.length).toBeGreaterThan(0);
      for (const { owner, actions } of onEverything) {
        expect({ owner, actions: [...actions].sort() }).toEqual({ owner, actions: BUCKET_DISCOVERY_ACTIONS });
      }
    }
  });

  it("names only actions and resource types that exist in AWS's service authorization data, in every partition", async () => {
    // `scheduled` adds the retention statements (s3:ListBucket, s3:DeleteObject on key prefixes).
    for (const service of [defaults, configured, scheduled, govCloud, china]) {
      const scope = scopeOf(service);
      const mismatches: string[] = [];
      for (const { owner, actions, resources } of service.statements) {
        for (const action of actions) {
          const formats = await arnFormatsOf(action);
          for (const resource of resources) {
            const arn = resolvePlaceholders(resource, service.resources, scope);
            if (!matchesAFormat(arn, formats))
              mismatches.push(`${owner}: ${action} on ${arn} (types: ${formats.join(', ') || 'none, only *'})`);
          }
        }
      }
      expect({ region: service.config.region, mismatches }).toEqual({ region: service.config.region, mismatches: [] });
    }
  });

  it("matches the README's IAM table: each function role and the scheduler's grant exactly the actions the table lists", () => {
    // Arrange: README.md, section IAM, rows `| role | actions | resources |`; a row with no role continues the last.
    const readme = readFileSync(path.join(SERVICE_DIR, 'README.md'), 'utf8');
    const table = readme.slice(readme.indexOf('| role | actions | resources |'));
    const documented = new Map<string, Set<string>>();
    let role = '';
    for (const line of table.split('\n').slice(2)) {
      if (!line.startsWith('|')) break;
      const [, name = '', actions = ''] = line.split('|').map((cell) => cell.trim());
      if (name) role = name;
      const set = documented.get(role) ?? new Set<string>();
      for (const action of actions.matchAll(/`([a-z0-9-]+:[A-Za-z]+)`/g)) set.add(action[1] ?? '');
      documented.set(role, set);
    }

    // Act: with buckets allowed and schedules that prune, so every conditional statement is there too; the log
    // permissions are every role's.
    const roles: Array<[string, string]> = [
      ...FUNCTION_KEYS.map((key): [string, string] => [key, `${normalized(key)}Role`]),
      ['scheduler', 'SchedulerRole'],
    ];
    const granted = Object.fromEntries(
      roles.map(([row, roleLogicalId]) => [
        row,
        Object.keys(permissions(scheduled, roleLogicalId))
          .filter((action) => !action.startsWith('logs:'))
          .sort(),
      ]),
    );

    // Assert
    expect(Object.fromEntries(roles.map(([row]) => [row, [...(documented.get(row) ?? [])].sort()]))).toEqual(granted);
  });

  it('gives every function its own role and no shared execution role', () => {
    // Act
    const roles = FUNCTION_KEYS.map((key) => properties(defaults, functionLogicalId(key)).Role);

    // Assert
    expect(roles).toEqual(FUNCTION_KEYS.map((key) => getAttPlaceholder(`${normalized(key)}Role`, 'Arn')));
    expect(defaults.resources.IamRoleLambdaExecution).toBeUndefined();
    for (const key of FUNCTION_KEYS) {
      const trust = properties(defaults, `${normalized(key)}Role`).AssumeRolePolicyDocument;
      expect(trust).toEqual({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      });
    }
  });

  it('grants each function only what it calls, on this account and Region, when no bucket is allowed', () => {
    // Arrange
    const arn = (service: string, resource: string) => `arn:aws:${service}:us-east-1:${ACCOUNT_ID}:${resource}`;
    const logs = (key: string) => {
      const logGroup = [getAttPlaceholder(`${normalized(key)}LogGroup`, 'Arn')];
      return { 'logs:CreateLogStream': logGroup, 'logs:PutLogEvents': logGroup };
    };
    const executions = [arn('states', 'execution:exportSnapshot-dev:*')];
    const snapshotSources = [arn('elasticache', 'snapshot:*')];
    const serverlessSnapshots = [arn('elasticache', 'serverlesscachesnapshot:*')];
    // The snapshots this service takes itself (export-<exportId>): the only ones it ever deletes.
    const freshSnapshots = [arn('elasticache', 'snapshot:export-*')];
    // Serverless ones are named after their target: export-* (no schedule takes one here).
    const freshServerlessSnapshots = [arn('elasticache', 'serverlesscachesnapshot:export-*')];
    const serverlessCaches = [arn('elasticache', 'serverlesscache:*')];
    // serverlessCacheName: snapshots listed by cache (the optional serverlesscache type), the cache described.
    const serverlessChecks = {
      'elasticache:DescribeServerlessCacheSnapshots': [...serverlessCaches, ...serverlessSnapshots],
      'elasticache:DescribeServerlessCaches': serverlessCaches,
    };
    const expected: Record<FunctionKey, Record<string, string[]>> = {
      // The dry run (POST /exports?dryRun=true) reads what validateExport reads.
      requestExport: {
        ...logs('requestExport'),
        'states:StartExecution': [refPlaceholder(STATE_MACHINE)],
        'states:DescribeExecution': executions,
        'elasticache:DescribeSnapshots': snapshotSources,
        ...serverlessChecks,
        'elasticache:DescribeReplicationGroups': [arn('elasticache', 'replicationgroup:*')],
        'elasticache:DescribeCacheClusters': [arn('elasticache', 'cluster:*')],
        's3:ListAllMyBuckets': ['*'],
      },
      getExport: {
        ...logs('getExport'),
        'states:DescribeExecution': executions,
        'states:GetExecutionHistory': executions,
      },
      listExports: {
        ...logs('listExports'),
        'states:ListExecutions': [refPlaceholder(STATE_MACHINE)],
        'states:DescribeExecution': executions,
      },
      validateExport: {
        ...logs('validateExport'),
        'elasticache:DescribeSnapshots': snapshotSources,
        ...serverlessChecks,
        'elasticache:DescribeReplicationGroups': [arn('elasticache', 'replicationgroup:*')],
        'elasticache:DescribeCacheClusters': [arn('elasticache', 'cluster:*')],
        's3:ListAllMyBuckets': ['*'],
      },
      takeSnapshot: {
        ...logs('takeSnapshot'),
        // Authorized on the new snapshot and on the group or cluster it is taken of.
        'elasticache:CreateSnapshot': [
          ...freshSnapshots,
          arn('elasticache', 'replicationgroup:*'),
          arn('elasticache', 'cluster:*'),
        ].sort(),
        'elasticache:DescribeSnapshots': snapshotSources,
        'elasticache:DeleteSnapshot': freshSnapshots,
        'elasticache:CreateServerlessCacheSnapshot': [...serverlessCaches, ...freshServerlessSnapshots],
        'elasticache:DescribeServerlessCacheSnapshots': serverlessSnapshots,
        'states:DescribeExecution': executions,
      },
      startExport: {
        ...logs('startExport'),
        'elasticache:CopySnapshot': snapshotSources,
        'elasticache:DescribeSnapshots': snapshotSources,
        'elasticache:ExportServerlessCacheSnapshot': serverlessSnapshots,
        'elasticache:DescribeServerlessCacheSnapshots': serverlessSnapshots,
        's3:ListAllMyBuckets': ['*'],
      },
      checkExport: {
        ...logs('checkExport'),
        'elasticache:DescribeSnapshots': snapshotSources,
        'elasticache:DescribeServerlessCacheSnapshots': serverlessSnapshots,
      },
      // No schedule has a retention policy here, so cleanUp may not touch S3 at all.
      cleanUp: {
        ...logs('cleanUp'),
        'elasticache:DeleteSnapshot': freshSnapshots,
        'elasticache:DeleteServerlessCacheSnapshot': freshServerlessSnapshots,
      },
      publishOutcome: {
        ...logs('publishOutcome'),
        'sns:Publish': [arn('sns', '*'), refPlaceholder('OutcomesTopic')],
        'elasticache:DescribeSnapshots': snapshotSources,
        'dynamodb:GetItem': [getAttPlaceholder('SafetyNetTable', 'Arn')],
        'dynamodb:PutItem': [getAttPlaceholder('SafetyNetTable', 'Arn')],
      },
      cancelExport: {
        ...logs('cancelExport'),
        'states:DescribeExecution': executions,
        'states:GetExecutionHistory': executions,
        'states:StopExecution': executions,
      },
      safetyNet: {
        ...logs('safetyNet'),
        'states:DescribeExecution': executions,
        'states:GetExecutionHistory': executions,
        'sns:Publish': [arn('sns', '*'), refPlaceholder('OutcomesTopic')],
        'elasticache:DescribeSnapshots': snapshotSources,
        'elasticache:DeleteSnapshot': freshSnapshots,
        'elasticache:DeleteServerlessCacheSnapshot': freshServerlessSnapshots,
        'dynamodb:GetItem': [getAttPlaceholder('SafetyNetTable', 'Arn')],
        'dynamodb:PutItem': [getAttPlaceholder('SafetyNetTable', 'Arn')],
        'dynamodb:UpdateItem': [getAttPlaceholder('SafetyNetTable', 'Arn')],
        'dynamodb:DeleteItem': [getAttPlaceholder('SafetyNetTable', 'Arn')],
        'sqs:SendMessage': [getAttPlaceholder('SafetyNetDeadLetterQueue', 'Arn')],
      },
      runSchedule: {
        ...logs('runSchedule'),
        'states:StartExecution': [refPlaceholder(STATE_MACHINE)],
        'states:DescribeExecution': executions,
        'sqs:SendMessage': [getAttPlaceholder('SchedulesDeadLetterQueue', 'Arn')],
      },
    };

    // Act
    const granted = Object.fromEntries(
      FUNCTION_KEYS.map((key) => [key, permissions(defaults, `${normalized(key)}Role`)]),
    );

    // Assert
    expect(granted).toEqual(expected);
  });

  it('lets publishOutcome publish to the outcomes topic and the snapshot topics SNAPSHOT_TOPICS names, no others', () => {
    // Act
    const publish = (service: Packaged) => permissions(service, 'PublishOutcomeRole')['sns:Publish'];

    // Assert: by default every topic of the account and Region (any cluster's notification topic).
    expect(publish(defaults)).toEqual(
      [`arn:aws:sns:us-east-1:${ACCOUNT_ID}:*`, refPlaceholder('OutcomesTopic')].sort(),
    );
    expect(publish(configured)).toEqual(
      [
        `arn:aws:sns:eu-west-1:${ACCOUNT_ID}:elasticache-*`,
        `arn:aws:sns:eu-west-1:${ACCOUNT_ID}:orders-events`,
        refPlaceholder('OutcomesTopic'),
      ].sort(),
    );
  });

  it('grants the bucket-level S3 actions on the allow-listed buckets only', () => {
    // Arrange
    const buckets = ['arn:aws:s3:::exports-bucket', 'arn:aws:s3:::other-allowed-bucket'];
    const objects = buckets.map((bucket) => `${bucket}/*`);
    const bucketGrants = (key: FunctionKey) =>
      Object.fromEntries(
        Object.entries(permissions(configured, `${normalized(key)}Role`)).filter(
          ([action]) => action.startsWith('s3:') && !BUCKET_DISCOVERY_ACTIONS.includes(action),
        ),
      );

    // Act
    const granted = Object.fromEntries(FUNCTION_KEYS.map((key) => [key, bucketGrants(key)]));

    // Assert
    // The dry run's bucket checks are validateExport's.
    const bucketChecks = {
      's3:ListBucket': buckets,
      's3:GetBucketLocation': buckets,
      's3:GetBucketAcl': buckets,
      's3:GetBucketPolicy': buckets,
      's3:GetBucketOwnershipControls': buckets,
    };
    expect(granted).toEqual({
      requestExport: bucketChecks,
      getExport: {},
      listExports: {},
      validateExport: bucketChecks,
      // The caller's own S3 permissions that CopySnapshot to a bucket requires (ElastiCache User Guide).
      startExport: {
        's3:ListBucket': buckets,
        's3:GetBucketLocation': buckets,
        's3:PutObject': objects,
        's3:GetObject': objects,
        's3:DeleteObject': objects,
      },
      // Reading the exported objects back to verify them: only .rdb keys (handlers/lib/export-verification.ts).
      checkExport: { 's3:ListBucket': buckets, 's3:GetObject': buckets.map((bucket) => `${bucket}/*.rdb`) },
      takeSnapshot: {},
      // The fixture's schedules have no retention policy: nothing to prune (see 'schedules' for one that has).
      cleanUp: {},
      publishOutcome: {},
      cancelExport: {},
      safetyNet: {},
      runSchedule: {},
    });
  });

  it('lets the state machine invoke only the functions its definition names', () => {
    for (const service of [defaults, configured, govCloud, china]) {
      // Arrange
      const role = logicalIdOf(properties(service, STATE_MACHINE).RoleArn);
      const allowed = taskFunctionKeys().flatMap((key) => {
        const functionArn = getAttPlaceholder(functionLogicalId(key), 'Arn');
        return [functionArn, `${functionArn}:*`];
      });

      // Act
      const granted = permissions(service, role);

      // Assert
      expect(taskFunctionKeys()).toEqual([
        'checkExport',
        'cleanUp',
        'publishOutcome',
        'startExport',
        'takeSnapshot',
        'validateExport',
      ]);
      expect(granted).toEqual({ 'lambda:InvokeFunction': allowed.sort() });
    }
  });
});

describe('every partition', () => {
  it('writes no literal arn:aws: for GovCloud and China, the state machine definition included', () => {
    for (const service of [govCloud, china]) {
      const text = JSON.stringify(service.template);
      expect({ region: service.config.region, literal: text.match(/arn:aws:[^"\\]*/g) ?? [] }).toEqual({
        region: service.config.region,
        literal: [],
      });
    }
  });

  it("names each Region's own partition in the Task resources, and none in the committed ASL", () => {
    // Arrange
    const taskResources = (service: Packaged): string[] => {
      const definition = JSON.parse(String(properties(service, STATE_MACHINE).DefinitionString)) as {
        States: Record<string, { Type: string; Resource?: string }>;
      };
      return [
        ...new Set(Object.values(definition.States).flatMap((state) => (state.Resource ? [state.Resource] : []))),
      ];
    };

    // Assert
    expect(taskResources(defaults)).toEqual(['arn:aws:states:::lambda:invoke']);
    expect(taskResources(govCloud)).toEqual(['arn:aws-us-gov:states:::lambda:invoke']);
    expect(taskResources(china)).toEqual(['arn:aws-cn:states:::lambda:invoke']);
    expect(readFileSync(ASL_PATH, 'utf8')).not.toMatch(/"arn:aws[a-z-]*:/);
  });
});

describe('configuration', () => {
  it('creates the outcomes topic and hands its ARN to every function as DEFAULT_TOPIC_ARN', () => {
    // Act
    const topic = defaults.resources.OutcomesTopic;
    const topicArns = FUNCTION_KEYS.map(
      (key) =>
        (properties(defaults, functionLogicalId(key)).Environment as { Variables: Record<string, string> }).Variables
          .DEFAULT_TOPIC_ARN,
    );

    // Assert
    expect(topic?.Type).toBe('AWS::SNS::Topic');
    expect(topic?.Properties?.TopicName).toBe('elasticache-export-outcomes-dev');
    expect(topicArns).toEqual(FUNCTION_KEYS.map(() => refPlaceholder('OutcomesTopic')));
  });

  it('hands every function the ARN of the state machine this stack creates', () => {
    for (const service of [defaults, configured]) {
      // Arrange
      const stateMachine = properties(service, STATE_MACHINE);
      const expected = `arn:aws:states:${service.config.region}:${ACCOUNT_ID}:stateMachine:${String(stateMachine.StateMachineName)}`;

      // Act
      const arns = FUNCTION_KEYS.map(
        (key) =>
          (properties(service, functionLogicalId(key)).Environment as { Variables: Record<string, string> }).Variables
            .STATE_MACHINE_ARN,
      );

      // Assert
      expect(stateMachine.StateMachineName).toBe(`exportSnapshot-${service.config.stage}`);
      expect(arns).toEqual(FUNCTION_KEYS.map(() => expected));
    }
  });

  it('runs every function on nodejs22.x with JSON logs, source maps and the default settings', () => {
    // Act
    const settings = FUNCTION_KEYS.map((key) => {
      const fn = properties(defaults, functionLogicalId(key));
      return { key, runtime: fn.Runtime, handler: fn.Handler, logging: fn.LoggingConfig, env: fn.Environment };
    });

    // Assert
    expect(settings).toEqual(
      FUNCTION_KEYS.map((key) => ({
        key,
        runtime: 'nodejs22.x',
        handler: `${FUNCTIONS[key]}.handler`,
        logging: { LogFormat: 'JSON', ApplicationLogLevel: 'DEBUG' },
        env: {
          Variables: {
            NODE_OPTIONS: '--enable-source-maps',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            POWERTOOLS_LOG_LEVEL: 'DEBUG',
            ALLOWED_TARGET_BUCKETS: '',
            DEFAULT_TARGET_BUCKET: '',
            EXPORT_DEADLINE_MINUTES: '720',
            VERIFY_EXPORTS: 'full',
            DEFAULT_TOPIC_ARN: refPlaceholder('OutcomesTopic'),
            STATE_MACHINE_ARN: `arn:aws:states:us-east-1:${ACCOUNT_ID}:stateMachine:exportSnapshot-dev`,
            // The safety net keeps its records there, and publishOutcome the record of each notification it sent;
            // both count outcomes under the Stage dimension the freshness alarms watch.
            ...((key === 'safetyNet' || key === 'publishOutcome') && {
              NOTIFICATION_TABLE_NAME: refPlaceholder('SafetyNetTable'),
              STAGE_NAME: 'dev',
            }),
          },
        },
      })),
    );
  });

  it('takes the settings from the environment when they are set there', () => {
    // Act
    const fn = properties(configured, functionLogicalId('validateExport'));

    // Assert
    expect(fn.LoggingConfig).toEqual({ LogFormat: 'JSON', ApplicationLogLevel: 'WARN' });
    expect((fn.Environment as { Variables: Record<string, string> }).Variables).toMatchObject({
      POWERTOOLS_LOG_LEVEL: 'WARN',
      ALLOWED_TARGET_BUCKETS: 'exports-bucket,other-allowed-bucket',
      DEFAULT_TARGET_BUCKET: 'other-allowed-bucket',
      EXPORT_DEADLINE_MINUTES: '240',
      VERIFY_EXPORTS: 'header',
    });
  });

  it("stops every task function before Step Functions' TimeoutSeconds for its state, and API functions at 10 s", () => {
    // Arrange
    const asl = JSON.parse(readFileSync(ASL_PATH, 'utf8')) as {
      States: Record<string, { Parameters?: { FunctionName?: { 'Fn::GetAtt'?: string[] } }; TimeoutSeconds?: number }>;
    };
    const taskStates = Object.values(asl.States).filter((state) => state.Parameters?.FunctionName?.['Fn::GetAtt']);

    // Act
    const timeouts = Object.fromEntries(
      FUNCTION_KEYS.map((key) => [key, Number(properties(defaults, functionLogicalId(key)).Timeout)]),
    );

    // Assert
    expect(taskStates.length).toBeGreaterThan(0);
    for (const state of taskStates) {
      const key = state.Parameters?.FunctionName?.['Fn::GetAtt']?.[0] as FunctionKey;
      expect({ key, below: (timeouts[key] ?? Infinity) < (state.TimeoutSeconds ?? 0) }).toEqual({ key, below: true });
    }
    expect(API_FUNCTIONS.map((key) => timeouts[key])).toEqual([10, 10, 10, 10]);
  });
});

describe('the state machine', () => {
  it('deploys statemachine/export-snapshot.asl.json with the function references resolved', () => {
    // Arrange
    const expected = JSON.parse(withPartition(readFileSync(ASL_PATH, 'utf8'), 'us-east-1'), (_key, value: unknown) => {
      const getAtt = (value as Record<string, unknown> | null)?.['Fn::GetAtt'];
      return Array.isArray(getAtt) ? getAttPlaceholder(functionLogicalId(String(getAtt[0])), 'Arn') : value;
    }) as { QueryLanguage?: string; TimeoutSeconds?: number };
    // Packaging derives the execution timeout from the deadline (720 minutes by default).
    expected.TimeoutSeconds = executionTimeoutSeconds(readRawDefinition() as never, 720, DEFAULT_BACKOFF.maxSeconds);

    // Act
    const deployed = JSON.parse(String(properties(defaults, STATE_MACHINE).DefinitionString)) as {
      QueryLanguage?: string;
      States: Record<string, Record<string, unknown>>;
    };
    // The plugin's validator copies the top-level QueryLanguage into every state; same meaning, so drop it.
    for (const state of Object.values(deployed.States)) {
      if (state.QueryLanguage === deployed.QueryLanguage) delete state.QueryLanguage;
    }

    // Assert
    expect(deployed).toEqual(expected);
    expect(properties(defaults, STATE_MACHINE).StateMachineType).toBe('STANDARD');
  });

  it('times an execution out after the configured deadline and its worst-case tail, so TIMED_OUT can happen', () => {
    // Act
    const timeoutOf = (service: Packaged): number =>
      (JSON.parse(String(properties(service, STATE_MACHINE).DefinitionString)) as { TimeoutSeconds: number })
        .TimeoutSeconds;

    // Assert: 720 and 240 minutes, each plus the same worst case of what may run after the deadline.
    const tail = executionTimeoutSeconds(readRawDefinition() as never, 0, DEFAULT_BACKOFF.maxSeconds);
    expect(timeoutOf(defaults)).toBe(Math.ceil((720 * 60 + tail) / 60) * 60);
    expect(timeoutOf(configured)).toBe(Math.ceil((240 * 60 + tail) / 60) * 60);
    // Every Task outside the polling loops at its worst, the fresh snapshot's and both clean-ups' included.
    expect(tail).toBeLessThan(3 * 3600);
  });
});

describe('packaging', () => {
  it('packages each function on its own, as one ES module bundle with its source map', () => {
    // Act
    const artifacts = FUNCTION_KEYS.map((key) => {
      const code = properties(defaults, functionLogicalId(key)).Code as { S3Key: string };
      const entries = readZip(path.join(defaults.dir, `${key}.zip`));
      const bundle = entries.find((entry) => entry.name.endsWith('.mjs'));
      return {
        key: path.basename(code.S3Key),
        entries: entries.map((entry) => entry.name).sort(),
        banner: bundle?.content().toString('utf8').startsWith('import { createRequire'),
      };
    });

    // Assert
    expect(artifacts).toEqual(
      FUNCTION_KEYS.map((key) => ({
        key: `${key}.zip`,
        entries: [`${FUNCTIONS[key]}.mjs`, `${FUNCTIONS[key]}.mjs.map`],
        banner: true,
      })),
    );
  });

  it('produces bundles that Node loads as ES modules, each exporting handler', async () => {
    // Arrange
    const root = mkdtempSync(path.join(tmpdir(), 'sls-bundles-'));
    temporary.push(root);
    const bundles = FUNCTION_KEYS.map((key) => {
      for (const entry of readZip(path.join(defaults.dir, `${key}.zip`))) {
        const target = path.join(root, key, entry.name);
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, entry.content());
      }
      return [key, pathToFileURL(path.join(root, key, `${FUNCTIONS[key]}.mjs`)).href];
    });
    const script = `const bundles = ${JSON.stringify(bundles)};
      const loaded = {};
      for (const [key, url] of bundles) loaded[key] = typeof (await import(url)).handler;
      process.stdout.write(JSON.stringify(loaded));`;

    // Act
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      // Each bundle reads its settings at load; the ones the template gives only some functions are set here.
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', NOTIFICATION_TABLE_NAME: 't' },
    });

    // Assert
    expect(JSON.parse(stdout)).toEqual(Object.fromEntries(FUNCTION_KEYS.map((key) => [key, 'function'])));
  });

  it("signs with the environment's credentials, as Lambda gives them, and with nothing else", async () => {
    // Arrange: getExport's bundle, a Step Functions endpoint here that records each request's signature, and a
    // HOME whose shared credentials file the SDK's default chain would read (the bundles must not have that chain).
    const root = mkdtempSync(path.join(tmpdir(), 'sls-credentials-'));
    temporary.push(root);
    for (const entry of readZip(path.join(defaults.dir, 'getExport.zip'))) {
      mkdirSync(path.dirname(path.join(root, entry.name)), { recursive: true });
      writeFileSync(path.join(root, entry.name), entry.content());
    }
    mkdirSync(path.join(root, 'home', '.aws'), { recursive: true });
    writeFileSync(
      path.join(root, 'home', '.aws', 'credentials'),
      '[default]\naws_access_key_id = AKIAFROMFILE\naws_secret_access_key = file-secret\n',
    );
    const signatures: string[] = [];
    const server = createServer((request, response) => {
      signatures.push(`${request.headers.authorization ?? ''} token=${request.headers['x-amz-security-token'] ?? ''}`);
      response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ __type: 'ExecutionDoesNotExist', message: 'Execution Does Not Exist' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const bundle = pathToFileURL(path.join(root, `${FUNCTIONS.getExport}.mjs`)).href;
    const script = `const { handler } = await import(${JSON.stringify(bundle)});
      const event = { httpMethod: 'GET', path: '/exports/nightly', pathParameters: { exportId: 'nightly' }, headers: {} };
      const context = { awsRequestId: 'r', functionName: 'getExport', getRemainingTimeInMillis: () => 10000 };
      process.stdout.write('\\nstatus ' + (await handler(event, context)).statusCode);`;
    const invoke = async (credentials: Record<string, string>) =>
      (
        await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
          env: {
            PATH: process.env.PATH,
            HOME: path.join(root, 'home'),
            AWS_REGION: 'us-east-1',
            AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            AWS_EC2_METADATA_DISABLED: 'true',
            STATE_MACHINE_ARN: `arn:aws:states:us-east-1:${ACCOUNT_ID}:stateMachine:exportSnapshot-dev`,
            ...credentials,
          },
        })
      ).stdout
        .split('\n')
        .at(-1);

    try {
      // Act
      const withEnvironment = await invoke({
        AWS_ACCESS_KEY_ID: 'ASIAFROMENVIRONMENT',
        AWS_SECRET_ACCESS_KEY: 'environment-secret',
        AWS_SESSION_TOKEN: 'environment-token',
      });
      const sentWithEnvironment = signatures.splice(0);
      const withFileOnly = await invoke({});

      // Assert: 404 from the environment's signed call; with only the file, nothing is sent (a 500).
      expect(withEnvironment).toBe('status 404');
      expect(sentWithEnvironment).toEqual([
        expect.stringMatching(/Credential=ASIAFROMENVIRONMENT\/.* token=environment-token$/),
      ]);
      expect(withFileOnly).toBe('status 500');
      expect(signatures).toEqual([]);
    } finally {
      server.close();
    }
  });
});

describe('the safety net', () => {
  const RULE = 'ElasticachesnapshotexportdevsafetyNetrule1EventBridgeRule';

  it("routes this state machine's FAILED, TIMED_OUT and ABORTED executions to the safety net, with retries and a dead-letter queue", () => {
    // Act
    const rule = properties(defaults, RULE);

    // Assert
    expect(rule.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { stateMachineArn: [refPlaceholder(STATE_MACHINE)], status: ['FAILED', 'TIMED_OUT', 'ABORTED'] },
    });
    expect(rule.Targets).toEqual([
      expect.objectContaining({
        Arn: getAttPlaceholder(functionLogicalId('safetyNet'), 'Arn'),
        DeadLetterConfig: { Arn: getAttPlaceholder('SafetyNetDeadLetterQueue', 'Arn') },
        RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
      }),
    ]);
    const permission = resourcesOfType(defaults.resources, 'AWS::Lambda::Permission').find(
      ([, resource]) => resource.Properties?.Principal === 'events.amazonaws.com',
    );
    expect(permission?.[1].Properties?.SourceArn).toEqual(
      `arn:aws:events:us-east-1:${ACCOUNT_ID}:rule/${String(rule.Name)}`,
    );
  });

  it('sends a failed asynchronous invocation to the dead-letter queue after two retries, and lets only the rule add to it', () => {
    // Act
    const [[, invokeConfig] = ['', {}]] = resourcesOfType(defaults.resources, 'AWS::Lambda::EventInvokeConfig').filter(
      ([, config]) => config.Properties?.FunctionName === refPlaceholder(functionLogicalId('safetyNet')),
    );
    const policy = properties(defaults, 'SafetyNetDeadLetterQueuePolicy').PolicyDocument as {
      Statement: Array<Record<string, unknown>>;
    };

    // Assert
    expect(invokeConfig.Properties).toEqual(
      expect.objectContaining({
        FunctionName: refPlaceholder(functionLogicalId('safetyNet')),
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: getAttPlaceholder('SafetyNetDeadLetterQueue', 'Arn') } },
      }),
    );
    expect(policy.Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: getAttPlaceholder('SafetyNetDeadLetterQueue', 'Arn'),
        Condition: {
          ArnEquals: {
            'aws:SourceArn': `arn:aws:events:us-east-1:${ACCOUNT_ID}:rule/${String(properties(defaults, RULE).Name)}`,
          },
        },
      },
    ]);
    expect(properties(defaults, 'SafetyNetDeadLetterQueue').SqsManagedSseEnabled).toBe(true);
    expect(properties(defaults, 'SafetyNetTable').TimeToLiveSpecification).toEqual({
      AttributeName: 'expiration',
      Enabled: true,
    });
  });

  it('alarms on what no notification reached, and on timed-out executions, not on failed ones', () => {
    // Act
    const alarms = resourcesOfType(defaults.resources, 'AWS::CloudWatch::Alarm').map(([, alarm]) => {
      const dimensions = (alarm.Properties?.Dimensions ?? []) as Array<{ Value: unknown }>;
      return {
        metric: `${String(alarm.Properties?.Namespace)} ${String(alarm.Properties?.MetricName)} of ${dimensions.map((dimension) => String(dimension.Value)).join(', ')}`,
        actions: alarm.Properties?.AlarmActions,
      };
    });

    // Assert: the safety net's errors and dead letters, the scheduled runs that never started, timed-out executions.
    expect(alarms.map(({ metric }) => metric).sort()).toEqual([
      `AWS/Lambda Errors of ${refPlaceholder(functionLogicalId('safetyNet'))}`,
      `AWS/SQS ApproximateNumberOfMessagesVisible of ${getAttPlaceholder('SafetyNetDeadLetterQueue', 'QueueName')}`,
      `AWS/SQS ApproximateNumberOfMessagesVisible of ${getAttPlaceholder('SchedulesDeadLetterQueue', 'QueueName')}`,
      `AWS/States ExecutionsTimedOut of ${refPlaceholder(STATE_MACHINE)}`,
    ]);
    for (const { actions } of alarms) expect(actions).toEqual([refPlaceholder('AlarmsTopic')]);
  });
});

describe('schedules', () => {
  const schedulesOf = (service: Packaged) =>
    resourcesOfType(service.resources, 'AWS::Scheduler::Schedule').map(([, schedule]) => schedule.Properties ?? {});
  const targetOf = (schedule: Record<string, unknown>) =>
    schedule.Target as {
      Arn: string;
      RoleArn: string;
      Input: string;
      RetryPolicy: unknown;
      DeadLetterConfig: { Arn: string };
    };
  const freshnessAlarmsOf = (service: Packaged) =>
    resourcesOfType(service.resources, 'AWS::CloudWatch::Alarm')
      .map(([, alarm]) => alarm.Properties ?? {})
      .filter((alarm) => alarm.MetricName === 'ExportsSucceeded');

  it('creates no schedule and no freshness alarm when config/schedules.yml lists none, and still the dashboard', () => {
    // Act
    const schedules = schedulesOf(defaults);

    // Assert
    expect(schedules).toEqual([]);
    expect(freshnessAlarmsOf(defaults)).toEqual([]);
    // Nothing assumes Scheduler's execution role without a schedule, so there is none.
    expect(defaults.resources.SchedulerRole).toBeUndefined();
    expect(scheduled.resources.SchedulerRole?.Type).toBe('AWS::IAM::Role');
    expect(properties(defaults, 'ExportDashboard').DashboardName).toBe('elasticache-export-dev');
    // The one EventBridge rule is the safety net's (describe 'the safety net'); schedules are Scheduler's own.
    expect(resourcesOfType(defaults.resources, 'AWS::Events::Rule').map(([logicalId]) => logicalId)).toEqual([
      'ElasticachesnapshotexportdevsafetyNetrule1EventBridgeRule',
    ]);
  });

  it('creates one EventBridge Scheduler schedule per entry, invoking runSchedule with its input and the scheduled time', () => {
    // Act
    const schedules = schedulesOf(configured).map((schedule) => ({
      name: schedule.Name,
      expression: schedule.ScheduleExpression,
      timezone: schedule.ScheduleExpressionTimezone,
      state: schedule.State,
      window: schedule.FlexibleTimeWindow,
      target: targetOf(schedule).Arn,
      input: JSON.parse(targetOf(schedule).Input) as unknown,
    }));

    // Assert
    const runSchedule = getAttPlaceholder(functionLogicalId('runSchedule'), 'Arn');
    expect(schedules).toEqual([
      {
        name: 'exportSnapshot-prod-sessions-nightly',
        expression: 'cron(30 2 * * ? *)',
        timezone: 'Europe/Paris',
        state: 'ENABLED',
        window: { Mode: 'OFF' },
        target: runSchedule,
        input: {
          schedule: 'sessions-nightly',
          scheduledTime: '<aws.scheduler.scheduled-time>',
          input: { replicationGroupId: 'sessions', targetBucket: 'exports-bucket' },
        },
      },
      {
        name: 'exportSnapshot-prod-cache-weekly',
        expression: 'rate(7 days)',
        timezone: undefined,
        state: 'DISABLED',
        window: { Mode: 'OFF' },
        target: runSchedule,
        input: {
          schedule: 'cache-weekly',
          scheduledTime: '<aws.scheduler.scheduled-time>',
          input: { cacheClusterId: 'cache-0001' },
        },
      },
    ]);
  });

  it('retries each delivery for up to 24 hours, then dead-letters it, and spreads a run over its flexible window', () => {
    // Act
    const schedules = schedulesOf(scheduled).map((schedule) => ({
      name: schedule.Name,
      window: schedule.FlexibleTimeWindow,
      retry: targetOf(schedule).RetryPolicy,
      deadLetter: targetOf(schedule).DeadLetterConfig,
      retention: (JSON.parse(targetOf(schedule).Input) as { retention?: unknown }).retention,
    }));

    // Assert
    const delivery = {
      retry: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
      deadLetter: { Arn: getAttPlaceholder('SchedulesDeadLetterQueue', 'Arn') },
    };
    expect(schedules).toEqual([
      {
        name: 'exportSnapshot-qa-sessions-nightly',
        window: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 30 },
        retention: { keepLast: 7 },
        ...delivery,
      },
      { name: 'exportSnapshot-qa-Orders.Hourly', window: { Mode: 'OFF' }, retention: { maxAgeDays: 2 }, ...delivery },
      { name: 'exportSnapshot-qa-once', window: { Mode: 'OFF' }, retention: undefined, ...delivery },
    ]);
    expect(properties(scheduled, 'SchedulesDeadLetterQueue').SqsManagedSseEnabled).toBe(true);
  });

  it('watches each enabled recurring schedule with a freshness alarm on the Stage and Schedule the outcome metrics carry', () => {
    // Arrange: publishOutcome and the safety net count outcomes under Stage = STAGE_NAME (handlers/lib/metrics.ts).
    const stages = (['publishOutcome', 'safetyNet'] as const).map(
      (key) =>
        (properties(scheduled, functionLogicalId(key)).Environment as { Variables: Record<string, string> }).Variables
          .STAGE_NAME,
    );

    // Act
    const alarms = freshnessAlarmsOf(scheduled).map((alarm) => ({
      name: alarm.AlarmName,
      namespace: alarm.Namespace,
      dimensions: alarm.Dimensions,
      watchedSeconds: Number(alarm.Period) * Number(alarm.EvaluationPeriods),
      actions: [alarm.AlarmActions, alarm.OKActions],
    }));
    const fixtureAlarms = freshnessAlarmsOf(configured).map((alarm) => alarm.AlarmName);

    // Assert: none for the one-time run (nor, in the fixture, for the disabled schedule).
    expect(stages).toEqual(['qa', 'qa']);
    const alarm = (schedule: string) => ({
      name: `elasticache-export-qa-${schedule}-stale`,
      namespace: 'ElastiCacheSnapshotExport',
      dimensions: [
        { Name: 'Stage', Value: 'qa' },
        { Name: 'Schedule', Value: schedule },
      ],
      watchedSeconds: expect.any(Number),
      actions: [[refPlaceholder('AlarmsTopic')], [refPlaceholder('AlarmsTopic')]],
    });
    expect(alarms).toEqual([alarm('sessions-nightly'), alarm('Orders.Hourly')]);
    // Orders.Hourly: 1 hour between runs plus the 720-minute deadline. sessions-nightly: at least a day, plus its
    // 30-minute window and the deadline.
    expect(alarms[1]?.watchedSeconds).toBe(13 * 3600);
    expect(alarms[0]?.watchedSeconds).toBeGreaterThanOrEqual((24 + 0.5 + 12) * 3600);
    expect(fixtureAlarms).toEqual(['elasticache-export-prod-sessions-nightly-stale']);
  });

  it('lets the scheduler invoke only runSchedule and send only to the schedules dead-letter queue', async () => {
    // Arrange
    const roles = [...new Set(schedulesOf(scheduled).map((schedule) => logicalIdOf(targetOf(schedule).RoleArn)))];
    const scheduler = principal(scheduled, 'SchedulerRole');
    const functions = FUNCTION_KEYS.map((key) => arnOf(scheduled, functionLogicalId(key)));
    const queues = ['SchedulesDeadLetterQueue', 'SafetyNetDeadLetterQueue'].map((queue) => arnOf(scheduled, queue));

    // Act
    const granted = permissions(scheduled, 'SchedulerRole');
    const trust = properties(scheduled, 'SchedulerRole').AssumeRolePolicyDocument;
    const invocable = await allowedOf(scheduler, 'lambda:InvokeFunction', functions);
    const sendable = await allowedOf(scheduler, 'sqs:SendMessage', queues);
    const startable = await allowedOf(scheduler, 'states:StartExecution', [arnOf(scheduled, STATE_MACHINE)]);

    // Assert
    expect(roles).toEqual(['SchedulerRole']);
    expect(granted).toEqual({
      'lambda:InvokeFunction': [getAttPlaceholder(functionLogicalId('runSchedule'), 'Arn')],
      'sqs:SendMessage': [getAttPlaceholder('SchedulesDeadLetterQueue', 'Arn')],
    });
    expect(invocable).toEqual([arnOf(scheduled, functionLogicalId('runSchedule'))]);
    expect(sendable).toEqual([arnOf(scheduled, 'SchedulesDeadLetterQueue')]);
    expect(startable).toEqual([]);
    // Only Scheduler acting for this account may assume it (confused deputy).
    expect(trust).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT_ID } },
        },
      ],
    });
  });

  it("lets cleanUp delete only objects under each retention schedule's key prefix, in that schedule's bucket", async () => {
    // Arrange: keys are <lowercased schedule name>-<yyyyMMdd-HHmmss>[-<shard>].rdb (handlers/lib/naming.ts).
    const cleanUp = principal(scheduled, 'CleanUpRole');
    const objects = [
      'exports-bucket/sessions-nightly-20261201-013000-0001.rdb',
      'archive-bucket/orders.hourly-20261201-100000.rdb',
      // Another schedule's exports, the same schedule's name in another bucket, a manual export, a schedule
      // without retention, and an allowed bucket no schedule prunes.
      'exports-bucket/orders.hourly-20261201-100000.rdb',
      'archive-bucket/sessions-nightly-20261201-013000.rdb',
      'exports-bucket/nightly-copy.rdb',
      'exports-bucket/once-20270131-013000.rdb',
      'unscheduled-bucket/sessions-nightly-20261201-013000.rdb',
    ].map((key) => `arn:aws:s3:::${key}`);

    // Act
    const granted = permissions(scheduled, 'CleanUpRole');
    const deletable = await allowedOf(cleanUp, 's3:DeleteObject', objects);
    const listable = await allowedOf(
      cleanUp,
      's3:ListBucket',
      ['exports-bucket', 'archive-bucket', 'unscheduled-bucket'].map((bucket) => `arn:aws:s3:::${bucket}`),
    );

    // Assert
    expect(granted['s3:DeleteObject']).toEqual(
      ['arn:aws:s3:::exports-bucket/sessions-nightly-*', 'arn:aws:s3:::archive-bucket/orders.hourly-*'].sort(),
    );
    expect(deletable).toEqual(objects.slice(0, 2));
    expect(listable).toEqual(['arn:aws:s3:::exports-bucket', 'arn:aws:s3:::archive-bucket']);
    expect(
      Object.keys(granted)
        .filter((action) => action.startsWith('s3:'))
        .sort(),
    ).toEqual(['s3:DeleteObject', 's3:ListBucket']);
  });

  it('sends a runSchedule invocation that failed twice to the schedules dead-letter queue, which alarms', () => {
    // Act
    const [[, invokeConfig] = ['', {}]] = resourcesOfType(defaults.resources, 'AWS::Lambda::EventInvokeConfig').filter(
      ([, config]) => config.Properties?.FunctionName === refPlaceholder(functionLogicalId('runSchedule')),
    );
    const alarm = properties(defaults, 'SchedulesDeadLetterAlarm');

    // Assert
    expect(invokeConfig.Properties).toEqual(
      expect.objectContaining({
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: getAttPlaceholder('SchedulesDeadLetterQueue', 'Arn') } },
      }),
    );
    expect(alarm).toEqual(
      expect.objectContaining({
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: getAttPlaceholder('SchedulesDeadLetterQueue', 'QueueName') }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [refPlaceholder('AlarmsTopic')],
      }),
    );
  });
});
