import { compilePattern, EventPatternError } from '../../local/aws/events/pattern';

const EVENT = {
  source: 'aws.states',
  'detail-type': 'Step Functions Execution Status Change',
  resources: ['arn:aws:states:us-east-1:000000000000:execution:sm:e-1'],
  detail: {
    stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:sm',
    status: 'FAILED',
    redriveCount: 0,
  },
};

describe('EventBridge event patterns', () => {
  it.each([
    ['exact values', { source: ['aws.states'], detail: { status: ['FAILED', 'ABORTED'] } }, true],
    ['a value not listed', { detail: { status: ['SUCCEEDED'] } }, false],
    ['a field the event lacks', { detail: { error: ['x'] } }, false],
    ['an array field, any element', { resources: [{ prefix: 'arn:aws:states:' }] }, true],
    ['prefix', { detail: { stateMachineArn: [{ prefix: 'arn:aws:states:us-east-1:' }] } }, true],
    ['suffix', { detail: { stateMachineArn: [{ suffix: ':other' }] } }, false],
    ['anything-but a list', { detail: { status: [{ 'anything-but': ['RUNNING', 'SUCCEEDED'] }] } }, true],
    ['anything-but the value', { detail: { status: [{ 'anything-but': 'FAILED' }] } }, false],
    ['exists true', { detail: { redriveCount: [{ exists: true }] } }, true],
    ['exists false', { detail: { error: [{ exists: false }] } }, true],
    ['numeric', { detail: { redriveCount: [{ numeric: ['>=', 0, '<', 1] }] } }, true],
    ['equals-ignore-case', { detail: { status: [{ 'equals-ignore-case': 'failed' }] } }, true],
    ['$or', { $or: [{ detail: { status: ['ABORTED'] } }, { source: ['aws.states'] }] }, true],
    ['an object where the event has a string', { source: { x: ['y'] } }, false],
  ])('matches %s as EventBridge does', (_what, pattern, expected) => {
    // Act
    const matches = compilePattern(pattern)(EVENT);

    // Assert
    expect(matches).toBe(expected);
  });

  it.each([
    ['a matcher it does not emulate', { source: [{ wildcard: 'aws.*' }] }],
    ['an empty list', { source: [] }],
    ['a scalar instead of a list', { source: 'aws.states' }],
    ['a bad numeric', { detail: { n: [{ numeric: ['>'] }] } }],
  ])('refuses %s when the rule is added', (_what, pattern) => {
    // Act / Assert
    expect(() => compilePattern(pattern)).toThrow(EventPatternError);
  });
});
