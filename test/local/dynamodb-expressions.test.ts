// DynamoDB's expression language in the emulator, through the real SDK client: every comparator, BETWEEN, IN, the
// functions, AND/OR/NOT with their precedence and parentheses, on every attribute type; a failed condition as a
// ConditionalCheckFailedException carrying the item; and the syntax and placeholder errors, worded as DynamoDB
// words them.
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  CreateTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { type Harness, rejectionOf, startHarness } from './emulator-harness';

let harness: Harness;
let dynamoDb: DynamoDBClient;
const TableName = 'expressions';

const stored: Record<string, AttributeValue> = {
  id: { S: 'subject' },
  s: { S: 'hello' },
  n: { N: '10' },
  b: { B: new Uint8Array([1, 2, 3]) },
  t: { BOOL: true },
  z: { NULL: true },
  m: { M: { k: { S: 'v' }, deep: { M: { x: { N: '1' } } } } },
  l: { L: [{ N: '1' }, { S: 'two' }] },
  ss: { SS: ['a', 'b'] },
  ns: { NS: ['1', '2'] },
  bs: { BS: [new Uint8Array([1]), new Uint8Array([2])] },
};

const values: Record<string, AttributeValue> = {
  ':ten': { N: '10.0' },
  ':nine': { N: '9' },
  ':eleven': { N: '11' },
  ':one': { N: '1' },
  ':two': { N: '2' },
  ':five': { N: '5' },
  ':tenText': { S: '10' },
  ':hello': { S: 'hello' },
  ':he': { S: 'he' },
  ':ell': { S: 'ell' },
  ':a': { S: 'a' },
  ':z': { S: 'z' },
  ':twoText': { S: 'two' },
  ':wrong': { S: 'wrong' },
  ':true': { BOOL: true },
  ':null': { NULL: true },
  ':listType': { S: 'L' },
  ':bytes': { B: new Uint8Array([1, 2, 3]) },
  ':prefix': { B: new Uint8Array([1, 2]) },
  ':setReversed': { SS: ['b', 'a'] },
};

beforeAll(async () => {
  harness = await startHarness();
  dynamoDb = harness.dynamoDb();
  await dynamoDb.send(
    new CreateTableCommand({
      TableName,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await dynamoDb.send(new PutItemCommand({ TableName, Item: stored }));
});

afterAll(() => harness.stop());

/** Rewrites the stored item under the condition: whether DynamoDB let it through. */
const holds = async (ConditionExpression: string): Promise<boolean> => {
  const used = Object.fromEntries(
    Object.entries(values).filter(([key]) => new RegExp(`${key}\\b`).test(ConditionExpression)),
  );
  try {
    await dynamoDb.send(
      new PutItemCommand({
        TableName,
        Item: stored,
        ConditionExpression,
        ...(Object.keys(used).length > 0 && { ExpressionAttributeValues: used }),
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
};

describe('conditions that hold', () => {
  it.each([
    ['numbers equal by value', 'n = :ten'],
    ['not equal', 'n <> :nine'],
    ['numbers ordered as numbers, not as text', 'n > :nine'],
    ['less than', 'n < :eleven'],
    ['at most', 'n <= :ten'],
    ['at least', 'n >= :ten'],
    ['a string between bounds', 's BETWEEN :a AND :z'],
    ['a number in a list', 'n IN (:one, :ten)'],
    ['a nested attribute exists', 'attribute_exists(m.deep.x)'],
    ['a nested attribute does not exist', 'attribute_not_exists(m.nothing)'],
    ['the type of an attribute', 'attribute_type(l, :listType)'],
    ['a string prefix', 'begins_with(s, :he)'],
    ['a binary prefix', 'begins_with(b, :prefix)'],
    ['a substring', 'contains(s, :ell)'],
    ['a member of a string set', 'contains(ss, :a)'],
    ['a member of a number set', 'contains(ns, :two)'],
    ['an element of a list', 'contains(l, :twoText)'],
    ['the size of a string', 'size(s) = :five'],
    ['the size of a set', 'size(ss) = :two'],
    ['the size of a map', 'size(m) = :two'],
    ['a list element by index', 'l[1] = :twoText'],
    ['binaries equal by bytes', 'b = :bytes'],
    ['sets equal whatever their order', 'ss = :setReversed'],
    ['NULL equal to NULL', 'z = :null'],
    ['an absent attribute not equal to a value', 'absent <> :ten'],
    ['NOT', 'NOT attribute_exists(absent)'],
    ['AND binding tighter than OR', 'n = :ten OR s = :wrong AND s = :z'],
    ['parentheses', '(n = :ten OR s = :wrong) AND t = :true'],
    ['NOT binding tighter than OR', 'NOT n = :ten OR n = :ten'],
    ['keywords in any case', 'n = :ten and s = :hello Or s = :wrong'],
    [
      'the shape of Powertools’ condition',
      'attribute_not_exists(id) OR n < :nine OR (s = :hello AND attribute_exists(t) AND n < :eleven)',
    ],
  ])('%s: %s', async (_case, condition) => {
    // Act
    const result = await holds(condition);

    // Assert
    expect(result).toBe(true);
  });
});

describe('conditions that fail', () => {
  it.each([
    ['an absent attribute compared', 'absent = :ten'],
    ['an absent attribute ordered', 'absent < :ten'],
    ['values of different types ordered', 's < :tenText'],
    ['a number and a string never equal', 'n = :tenText'],
    ['out of bounds', 'n BETWEEN :one AND :nine'],
    ['not in the list', 'n IN (:one, :two)'],
    ['attribute_not_exists of an attribute there', 'attribute_not_exists(s)'],
    ['NOT over a whole group', 'NOT (n = :ten OR n = :ten)'],
    ['the wrong type', 'attribute_type(s, :listType)'],
  ])('%s: %s', async (_case, condition) => {
    // Act
    const result = await holds(condition);

    // Assert
    expect(result).toBe(false);
  });

  it('puts the item as stored into the exception with ReturnValuesOnConditionCheckFailure ALL_OLD', async () => {
    // Act
    const error = await rejectionOf(
      dynamoDb.send(
        new UpdateItemCommand({
          TableName,
          Key: { id: { S: 'subject' } },
          UpdateExpression: 'SET s = :wrong',
          ConditionExpression: 'n < :nine',
          ExpressionAttributeValues: { ':wrong': { S: 'wrong' }, ':nine': { N: '9' } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    const { Item } = await dynamoDb.send(new GetItemCommand({ TableName, Key: { id: { S: 'subject' } } }));

    // Assert
    expect(error).toBeInstanceOf(ConditionalCheckFailedException);
    expect(error.message).toBe('The conditional request failed');
    expect((error as unknown as ConditionalCheckFailedException).Item).toEqual(stored);
    expect(Item).toEqual(stored);
  });
});

describe('expressions DynamoDB refuses', () => {
  const refusal = async (
    request: { ConditionExpression?: string; UpdateExpression?: string },
    placeholders: { names?: Record<string, string>; values?: Record<string, AttributeValue> } = {},
  ): Promise<string> => {
    const error = await rejectionOf(
      dynamoDb.send(
        new UpdateItemCommand({
          TableName,
          Key: { id: { S: 'refused' } },
          ...request,
          ...(placeholders.names && { ExpressionAttributeNames: placeholders.names }),
          ...(placeholders.values && { ExpressionAttributeValues: placeholders.values }),
        }),
      ),
    );
    expect(error.name).toBe('ValidationException');
    return error.message;
  };
  const ten = { ':ten': { N: '10' } };

  it.each([
    ['n = = :ten', 'Invalid ConditionExpression: Syntax error; token: "=", near: "= = :ten"'],
    ['n = :ten AND', 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "AND"'],
    ['n ! :ten', 'Invalid ConditionExpression: Syntax error; token: "!", near: "n ! :ten"'],
    ['(n = :ten', 'Invalid ConditionExpression: Syntax error; token: "<EOF>", near: ":ten"'],
    ['status = :ten', 'Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status'],
    ['nosuch(n) = :ten', 'Invalid ConditionExpression: Invalid function name; function: nosuch'],
    [
      'attribute_exists(:ten)',
      'Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists',
    ],
    [
      'begins_with(n, :ten)',
      'Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N',
    ],
    [
      'n = attribute_exists(n)',
      'Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: attribute_exists',
    ],
  ])('refuses the condition %s', async (ConditionExpression, message) => {
    // Act
    const received = await refusal({ ConditionExpression }, { values: ten });

    // Assert
    expect(received).toBe(message);
  });

  it('refuses BETWEEN bounds that are the wrong way round', async () => {
    // Act
    const received = await refusal(
      { ConditionExpression: 'n BETWEEN :ten AND :one' },
      { values: { ':ten': { N: '10' }, ':one': { N: '1' } } },
    );

    // Assert
    expect(received).toBe(
      'Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:10}, upper bound operand: AttributeValue: {N:1}',
    );
  });

  it.each([
    [
      'a name placeholder that is not defined',
      { ConditionExpression: '#n = :ten' },
      { values: ten },
      'Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #n',
    ],
    [
      'a value placeholder that is not defined',
      { ConditionExpression: 'n = :eleven' },
      { values: ten },
      'Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :eleven',
    ],
    [
      'a name placeholder no expression uses',
      { ConditionExpression: 'n = :ten' },
      { values: ten, names: { '#unused': 'x' } },
      'Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}',
    ],
    [
      'a value placeholder no expression uses',
      { UpdateExpression: 'SET a = :ten' },
      { values: { ...ten, ':spare': { S: 'x' } } },
      'Value provided in ExpressionAttributeValues unused in expressions: keys: {:spare}',
    ],
    [
      'placeholders without any expression',
      {},
      { values: ten },
      'ExpressionAttributeValues can only be specified when using expressions',
    ],
    [
      'a clause given twice',
      { UpdateExpression: 'SET a = :ten SET b = :ten' },
      { values: ten },
      'Invalid UpdateExpression: The "SET" section can only be used once in an update expression;',
    ],
    [
      'two actions on overlapping paths',
      { UpdateExpression: 'SET a = :ten REMOVE a.b' },
      { values: ten },
      'Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]',
    ],
    [
      'arithmetic on a string',
      { UpdateExpression: 'SET a = :s + :ten' },
      { values: { ...ten, ':s': { S: 'x' } } },
      'Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S',
    ],
    [
      'ADD of a string',
      { UpdateExpression: 'ADD a :s' },
      { values: { ':s': { S: 'x' } } },
      'Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING',
    ],
    [
      'a value from an attribute that is not there',
      { UpdateExpression: 'SET a = absent' },
      {},
      'The provided expression refers to an attribute that does not exist in the item',
    ],
    [
      'a nested path under an attribute that is not there',
      { UpdateExpression: 'SET absent.inside = :ten' },
      { values: ten },
      'The document path provided in the update expression is invalid for update',
    ],
    [
      'an update expression with no clause',
      { UpdateExpression: 'a = :ten' },
      { values: ten },
      'Invalid UpdateExpression: Syntax error; token: "a", near: "a ="',
    ],
  ])('refuses %s', async (_case, request, placeholders, message) => {
    // Act
    const received = await refusal(request, placeholders);

    // Assert
    expect(received).toBe(message);
  });
});
