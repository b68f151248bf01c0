// The AWS partition a Region belongs to, as CloudFormation's `AWS::Partition` gives it: ARNs, service principals and
// ElastiCache's identities differ between the commercial Regions, AWS GovCloud (US) and China.
export const partitionOf = (region: string): 'aws' | 'aws-us-gov' | 'aws-cn' => {
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('cn-')) return 'aws-cn';
  return 'aws';
};

/**
 * The commercial Regions launched before March 20, 2019, which every account has enabled ("Default Regions", AWS
 * Account Management guide, "Enable or disable AWS Regions in your account"). The others are opt-in Regions, where
 * ElastiCache exports only through a bucket policy for its service principal, not an ACL grant (ElastiCache User
 * Guide, "Exporting a backup"). GovCloud and China Regions are not opt-in.
 */
const DEFAULT_COMMERCIAL_REGIONS = new Set([
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
  'ca-central-1',
  'sa-east-1',
  'eu-central-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-north-1',
  'ap-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-southeast-1',
  'ap-southeast-2',
]);

export const isOptInRegion = (region: string): boolean =>
  partitionOf(region) === 'aws' && !DEFAULT_COMMERCIAL_REGIONS.has(region);

/**
 * The ASL with `${AWS::Partition}` replaced by the partition of `region`. The committed ASL names no partition, so
 * one file serves every Region; asl-validator (and so serverless-step-functions' `validate`) accepts only a
 * concrete partition in a Task's Resource, so the substitution is made before validation, when the service is
 * packaged for its Region, and by the local stack for its own.
 */
export const withPartition = (aslText: string, region: string): string =>
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the CloudFormation pseudo parameter, not a template.
  aslText.replaceAll('${AWS::Partition}', partitionOf(region));
