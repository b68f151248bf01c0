import { partitionOf, withPartition } from '../../../handlers/lib/partition';

describe('partitionOf', () => {
  it.each([
    ['us-east-1', 'aws'],
    ['eu-south-1', 'aws'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-gov-east-1', 'aws-us-gov'],
    ['cn-north-1', 'aws-cn'],
    ['cn-northwest-1', 'aws-cn'],
  ])('puts %s in %s', (region, partition) => {
    expect(partitionOf(region)).toBe(partition);
  });
});

describe('withPartition', () => {
  // CloudFormation's pseudo parameters, spelled out so that they are not read as template placeholders.
  const partition = ['$', '{AWS::Partition}'].join('');
  const region = ['$', '{AWS::Region}'].join('');

  it("replaces every AWS::Partition parameter with the Region's partition and leaves the rest alone", () => {
    const asl = `{"A":{"Resource":"arn:${partition}:states:::lambda:invoke"},"B":"${region}"}`;
    expect(withPartition(asl, 'cn-north-1')).toBe(
      `{"A":{"Resource":"arn:aws-cn:states:::lambda:invoke"},"B":"${region}"}`,
    );
  });
});
