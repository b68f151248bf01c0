import {
  AwsThrottledError,
  AwsUnavailableError,
  ConfigError,
  decodeFailureCause,
  ExportConflictError,
  ExportDeadlineError,
  ExportFailedError,
  ExportRejectedError,
  type FailureDetails,
  InvalidRequestError,
  STATE_MACHINE_ERROR_NAMES,
  TargetBucketNotAllowedError,
} from '../../../handlers/lib/errors';

/** Step Functions' Cause for a Lambda task that threw: the runtime's JSON error document. */
const lambdaCause = (error: Error): string =>
  JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: ['at checkExport (index.js:1:1)'] });

describe('error classes', () => {
  it.each([
    [new ExportRejectedError('m'), 'ExportRejectedError'],
    [new ExportFailedError('m'), 'ExportFailedError'],
    [new ExportDeadlineError('m'), 'ExportDeadlineError'],
    [new AwsThrottledError('m'), 'AwsThrottledError'],
    [new AwsUnavailableError('m'), 'AwsUnavailableError'],
    [new InvalidRequestError('m'), 'InvalidRequestError'],
    [new TargetBucketNotAllowedError('b'), 'TargetBucketNotAllowedError'],
    [new ExportConflictError('m'), 'ExportConflictError'],
    [new ConfigError('m'), 'ConfigError'],
  ])('names %p after its class, the string the state machine matches', (error, name) => {
    // Assert
    expect(error.name).toBe(name);
    expect(error.constructor.name).toBe(name);
    expect(error).toBeInstanceOf(Error);
  });

  it('lists only names of real error classes for the state machine', () => {
    // Arrange
    const classNames = [
      new ExportRejectedError('m'),
      new ExportFailedError('m'),
      new ExportDeadlineError('m'),
      new AwsThrottledError('m'),
      new AwsUnavailableError('m'),
      new InvalidRequestError('m'),
      new TargetBucketNotAllowedError('b'),
    ].map((error) => error.name);

    // Assert
    expect([...STATE_MACHINE_ERROR_NAMES].sort()).toEqual(classNames.sort());
  });

  it('gives a passed deadline the DeadlinePassed code by default', () => {
    // Act
    const error = new ExportDeadlineError('late');

    // Assert
    expect(error.details).toEqual({ code: 'DeadlinePassed' });
  });

  it('keeps the wrapped SDK error as the cause', () => {
    // Arrange
    const sdkError = new Error('Rate exceeded');

    // Act
    const error = new AwsThrottledError('CopySnapshot was throttled', {}, { cause: sdkError });

    // Assert
    expect(error.cause).toBe(sdkError);
  });

  it('leaves a message without details untouched', () => {
    // Act
    const error = new ExportFailedError('The export failed.');

    // Assert
    expect(error.message).toBe('The export failed.');
  });

  it('keeps the issues of an invalid request with their paths', () => {
    // Act
    const error = new InvalidRequestError('Invalid export request', [{ path: 'targetBucket', message: 'too short' }]);

    // Assert
    expect(error.issues).toEqual([{ path: 'targetBucket', message: 'too short' }]);
  });
});

describe('decodeFailureCause', () => {
  it('round-trips message and details through the Lambda JSON cause', () => {
    // Arrange
    const details: FailureDetails = {
      code: 'ExportIncomplete',
      awsErrorCode: 'InvalidParameterValue',
      requestId: 'r-1',
    };
    const thrown = new ExportFailedError('Expected 2 objects, found 1.', details);

    // Act
    const decoded = decodeFailureCause(thrown.name, lambdaCause(thrown));

    // Assert
    expect(decoded).toEqual({ errorName: 'ExportFailedError', message: 'Expected 2 objects, found 1.', details });
  });

  it('round-trips a multi-line message', () => {
    // Arrange
    const thrown = new ExportRejectedError('first line\nsecond line', { requestId: 'r-2' });

    // Act
    const decoded = decodeFailureCause(thrown.name, lambdaCause(thrown));

    // Assert
    expect(decoded.message).toBe('first line\nsecond line');
    expect(decoded.details).toEqual({ requestId: 'r-2' });
  });

  it('decodes a plain-text cause that carries details, as a local runner gives it', () => {
    // Arrange
    const thrown = new ExportRejectedError('Access denied.', { awsErrorCode: 'AccessDenied' });

    // Act
    const decoded = decodeFailureCause(thrown.name, thrown.message);

    // Assert
    expect(decoded).toEqual({
      errorName: 'ExportRejectedError',
      message: 'Access denied.',
      details: { awsErrorCode: 'AccessDenied' },
    });
  });

  it('keeps a plain cause without details as the message', () => {
    // Act
    const decoded = decodeFailureCause('States.Timeout', 'Task timed out after 60 seconds. ');

    // Assert
    expect(decoded).toEqual({ errorName: 'States.Timeout', message: 'Task timed out after 60 seconds.', details: {} });
  });

  it('treats a missing cause as an empty message', () => {
    // Act
    const decoded = decodeFailureCause('States.TaskFailed', undefined);

    // Assert
    expect(decoded).toEqual({ errorName: 'States.TaskFailed', message: '', details: {} });
  });

  it('keeps a JSON cause that is not a Lambda error document as text', () => {
    // Arrange
    const cause = JSON.stringify({ status: 'FAILED' });

    // Act
    const decoded = decodeFailureCause('Custom', cause);

    // Assert
    expect(decoded.message).toBe(cause);
  });

  it('drops malformed or non-string details but keeps the message', () => {
    // Act
    const malformed = decodeFailureCause('ExportFailedError', 'Boom.\n[details] {not json');
    const wrongTypes = decodeFailureCause('ExportFailedError', 'Boom.\n[details] {"code":42,"requestId":"r-3"}');
    const notAnObject = decodeFailureCause('ExportFailedError', 'Boom.\n[details] ["code"]');

    // Assert
    expect(malformed).toEqual({ errorName: 'ExportFailedError', message: 'Boom.', details: {} });
    expect(wrongTypes.details).toEqual({ requestId: 'r-3' });
    expect(notAnObject.details).toEqual({});
  });
});
