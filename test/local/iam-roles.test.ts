// Reading the roles of a packaged template (local/aws/iam/roles.ts) generically: every function and state machine
// with its role's inline policies and the policies attached to it, placeholders resolved to ARNs, a dead-letter
// queue's permission added to what the Lambda runtime needs, and an unknown reference refused rather than ignored.
import type { Template } from '../../local/aws/iam/cloudformation';
import { runtimeChecks } from '../../local/aws/iam/lambda';
import { type FunctionRole, roleStatements, rolesFromPackage, withoutStatement } from '../../local/aws/iam/roles';

const SCOPE = { stage: 'local', region: 'eu-west-1', accountId: '123456789012' };
const trust = { Version: '2012-10-17', Statement: [] };

const template = (extra: Template['Resources'] = {}): Template => ({
  Conditions: { HasBuckets: { 'Fn::Equals': ['true', 'true'] } },
  Resources: {
    SafetyNetLogGroup: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/aws/lambda/svc-local-safetyNet' } },
    DeadLetters: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'svc-local-dlq' } },
    Idempotency: { Type: 'AWS::DynamoDB::Table', Properties: { TableName: 'svc-local-idempotency' } },
    SafetyNetLambdaFunction: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: 'svc-local-safetyNet',
        Role: { 'Fn::GetAtt': ['SafetyNetRole', 'Arn'] },
        DeadLetterConfig: { TargetArn: { 'Fn::GetAtt': ['DeadLetters', 'Arn'] } },
      },
    },
    SafetyNetRole: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: trust,
        Policies: [
          {
            PolicyName: 'safetyNet',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
                  Resource: [{ 'Fn::GetAtt': ['SafetyNetLogGroup', 'Arn'] }],
                },
                { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['DeadLetters', 'Arn'] } },
              ],
            },
          },
          {
            'Fn::If': [
              'HasBuckets',
              {
                PolicyName: 'buckets',
                PolicyDocument: {
                  Version: '2012-10-17',
                  Statement: [
                    {
                      Effect: 'Allow',
                      Action: 's3:ListBucket',
                      // biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub, not a template.
                      Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::b' },
                    },
                  ],
                },
              },
              { Ref: 'AWS::NoValue' },
            ],
          },
        ],
      },
    },
    IdempotencyPolicy: {
      Type: 'AWS::IAM::Policy',
      Properties: {
        PolicyName: 'idempotency',
        Roles: [{ Ref: 'SafetyNetRole' }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'dynamodb:PutItem', Resource: { 'Fn::GetAtt': ['Idempotency', 'Arn'] } },
          ],
        },
      },
    },
    MachineRole: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: trust, Policies: [] } },
    Machine: {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: { StateMachineName: 'machine-local', RoleArn: { 'Fn::GetAtt': ['MachineRole', 'Arn'] } },
    },
    SchedulerRole: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: trust, Policies: [] } },
    ...extra,
  },
});

const state = { service: { service: 'svc', functions: { safetyNet: { name: 'svc-local-safetyNet' } } } };

/** The safetyNet function's role, which every roles of these tests have. */
const safetyNetOf = (roles: { functions: Record<string, FunctionRole> }): FunctionRole => {
  const role = roles.functions.safetyNet;
  if (!role) throw new Error('No safetyNet function');
  return role;
};

describe('rolesFromPackage', () => {
  it('gives each function and state machine its role, with inline and attached policies resolved to ARNs', () => {
    // Act
    const roles = rolesFromPackage({ template: template(), state }, SCOPE);
    const safetyNet = safetyNetOf(roles);

    // Assert
    expect(safetyNet).toMatchObject({
      functionName: 'svc-local-safetyNet',
      functionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:svc-local-safetyNet',
      roleLogicalId: 'SafetyNetRole',
      principalArn: 'arn:aws:sts::123456789012:assumed-role/SafetyNetRole/svc-local-safetyNet',
      deadLetterTargetArn: 'arn:aws:sqs:eu-west-1:123456789012:svc-local-dlq',
    });
    expect(roleStatements(safetyNetOf(roles)).map(({ id, statement }) => [id, statement.Resource])).toEqual([
      [
        'SafetyNetRole/safetyNet#0',
        ['arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/svc-local-safetyNet:*'],
      ],
      ['SafetyNetRole/safetyNet#1', 'arn:aws:sqs:eu-west-1:123456789012:svc-local-dlq'],
      ['SafetyNetRole/buckets#0', 'arn:aws:s3:::b'],
      ['SafetyNetRole/IdempotencyPolicy#0', 'arn:aws:dynamodb:eu-west-1:123456789012:table/svc-local-idempotency'],
    ]);
    expect(roles.stateMachines['machine-local']?.roleLogicalId).toBe('MachineRole');
    expect(roles.otherRoles).toEqual(['SchedulerRole']);
  });

  it("adds the dead-letter queue's sqs:SendMessage to what the Lambda runtime does with the role", () => {
    // Arrange
    const roles = rolesFromPackage({ template: template(), state }, SCOPE);

    // Act
    const checks = roles.functions.safetyNet
      ? runtimeChecks(roles.functions.safetyNet, { ...SCOPE, partition: 'aws' })
      : [];

    // Assert
    expect(checks.map((check) => check.action)).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:SendMessage',
    ]);
  });

  it('refuses a reference it cannot resolve instead of holding a function to a policy that matches nothing', () => {
    // Arrange
    const unknown = template({
      Other: { Type: 'AWS::Kinesis::Stream', Properties: {} },
      IdempotencyPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          Roles: [{ Ref: 'SafetyNetRole' }],
          PolicyDocument: {
            Statement: [{ Effect: 'Allow', Action: 'kinesis:PutRecord', Resource: { 'Fn::GetAtt': ['Other', 'Arn'] } }],
          },
        },
      },
    });

    // Act
    const read = () => rolesFromPackage({ template: unknown, state }, SCOPE);

    // Assert
    expect(read).toThrow(/cannot tell what \{\{GetAtt Other\.Arn\}\} stands for/);
  });

  it('takes one statement away from the roles, and refuses an id that names none', () => {
    // Arrange
    const roles = rolesFromPackage({ template: template(), state }, SCOPE);

    // Act
    const without = withoutStatement(roles, 'SafetyNetRole/safetyNet#1');

    // Assert
    expect(roleStatements(safetyNetOf(without)).map(({ id }) => id)).toEqual([
      'SafetyNetRole/safetyNet#0',
      'SafetyNetRole/buckets#0',
      'SafetyNetRole/IdempotencyPolicy#0',
    ]);
    expect(() => withoutStatement(roles, 'SafetyNetRole/nothing#0')).toThrow('No statement SafetyNetRole/nothing#0');
  });
});
