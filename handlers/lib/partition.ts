// The AWS partition a Region belongs to, as CloudFormation's `AWS::Partition` gives it: ARNs, service principals and
// ElastiCache's identities differ between the commercial Regions, AWS GovCloud (US) and China.
export const partitionOf = (region: string): 'aws' | 'aws-us-gov' | 'aws-cn' => {
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('cn-')) return 'aws-cn';
  return 'aws';
};

/**
 * The ASL with `${AWS::Partition}` replaced by the partition of `region`. The committed ASL names no partition, so
 * one file serves every Region; asl-validator (and so serverless-step-functions' `validate`) accepts only a
 * concrete partition in a Task's Resource, so the substitution is made before validation, when the service is
 * packaged for its Region, and by the local stack for its own.
 */
export const withPartition = (aslText: string, region: string): string =>
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the CloudFormation pseudo parameter, not a template.
  aslText.replaceAll('${AWS::Partition}', partitionOf(region));
