// SQS's errors as its JSON protocol carries them: `{"__type": "com.amazonaws.sqs#<Shape>", "message": …}` plus the
// `x-amzn-query-error: <query code>;Sender` header, which keeps the code of the older query protocol (the SDK and the
// AWS CLI name the error from the header first: `AWS.SimpleQueueService.NonExistentQueue` is `QueueDoesNotExist`).
// Source: "Interpreting Amazon SQS JSON API responses",
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-json-api-responses.html, and the
// query codes and statuses of the SDK's model (`awsQueryError` of each error shape). The common errors that have no
// shape (InvalidParameterValue, MissingParameter) get a `__type` in the same namespace (assumed; the header decides).

export class SqsError extends Error {
  public constructor(
    /** The error shape, the `__type` after `#`. */
    public readonly shape: string,
    /** The query protocol's code, sent in `x-amzn-query-error`. */
    public readonly code: string,
    message: string,
    public readonly status = 400,
    public readonly fault: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
    this.name = 'SqsError';
  }
}

export const queueDoesNotExist = (): SqsError =>
  new SqsError('QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 'The specified queue does not exist.');

export const queueNameExists = (attribute: string): SqsError =>
  new SqsError(
    'QueueNameExists',
    'QueueAlreadyExists',
    `A queue already exists with the same name and a different value for attribute ${attribute}`,
  );

export const queueDeletedRecently = (): SqsError =>
  new SqsError(
    'QueueDeletedRecently',
    'AWS.SimpleQueueService.QueueDeletedRecently',
    'You must wait 60 seconds after deleting a queue before you can create another with the same name.',
  );

export const purgeInProgress = (queueUrl: string): SqsError =>
  new SqsError(
    'PurgeQueueInProgress',
    'AWS.SimpleQueueService.PurgeQueueInProgress',
    `Only one PurgeQueue operation on ${queueUrl} is allowed every 60 seconds.`,
    403,
  );

export const receiptHandleIsInvalid = (handle: string): SqsError =>
  new SqsError(
    'ReceiptHandleIsInvalid',
    'ReceiptHandleIsInvalid',
    `The input receipt handle "${handle}" is not a valid receipt handle.`,
    404,
  );

export const messageNotInflight = (): SqsError =>
  new SqsError(
    'MessageNotInflight',
    'AWS.SimpleQueueService.MessageNotInflight',
    'Message does not exist or is not available for visibility timeout change.',
  );

export const invalidAttributeName = (name: string): SqsError =>
  new SqsError('InvalidAttributeName', 'InvalidAttributeName', `Unknown Attribute ${name}.`);

export const invalidAttributeValue = (name: string, detail?: string): SqsError =>
  new SqsError('InvalidAttributeValue', 'InvalidAttributeValue', detail ?? `Invalid value for the parameter ${name}.`);

export const invalidParameterValue = (message: string): SqsError =>
  new SqsError('InvalidParameterValue', 'InvalidParameterValue', message);

/** "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: …", SQS's wording for a parameter out of range. */
export const invalidParameter = (parameter: string, value: unknown, reason: string): SqsError =>
  invalidParameterValue(`Value ${String(value)} for parameter ${parameter} is invalid. Reason: ${reason}`);

export const missingParameter = (name: string): SqsError =>
  new SqsError('MissingParameter', 'MissingParameter', `The request must contain the parameter ${name}.`);

export const invalidMessageContents = (): SqsError =>
  new SqsError(
    'InvalidMessageContents',
    'InvalidMessageContents',
    'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
  );

export const invalidAddress = (url: string): SqsError =>
  new SqsError('InvalidAddress', 'InvalidAddress', `The address ${url} is not valid for this endpoint.`, 404);

export const accessDenied = (url: string): SqsError =>
  new SqsError('AccessDeniedException', 'AccessDenied', `Access to the resource ${url} is denied.`, 403);

export const unsupportedOperation = (message: string): SqsError =>
  new SqsError('UnsupportedOperation', 'AWS.SimpleQueueService.UnsupportedOperation', message);

export const serialization = (message: string): SqsError =>
  new SqsError('SerializationException', 'SerializationException', message);

export const unknownOperation = (action: string): SqsError =>
  new SqsError(
    'UnknownOperationException',
    'InvalidAction',
    `The local SQS emulator does not support the action ${action || '(none)'}`,
  );

export const emptyBatch = (kind: string): SqsError =>
  new SqsError(
    'EmptyBatchRequest',
    'AWS.SimpleQueueService.EmptyBatchRequest',
    `There should be at least one ${kind}RequestEntry in the request.`,
  );

export const tooManyEntries = (count: number): SqsError =>
  new SqsError(
    'TooManyEntriesInBatchRequest',
    'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
    `Maximum number of entries per request are 10. You have sent ${count}.`,
  );

export const batchIdsNotDistinct = (id: string): SqsError =>
  new SqsError('BatchEntryIdsNotDistinct', 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', `Id ${id} repeated.`);

export const invalidBatchEntryId = (): SqsError =>
  new SqsError(
    'InvalidBatchEntryId',
    'AWS.SimpleQueueService.InvalidBatchEntryId',
    'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
  );

export const batchRequestTooLong = (limit: number): SqsError =>
  new SqsError(
    'BatchRequestTooLong',
    'AWS.SimpleQueueService.BatchRequestTooLong',
    `Batch requests cannot be longer than ${limit} bytes.`,
  );
