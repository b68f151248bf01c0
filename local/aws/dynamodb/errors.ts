// DynamoDB's modeled errors as its JSON 1.0 wire names them: `__type` is the shape's full id (DynamoDB's own errors
// in `com.amazonaws.dynamodb.v20120810#`, the framework's ValidationException and SerializationException in
// `com.amazon.coral.…#`), status 400, and the message as DynamoDB words it. The SDK keeps what follows the `#`.
// Sources: "Error handling with DynamoDB", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html
// (names, statuses and "The conditional request failed"), and the API reference of each action.
import type { Item } from './values.js';

const DYNAMODB = 'com.amazonaws.dynamodb.v20120810';

export class DynamoDbError extends Error {
  public constructor(
    /** The full `__type`, e.g. `com.amazonaws.dynamodb.v20120810#ResourceNotFoundException`. */
    public readonly type: string,
    message: string,
    public readonly status = 400,
    /** Extra members of the error shape (ConditionalCheckFailedException's `Item`). */
    public readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DynamoDbError';
  }
}

export const validation = (message: string): DynamoDbError =>
  new DynamoDbError('com.amazon.coral.validate#ValidationException', message);

export const serialization = (message: string): DynamoDbError =>
  new DynamoDbError('com.amazon.coral.service#SerializationException', message);

export const unknownOperation = (action: string): DynamoDbError =>
  new DynamoDbError(
    'com.amazon.coral.service#UnknownOperationException',
    `The local DynamoDB emulator does not support the action ${action || '(none)'}`,
  );

/** A table that does not exist (or is being deleted): the message of the item and table actions alike. */
export const resourceNotFound = (message = 'Requested resource not found'): DynamoDbError =>
  new DynamoDbError(`${DYNAMODB}#ResourceNotFoundException`, message);

export const resourceInUse = (message: string): DynamoDbError =>
  new DynamoDbError(`${DYNAMODB}#ResourceInUseException`, message);

/** With ReturnValuesOnConditionCheckFailure ALL_OLD, the item as it was (when there was one) rides along. */
export const conditionalCheckFailed = (item?: Item): DynamoDbError =>
  new DynamoDbError(`${DYNAMODB}#ConditionalCheckFailedException`, 'The conditional request failed', 400, {
    ...(item && { Item: item }),
  });
