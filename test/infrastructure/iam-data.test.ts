// The matcher the template test uses to hold the roles to AWS's service authorization data: it must catch a
// resource of the wrong type, as the roles once had (cluster and replication group ARNs on DescribeSnapshots).
import { arnFormatsOf, matchesAFormat } from './iam-data';

describe('matching policy resources against the resource types of an action', () => {
  it.each([
    ['elasticache:DescribeSnapshots', 'arn:aws:elasticache:us-east-1:123456789012:snapshot:*', true],
    ['elasticache:DescribeSnapshots', 'arn:aws:elasticache:us-east-1:123456789012:cluster:*', false],
    ['elasticache:CopySnapshot', 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:*', false],
    ['s3:GetBucketLocation', '*', false],
    ['s3:GetBucketLocation', 'arn:aws:s3:::exports-bucket', true],
    ['s3:ListAllMyBuckets', '*', true],
    ['s3:PutObject', 'arn:aws-us-gov:s3:::exports-bucket/*', true],
    ['s3:PutObject', 'arn:aws:s3:::exports-bucket', false],
    ['logs:PutLogEvents', 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:*', true],
    ['lambda:InvokeFunction', 'arn:aws-cn:lambda:cn-north-1:123456789012:function:fn:*', true],
    ['sns:Publish', 'arn:aws:sns:us-east-1:123456789012:*', true],
    // Issue 8: the fresh snapshot, its clean-up, retention pruning and the scheduled runs.
    ['elasticache:CreateSnapshot', 'arn:aws:elasticache:us-east-1:123456789012:snapshot:export-*', true],
    ['elasticache:CreateSnapshot', 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:*', true],
    ['elasticache:CreateSnapshot', 'arn:aws:elasticache:us-east-1:123456789012:cluster:*', true],
    ['elasticache:DeleteSnapshot', 'arn:aws:elasticache:us-east-1:123456789012:snapshot:export-*', true],
    ['elasticache:DeleteSnapshot', 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:*', false],
    ['elasticache:DescribeReplicationGroups', 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:*', true],
    ['elasticache:DescribeReplicationGroups', 'arn:aws:elasticache:us-east-1:123456789012:cluster:*', false],
    ['elasticache:DescribeCacheClusters', 'arn:aws:elasticache:us-east-1:123456789012:cluster:*', true],
    ['elasticache:DescribeCacheClusters', 'arn:aws:elasticache:us-east-1:123456789012:replicationgroup:*', false],
    ['s3:DeleteObject', 'arn:aws:s3:::exports-bucket/sessions-nightly-*', true],
    ['s3:DeleteObject', 'arn:aws:s3:::exports-bucket', false],
    ['sqs:SendMessage', 'arn:aws:sqs:us-east-1:123456789012:elasticache-export-schedules-dlq-dev', true],
    ['sqs:SendMessage', 'arn:aws:sns:us-east-1:123456789012:elasticache-export-alarms-dev', false],
    ['states:StartExecution', 'arn:aws:states:us-east-1:123456789012:stateMachine:exportSnapshot-dev', true],
    ['states:StartExecution', 'arn:aws:states:us-east-1:123456789012:execution:exportSnapshot-dev:*', false],
    ['states:DescribeExecution', 'arn:aws:states:us-east-1:123456789012:execution:exportSnapshot-dev:*', true],
    ['states:DescribeExecution', 'arn:aws:states:us-east-1:123456789012:stateMachine:exportSnapshot-dev', false],
    ['lambda:InvokeFunction', 'arn:aws:sqs:us-east-1:123456789012:elasticache-export-schedules-dlq-dev', false],
  ])('%s on %s: %s', async (action, resource, expected) => {
    expect(matchesAFormat(resource, await arnFormatsOf(action))).toBe(expected);
  });

  it('refuses an action AWS does not have', async () => {
    await expect(arnFormatsOf('elasticache:ExportEverything')).rejects.toThrow(/not an action/);
  });
});
