// The roles the local stack holds its functions and its state machine to: read from the template `serverless
// package` writes, with Fn::Sub, Ref, Fn::GetAtt and Fn::If resolved for the account, Region and partition of the
// local stack. Every AWS::Lambda::Function and AWS::StepFunctions::StateMachine of the template is a principal, with
// its role's inline policies and the template's AWS::IAM::Policy and AWS::IAM::ManagedPolicy attached to it: no list
// of functions is kept here.
//
// Packaging takes seconds (it bundles every function), so derived roles are cached as JSON, keyed by a hash of what
// the template is made from (serverless.yml, config/, statemachine/, the handler modules config/ loads, the lockfile)
// and of the packaging inputs (stage, Region, account, settings).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { partitionOf } from '../../../handlers/lib/partition.js';
import {
  asList,
  type PolicyDocument,
  type PolicyStatement,
  type Resource,
  resolvePlaceholders,
  type Template,
  TemplateEvaluator,
} from './cloudformation.js';
import {
  type ConfigEnv,
  type PackageConfig,
  packageService,
  removePackage,
  SERVICE_DIR,
  type ServerlessState,
} from './package.js';

export interface NamedPolicy {
  /** Role logical id and policy name (`StartExportRole/startExportTargetBuckets`). */
  name: string;
  document: PolicyDocument;
}

export interface PrincipalRole {
  roleLogicalId: string;
  /** The role session as AWS names it in a refusal: `arn:aws:sts::<account>:assumed-role/<role>/<session>`. */
  principalArn: string;
  policies: NamedPolicy[];
}

export interface FunctionRole extends PrincipalRole {
  functionKey: string;
  functionName: string;
  functionArn: string;
  logGroupName: string;
  /** The function's dead-letter queue or topic (DeadLetterConfig.TargetArn), if it has one. */
  deadLetterTargetArn?: string;
  /**
   * Where Lambda sends a failed asynchronous invocation's record (AWS::Lambda::EventInvokeConfig
   * DestinationConfig.OnFailure), if the function has such a destination.
   */
  onFailureDestinationArn?: string;
}

export interface StateMachineRole extends PrincipalRole {
  name: string;
  arn: string;
}

/** An EventBridge Scheduler schedule of the template and the execution role it invokes its target with. */
export interface ScheduleRole extends PrincipalRole {
  /** The schedule's Name (exportSnapshot-<stage>-<name>). */
  name: string;
  /** The target it invokes (runSchedule's ARN). */
  targetArn: string;
  /** Where Scheduler sends an invocation that failed after its retries, with the same role. */
  deadLetterArn?: string;
}

export interface DerivedRoles {
  stage: string;
  region: string;
  accountId: string;
  partition: string;
  /** By function key (serverless.yml). */
  functions: Record<string, FunctionRole>;
  /** By state machine name. */
  stateMachines: Record<string, StateMachineRole>;
  /** By schedule Name (exportSnapshot-<stage>-<name>); empty when the schedules file has none. */
  schedules: Record<string, ScheduleRole>;
  /** Roles of the template that no function or state machine uses (a schedule's, say): never exercised locally. */
  otherRoles: string[];
  /** How long `serverless package` took to produce them, in seconds. */
  packagingSeconds: number;
}

export interface DeriveOptions {
  stage: string;
  region: string;
  accountId: string;
  /** The settings serverless.yml reads that shape the roles (ALLOWED_TARGET_BUCKETS, SNAPSHOT_TOPICS). */
  env?: ConfigEnv;
  /** Where derived roles are cached; none: always package. */
  cacheDir?: string;
  /** Changes the packaged copy of the service first (tests: a statement removed); such roles are never cached. */
  edit?: PackageConfig['edit'];
  log?: (line: string) => void;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every string in a value with its placeholders resolved; a placeholder left over is an error, not a silent mismatch. */
const resolveDeep = (value: unknown, resolve: (text: string) => string, where: string): unknown => {
  if (typeof value === 'string') {
    const resolved = resolve(value);
    const left = /\{\{(?:Ref|GetAtt) [^}]+\}\}/.exec(resolved);
    if (left) {
      throw new Error(
        `${where}: the local stack cannot tell what ${left[0]} stands for; add its resource type to resolvePlaceholders (local/aws/iam/cloudformation.ts)`,
      );
    }
    return resolved;
  }
  if (Array.isArray(value)) return value.map((item) => resolveDeep(item, resolve, where));
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolveDeep(item, resolve, where)]));
  }
  return value;
};

const logicalIdOf = (reference: unknown): string | undefined =>
  /^\{\{(?:Ref|GetAtt) ([A-Za-z0-9]+)(?:\.Arn)?\}\}$/.exec(String(reference))?.[1];

/** The roles of a packaged template (serverless-state.json names the function keys), for one account and Region. */
export const rolesFromPackage = (
  packaged: { template: Template; state: ServerlessState },
  scope: { stage: string; region: string; accountId: string },
): Omit<DerivedRoles, 'packagingSeconds'> => {
  const partition = partitionOf(scope.region);
  const { region, accountId } = scope;
  const evaluator = new TemplateEvaluator(packaged.template, { region, accountId, partition });
  const resources = evaluator.resources();
  const resolve = (text: string) => resolvePlaceholders(text, resources, { partition, region, accountId });

  const attached = (roleId: string): NamedPolicy[] => {
    const role = resources[roleId];
    if (role?.Type !== 'AWS::IAM::Role') throw new Error(`${roleId} is not an AWS::IAM::Role of the template`);
    const properties = role.Properties ?? {};
    const inline = ((properties.Policies ?? []) as Array<{ PolicyName: string; PolicyDocument: PolicyDocument }>).map(
      (policy) => ({ name: `${roleId}/${policy.PolicyName}`, document: policy.PolicyDocument }),
    );
    const managed = asList(properties.ManagedPolicyArns as string | string[] | undefined).map((reference) => {
      const id = logicalIdOf(reference);
      const policy = id ? resources[id] : undefined;
      if (!id || policy?.Type !== 'AWS::IAM::ManagedPolicy') {
        throw new Error(
          `${roleId}: managed policy ${reference} is not in the template; the local stack cannot read it`,
        );
      }
      return { name: `${roleId}/${id}`, document: policy.Properties?.PolicyDocument as PolicyDocument };
    });
    const standalone = Object.entries(resources)
      .filter(
        ([, resource]) =>
          (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') &&
          asList(resource.Properties?.Roles as string | string[] | undefined).some(
            (name) => logicalIdOf(name) === roleId,
          ),
      )
      .map(([id, resource]) => ({
        name: `${roleId}/${id}`,
        document: resource.Properties?.PolicyDocument as PolicyDocument,
      }));
    return [...inline, ...managed, ...standalone].map((policy) => ({
      name: policy.name,
      document: resolveDeep(policy.document, resolve, policy.name) as PolicyDocument,
    }));
  };

  const roleOf = (owner: string, reference: unknown): string => {
    const id = logicalIdOf(reference);
    if (!id) throw new Error(`${owner}: role ${JSON.stringify(reference)} is not a role of the template`);
    return id;
  };
  const sessionArn = (roleId: string, session: string) => {
    const roleName = String(resources[roleId]?.Properties?.RoleName ?? roleId);
    return `arn:${partition}:sts::${accountId}:assumed-role/${roleName}/${session}`;
  };

  const byName = new Map<string, [string, Resource]>(
    Object.entries(resources)
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
      .map(([id, resource]) => [String(resource.Properties?.FunctionName ?? id), [id, resource]]),
  );
  /** The OnFailure destination of the function's EventInvokeConfig (it names the function by Ref). */
  const onFailureOf = (functionId: string): unknown =>
    Object.values(resources)
      .filter((resource) => resource.Type === 'AWS::Lambda::EventInvokeConfig')
      .map((resource) => resource.Properties as { FunctionName?: unknown; DestinationConfig?: unknown } | undefined)
      .filter((properties) => JSON.stringify(properties?.FunctionName ?? '').includes(functionId))
      .map(
        (properties) =>
          (properties?.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined)?.OnFailure
            ?.Destination,
      )
      .find((destination) => destination !== undefined);
  const used = new Set<string>();
  const functions: Record<string, FunctionRole> = {};
  for (const [functionKey, { name }] of Object.entries(packaged.state.service.functions)) {
    const found = byName.get(name);
    if (!found) throw new Error(`Function ${functionKey} (${name}) has no AWS::Lambda::Function in the template`);
    const [id, resource] = found;
    const roleId = roleOf(id, resource.Properties?.Role);
    used.add(roleId);
    const logging = resource.Properties?.LoggingConfig as { LogGroup?: string } | undefined;
    const deadLetter = (resource.Properties?.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn;
    const onFailure = onFailureOf(id);
    functions[functionKey] = {
      functionKey,
      functionName: name,
      functionArn: `arn:${partition}:lambda:${region}:${accountId}:function:${name}`,
      logGroupName: logging?.LogGroup ?? `/aws/lambda/${name}`,
      ...(deadLetter !== undefined && {
        deadLetterTargetArn: resolveDeep(deadLetter, resolve, `${id} DeadLetterConfig`) as string,
      }),
      ...(onFailure !== undefined && {
        onFailureDestinationArn: resolveDeep(onFailure, resolve, `${id} EventInvokeConfig OnFailure`) as string,
      }),
      roleLogicalId: roleId,
      principalArn: sessionArn(roleId, name),
      policies: attached(roleId),
    };
  }

  const stateMachines: Record<string, StateMachineRole> = {};
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const name = String(resource.Properties?.StateMachineName ?? id);
    const roleId = roleOf(id, resource.Properties?.RoleArn);
    used.add(roleId);
    stateMachines[name] = {
      name,
      arn: `arn:${partition}:states:${region}:${accountId}:stateMachine:${name}`,
      roleLogicalId: roleId,
      principalArn: sessionArn(roleId, name),
      policies: attached(roleId),
    };
  }

  const schedules: Record<string, ScheduleRole> = {};
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::Scheduler::Schedule') continue;
    const name = String(resource.Properties?.Name ?? id);
    const target = (resource.Properties?.Target ?? {}) as {
      Arn?: unknown;
      RoleArn?: unknown;
      DeadLetterConfig?: { Arn?: unknown };
    };
    const roleId = roleOf(id, target.RoleArn);
    used.add(roleId);
    schedules[name] = {
      name,
      targetArn: resolveDeep(target.Arn, resolve, `${id} Target.Arn`) as string,
      ...(target.DeadLetterConfig?.Arn !== undefined && {
        deadLetterArn: resolveDeep(target.DeadLetterConfig.Arn, resolve, `${id} DeadLetterConfig`) as string,
      }),
      roleLogicalId: roleId,
      principalArn: sessionArn(roleId, name),
      policies: attached(roleId),
    };
  }

  const otherRoles = Object.entries(resources)
    .filter(([id, resource]) => resource.Type === 'AWS::IAM::Role' && !used.has(id))
    .map(([id]) => id);
  return { stage: scope.stage, region, accountId, partition, functions, stateMachines, schedules, otherRoles };
};

// ---- What the template is made from ---------------------------------------------------------------------------

const filesUnder = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        return entry.isDirectory() ? filesUnder(full) : [full];
      })
    : [];

/**
 * The TypeScript modules config/*.cjs loads (`tsRequire('../handlers/lib/contracts.ts', …)`) and everything they
 * import in turn: they compute parts of the template (bucket ARNs, the definition's timeouts, partitions).
 */
const modulesConfigLoads = (): string[] => {
  const configDir = path.join(SERVICE_DIR, 'config');
  const pending = filesUnder(configDir)
    .filter((file) => file.endsWith('.cjs'))
    .flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/tsRequire\(\s*'([^']+)'/g)].map((match) =>
        path.resolve(configDir, match[1] ?? ''),
      ),
    );
  const seen = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop() ?? '';
    if (seen.has(file) || !existsSync(file)) continue;
    seen.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(/from\s+'(\.{1,2}\/[^']+)'/g)) {
      pending.push(path.resolve(path.dirname(file), (match[1] ?? '').replace(/\.js$/, '.ts')));
    }
  }
  return [...seen];
};

/** A hash of the files the template is made from and of the packaging inputs. */
export const rolesCacheKey = (options: Pick<DeriveOptions, 'stage' | 'region' | 'accountId' | 'env'>): string => {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ stage: options.stage, region: options.region, accountId: options.accountId }));
  hash.update(JSON.stringify(Object.entries(options.env ?? {}).sort()));
  const files = [
    path.join(SERVICE_DIR, 'serverless.yml'),
    path.join(SERVICE_DIR, 'package-lock.json'),
    ...filesUnder(path.join(SERVICE_DIR, 'config')),
    ...filesUnder(path.join(SERVICE_DIR, 'statemachine')),
    // How roles are read from the template: a cache written by older code may lack what this code reads.
    ...filesUnder(path.join(SERVICE_DIR, 'local', 'aws', 'iam')),
    ...modulesConfigLoads(),
    // A schedules file elsewhere (SCHEDULES_FILE): its schedules' retention shapes the clean-up role.
    ...(options.env?.SCHEDULES_FILE ? [path.resolve(SERVICE_DIR, options.env.SCHEDULES_FILE)] : []),
  ];
  for (const file of [...new Set(files)].sort()) {
    if (!existsSync(file) || !statSync(file).isFile()) continue;
    hash.update(path.relative(SERVICE_DIR, file));
    hash.update(readFileSync(file));
  }
  return hash.digest('hex').slice(0, 20);
};

/**
 * The roles of the template `serverless package` writes for these settings: from the cache when the template's
 * sources have not changed, else packaged (a few seconds) and cached.
 */
export const deriveRoles = async (options: DeriveOptions): Promise<DerivedRoles> => {
  const cacheFile =
    options.cacheDir && !options.edit ? path.join(options.cacheDir, `roles-${rolesCacheKey(options)}.json`) : undefined;
  if (cacheFile && existsSync(cacheFile)) {
    try {
      return JSON.parse(readFileSync(cacheFile, 'utf8')) as DerivedRoles;
    } catch {
      // A damaged cache file is derived again.
    }
  }
  options.log?.(`Deriving the IAM roles from serverless package (stage ${options.stage}, ${options.region})`);
  const packaged = await packageService({
    stage: options.stage,
    region: options.region,
    ...(options.env && { env: options.env }),
    ...(options.edit && { edit: options.edit }),
  });
  try {
    const roles: DerivedRoles = { ...rolesFromPackage(packaged, options), packagingSeconds: packaged.seconds };
    if (cacheFile && options.cacheDir) {
      mkdirSync(options.cacheDir, { recursive: true });
      // Written aside and renamed: a reader never sees half a file, whoever writes at the same time.
      const partial = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(partial, `${JSON.stringify(roles, null, 2)}\n`);
      renameSync(partial, cacheFile);
    }
    return roles;
  } finally {
    removePackage(packaged);
  }
};

// ---- Statements, for the IAM proof and for tests that take one away ---------------------------------------------

export interface RoleStatement {
  /** `StartExportRole/startExport#1`: role, policy and the statement's place in it (from 0). */
  id: string;
  roleLogicalId: string;
  statement: PolicyStatement;
}

const statementList = (document: PolicyDocument): PolicyStatement[] =>
  Array.isArray(document.Statement) ? document.Statement : [document.Statement];

/** The statements of a role, each with an id that names it. */
export const roleStatements = (role: PrincipalRole): RoleStatement[] =>
  role.policies.flatMap((policy) =>
    statementList(policy.document).map((statement, index) => ({
      id: `${policy.name}#${index}`,
      roleLogicalId: role.roleLogicalId,
      statement,
    })),
  );

/**
 * Every principal of the roles: the functions by key, the state machines as `stateMachine:<name>`, the schedules
 * as `schedule:<Name>`.
 */
export const principalsOf = (
  roles: Pick<DerivedRoles, 'functions' | 'stateMachines'> & Partial<Pick<DerivedRoles, 'schedules'>>,
): Array<[string, PrincipalRole]> => [
  ...Object.entries(roles.functions),
  ...Object.entries(roles.stateMachines).map(([name, role]): [string, PrincipalRole] => [`stateMachine:${name}`, role]),
  ...Object.entries(roles.schedules ?? {}).map(([name, role]): [string, PrincipalRole] => [`schedule:${name}`, role]),
];

/** The same roles with one statement (a RoleStatement id) taken away, from every principal that has the role. */
export const withoutStatement = <
  T extends Pick<DerivedRoles, 'functions' | 'stateMachines'> & Partial<Pick<DerivedRoles, 'schedules'>>,
>(
  roles: T,
  id: string,
): T => {
  let found = false;
  const strip = <T extends PrincipalRole>(role: T): T => ({
    ...role,
    policies: role.policies.map((policy) => {
      const statements = statementList(policy.document);
      const kept = statements.filter((_, index) => `${policy.name}#${index}` !== id);
      if (kept.length !== statements.length) found = true;
      return { ...policy, document: { ...policy.document, Statement: kept } };
    }),
  });
  const result: T = {
    ...roles,
    functions: Object.fromEntries(Object.entries(roles.functions).map(([key, role]) => [key, strip(role)])),
    stateMachines: Object.fromEntries(Object.entries(roles.stateMachines).map(([key, role]) => [key, strip(role)])),
    ...(roles.schedules && {
      schedules: Object.fromEntries(Object.entries(roles.schedules).map(([key, role]) => [key, strip(role)])),
    }),
  };
  if (!found) throw new Error(`No statement ${id} in the roles`);
  return result;
};
