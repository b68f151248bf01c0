// Reads a CloudFormation template the way CloudFormation would, for the parts that do not depend on deployed
// resources: conditions, Fn::If, Fn::Sub, Fn::Join and pseudo parameters are evaluated; a Ref or Fn::GetAtt of a
// resource becomes a readable placeholder ('{{Ref OutcomesTopic}}', '{{GetAtt X.Arn}}'), which resolvePlaceholders
// turns into the ARN CloudFormation gives that resource. Used by the local stack (the roles it enforces, policies.ts)
// and by the template tests.
import { partitionOf } from '../../../handlers/lib/partition.js';

export interface Resource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
  DependsOn?: string | string[];
}

export interface Template {
  Resources: Record<string, Resource>;
  Conditions?: Record<string, unknown>;
  Outputs?: Record<string, { Value: unknown }>;
}

export interface Deployment {
  region: string;
  accountId: string;
  /** Default: the Region's own (AWS::Partition). */
  partition?: string;
}

export const ACCOUNT_ID = '123456789012';

/** Ref AWS::NoValue: removed from the enclosing list or object. */
const NO_VALUE = Symbol('AWS::NoValue');

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const refPlaceholder = (logicalId: string): string => `{{Ref ${logicalId}}}`;
export const getAttPlaceholder = (logicalId: string, attribute: string): string =>
  `{{GetAtt ${logicalId}.${attribute}}}`;

export class TemplateEvaluator {
  private readonly pseudo: Record<string, string>;

  public constructor(
    private readonly template: Template,
    deployment: Deployment,
  ) {
    this.pseudo = {
      'AWS::Partition': deployment.partition ?? partitionOf(deployment.region),
      'AWS::Region': deployment.region,
      'AWS::AccountId': deployment.accountId,
      'AWS::URLSuffix': partitionOf(deployment.region) === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
      'AWS::StackName': 'stack',
    };
  }

  public condition(name: string): boolean {
    const definition = this.template.Conditions?.[name];
    if (definition === undefined) throw new Error(`Unknown condition ${name}`);
    return this.conditionValue(definition);
  }

  /** The resources CloudFormation would create, with their properties evaluated. */
  public resources(): Record<string, Resource> {
    return Object.fromEntries(
      Object.entries(this.template.Resources)
        .filter(([, resource]) => resource.Condition === undefined || this.condition(resource.Condition))
        .map(([logicalId, resource]) => [
          logicalId,
          { ...resource, Properties: this.evaluate(resource.Properties ?? {}) as Record<string, unknown> },
        ]),
    );
  }

  public evaluate(value: unknown): unknown {
    const result = this.evaluateOrRemove(value);
    return result === NO_VALUE ? undefined : result;
  }

  public evaluateString(value: unknown): string {
    const result = this.evaluate(value);
    if (typeof result !== 'string') throw new Error(`Expected a string, got ${JSON.stringify(result)}`);
    return result;
  }

  private conditionValue(value: unknown): boolean {
    if (typeof value === 'boolean') return value;
    if (!isRecord(value)) throw new Error(`Unsupported condition ${JSON.stringify(value)}`);
    if ('Condition' in value) return this.condition(String(value.Condition));
    const [fn, args] = Object.entries(value)[0] ?? [];
    const list = Array.isArray(args) ? args : [];
    switch (fn) {
      case 'Fn::Equals':
        return JSON.stringify(this.evaluate(list[0])) === JSON.stringify(this.evaluate(list[1]));
      case 'Fn::Not':
        return !this.conditionValue(list[0]);
      case 'Fn::And':
        return list.every((item) => this.conditionValue(item));
      case 'Fn::Or':
        return list.some((item) => this.conditionValue(item));
      default:
        throw new Error(`Unsupported condition function ${String(fn)}`);
    }
  }

  private ref(name: string): string | typeof NO_VALUE {
    if (name === 'AWS::NoValue') return NO_VALUE;
    return this.pseudo[name] ?? refPlaceholder(name);
  }

  private substitute(template: string, variables: Record<string, unknown>): string {
    return template.replace(/\$\{([^}!]+)\}/g, (_match, name: string) => {
      if (name in variables) return this.evaluateString(variables[name]);
      const dot = name.indexOf('.');
      if (dot > 0) return getAttPlaceholder(name.slice(0, dot), name.slice(dot + 1));
      const value = this.ref(name);
      if (value === NO_VALUE) throw new Error('AWS::NoValue inside Fn::Sub');
      return value;
    });
  }

  private evaluateOrRemove(value: unknown): unknown {
    if (Array.isArray(value)) {
      return value.map((item) => this.evaluateOrRemove(item)).filter((item) => item !== NO_VALUE);
    }
    if (!isRecord(value)) return value;
    const keys = Object.keys(value);
    const only = keys.length === 1 ? keys[0] : undefined;
    const args = only === undefined ? undefined : value[only];
    switch (only) {
      case 'Ref':
        return this.ref(String(args));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = Array.isArray(args) ? args : String(args).split('.');
        return getAttPlaceholder(String(logicalId), String(attribute));
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = args as [string, unknown, unknown];
        return this.evaluateOrRemove(this.condition(condition) ? whenTrue : whenFalse);
      }
      case 'Fn::Sub': {
        if (typeof args === 'string') return this.substitute(args, {});
        const [template, variables] = args as [string, Record<string, unknown>];
        return this.substitute(template, variables);
      }
      case 'Fn::Join': {
        const [delimiter, items] = args as [string, unknown];
        return (this.evaluate(items) as unknown[]).map((item) => String(item)).join(delimiter);
      }
      case 'Fn::Split': {
        const [delimiter, source] = args as [string, unknown];
        return this.evaluateString(source).split(delimiter);
      }
      case 'Fn::Select': {
        const [index, items] = args as [number | string, unknown];
        return (this.evaluate(items) as unknown[])[Number(index)];
      }
      default:
        if (only?.startsWith('Fn::')) throw new Error(`Unsupported intrinsic function ${only}`);
        return Object.fromEntries(
          Object.entries(value)
            .map(([key, item]) => [key, this.evaluateOrRemove(item)] as const)
            .filter(([, item]) => item !== NO_VALUE),
        );
    }
  }
}

export interface PolicyStatement {
  Effect: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  Condition?: unknown;
}

/** One statement of an identity policy, with the role or policy it belongs to. */
export interface OwnedStatement {
  owner: string;
  actions: string[];
  resources: string[];
  statement: PolicyStatement;
}

export const asList = (value: string | string[] | undefined): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

const documentStatements = (owner: string, document: PolicyDocument | undefined): OwnedStatement[] =>
  (document === undefined ? [] : Array.isArray(document.Statement) ? document.Statement : [document.Statement]).map(
    (statement) => ({
      owner,
      actions: asList(statement.Action),
      resources: asList(statement.Resource),
      statement,
    }),
  );

/** Every identity-policy statement: inline role policies, AWS::IAM::Policy and AWS::IAM::ManagedPolicy. */
export const identityStatements = (resources: Record<string, Resource>): OwnedStatement[] =>
  Object.entries(resources).flatMap(([logicalId, resource]) => {
    const properties = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::IAM::Role': {
        const policies = (properties.Policies ?? []) as Array<{ PolicyDocument: PolicyDocument }>;
        return policies.flatMap((policy) => documentStatements(logicalId, policy.PolicyDocument));
      }
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
        return documentStatements(logicalId, properties.PolicyDocument as PolicyDocument);
      default:
        return [];
    }
  });

export const resourcesOfType = (resources: Record<string, Resource>, type: string): Array<[string, Resource]> =>
  Object.entries(resources).filter(([, resource]) => resource.Type === type);

/**
 * A template placeholder (`{{GetAtt X.Arn}}`, `{{Ref X}}`, as TemplateEvaluator leaves them) made into the ARN
 * CloudFormation gives that resource, so it can be matched like any other. Only the resource types roles name here
 * (log groups, functions, state machines, topics, queues, tables), each by the name its properties give it; other
 * placeholders are left as they are.
 */
export const resolvePlaceholders = (
  resource: string,
  resources: Record<string, Resource>,
  scope: { partition: string; region: string; accountId: string },
): string =>
  resource.replace(
    /\{\{(Ref|GetAtt) ([A-Za-z0-9]+)(?:\.Arn)?\}\}/g,
    (placeholder, _kind: string, logicalId: string) => {
      const target = resources[logicalId];
      const properties = (target?.Properties ?? {}) as Record<string, unknown>;
      const name = (key: string) => String(properties[key] ?? logicalId);
      const { partition, region, accountId } = scope;
      switch (target?.Type) {
        case 'AWS::Logs::LogGroup':
          return `arn:${partition}:logs:${region}:${accountId}:log-group:${name('LogGroupName')}:*`;
        case 'AWS::Lambda::Function':
          return `arn:${partition}:lambda:${region}:${accountId}:function:${name('FunctionName')}`;
        case 'AWS::StepFunctions::StateMachine':
          return `arn:${partition}:states:${region}:${accountId}:stateMachine:${name('StateMachineName')}`;
        case 'AWS::SNS::Topic':
          return `arn:${partition}:sns:${region}:${accountId}:${name('TopicName')}`;
        case 'AWS::SQS::Queue':
          return `arn:${partition}:sqs:${region}:${accountId}:${name('QueueName')}`;
        case 'AWS::DynamoDB::Table':
          return `arn:${partition}:dynamodb:${region}:${accountId}:table/${name('TableName')}`;
        default:
          return placeholder;
      }
    },
  );
