// A recursive-descent parser for DynamoDB's expressions, with DynamoDB's error messages. Grammar (keywords are
// case-insensitive; function names are not):
//
//   condition  ::= or                                  (ConditionExpression, FilterExpression)
//   or         ::= and ( OR and )*
//   and        ::= not ( AND not )*
//   not        ::= NOT not | primary
//   primary    ::= '(' condition ')'
//               |  attribute_exists '(' path ')' | attribute_not_exists '(' path ')'
//               |  attribute_type '(' path ',' operand ')' | begins_with '(' path ',' operand ')'
//               |  contains '(' path ',' operand ')'
//               |  operand comparator operand          comparator ::= = | <> | < | <= | > | >=
//               |  operand BETWEEN operand AND operand
//               |  operand IN '(' operand ( ',' operand )* ')'
//   operand    ::= path | :value | size '(' path ')'
//   path       ::= name ( '.' name | '[' index ']' )*  name ::= identifier | #placeholder
//
//   update     ::= ( SET set ( ',' set )* | REMOVE path ( ',' path )* | ADD path :value ( ',' path :value )*
//                  | DELETE path :value ( ',' path :value )* )+          each clause at most once
//   set        ::= path '=' setValue
//   setValue   ::= setOperand ( ( '+' | '-' ) setOperand )?
//   setOperand ::= path | :value | if_not_exists '(' path ',' setValue ')' | list_append '(' setValue ',' setValue ')'
//
//   projection ::= path ( ',' path )*
//
// Precedence, from DynamoDB's guide: comparators, IN, BETWEEN, functions, parentheses, NOT, AND, OR. A syntax error
// is reported at once ("Invalid ConditionExpression: Syntax error; token: "x", near: "a x b""); other problems
// (a reserved word, an undefined placeholder, a function used the wrong way) only once the whole text has parsed,
// as DynamoDB checks the syntax first. Sources: "Condition and filter expressions, operators, and functions",
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html,
// "Update expressions", https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html
import { type DynamoDbError, validation } from '../errors.js';
import {
  type AttributeValue,
  compareValues,
  describeValue,
  type Item,
  LONG_TYPE_NAMES,
  TYPE_NAMES,
  typeOf,
} from '../values.js';
import {
  type Comparator,
  type Condition,
  describePath,
  type Operand,
  type Path,
  type PathElement,
  type SetValue,
  samePath,
  type UpdateAction,
} from './ast.js';
import { type Token, tokenize } from './lexer.js';
import { isReservedWord } from './reserved-words.js';

export type ExpressionKind =
  | 'ConditionExpression'
  | 'FilterExpression'
  | 'UpdateExpression'
  | 'ProjectionExpression'
  | 'KeyConditionExpression';

/** The placeholders of a request, and which of them its expressions used (DynamoDB refuses unused ones). */
export class Placeholders {
  public readonly usedNames = new Set<string>();
  public readonly usedValues = new Set<string>();

  public constructor(
    public readonly names: Record<string, string> | undefined,
    public readonly values: Item | undefined,
  ) {}
}

const COMPARATORS = new Set<string>(['=', '<>', '<', '<=', '>', '>=']);
const CONDITION_FUNCTIONS = new Set([
  'attribute_exists',
  'attribute_not_exists',
  'attribute_type',
  'begins_with',
  'contains',
]);
const UPDATE_FUNCTIONS = new Set(['if_not_exists', 'list_append']);
const CLAUSES = ['SET', 'REMOVE', 'ADD', 'DELETE'] as const;
type Clause = (typeof CLAUSES)[number];
/** "The maximum number of operands for the IN comparator is 100" (DynamoDB's expression limits). */
const MAX_IN_OPERANDS = 100;
const ORDERED_TYPES = new Set(['S', 'N', 'B']);

/** An argument of a function call, before its function decides what it may be. */
type Argument = Operand | { kind: 'function'; name: string };

class Parser {
  private readonly tokens: Token[];
  private at = 0;
  private deferred: DynamoDbError | undefined;

  public constructor(
    private readonly text: string,
    private readonly kind: ExpressionKind,
    private readonly placeholders: Placeholders,
  ) {
    this.tokens = tokenize(text);
  }

  // ---- tokens -------------------------------------------------------------------------------------------------

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.at + offset, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'eof') this.at += 1;
    return token;
  }

  private isSymbol(symbol: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'symbol' && token.text === symbol;
  }

  private isKeyword(word: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.kind === 'name' && token.text.toUpperCase() === word;
  }

  private expectSymbol(symbol: string): void {
    if (!this.isSymbol(symbol)) throw this.syntaxError();
    this.next();
  }

  /** DynamoDB's syntax error at the current token: the token, and the text from the token before to the one after. */
  private syntaxError(token: Token = this.peek()): DynamoDbError {
    const index = this.tokens.indexOf(token);
    const before = this.tokens[index - 1];
    const after = token.kind === 'eof' ? undefined : this.tokens[index + 1];
    const from = before?.start ?? token.start;
    const to = after && after.kind !== 'eof' ? after.end : token.end;
    const near = this.text.slice(from, to);
    return validation(`Invalid ${this.kind}: Syntax error; token: "${token.text}", near: "${near}"`);
  }

  /** A problem reported once the syntax is known to be right (the first one wins). */
  private defer(message: string): void {
    this.deferred ??= validation(`Invalid ${this.kind}: ${message}`);
  }

  public finish<T>(result: T): T {
    if (this.peek().kind !== 'eof') throw this.syntaxError();
    if (this.deferred) throw this.deferred;
    return result;
  }

  // ---- paths and operands -------------------------------------------------------------------------------------

  private nameElement(): PathElement {
    const token = this.next();
    if (token.kind === 'name') {
      if (isReservedWord(token.text))
        this.defer(`Attribute name is a reserved keyword; reserved keyword: ${token.text}`);
      return { name: token.text };
    }
    if (token.kind === 'attribute-name') {
      this.placeholders.usedNames.add(token.text);
      const names = this.placeholders.names;
      if (!names || !Object.hasOwn(names, token.text)) {
        this.defer(
          `An expression attribute name used in the document path is not defined; attribute name: ${token.text}`,
        );
        return { name: token.text };
      }
      return { name: names[token.text] as string };
    }
    throw this.syntaxError(token);
  }

  public path(): Path {
    const path: Path = [this.nameElement()];
    for (;;) {
      if (this.isSymbol('.')) {
        this.next();
        path.push(this.nameElement());
      } else if (this.isSymbol('[')) {
        this.next();
        const token = this.next();
        if (token.kind !== 'index') throw this.syntaxError(token);
        this.expectSymbol(']');
        path.push({ index: Number(token.text) });
      } else {
        return path;
      }
    }
  }

  private value(): AttributeValue {
    const token = this.next();
    this.placeholders.usedValues.add(token.text);
    const values = this.placeholders.values;
    if (!values || !Object.hasOwn(values, token.text)) {
      this.defer(`An expression attribute value used in expression is not defined; attribute value: ${token.text}`);
      return { NULL: true };
    }
    return values[token.text] as AttributeValue;
  }

  private isFunctionCall(): boolean {
    return this.peek().kind === 'name' && this.isSymbol('(', 1);
  }

  /** `name(arg, …)`, each argument an operand or a nested call (which only update expressions allow). */
  private callArguments(parse: () => Argument): Argument[] {
    this.expectSymbol('(');
    const args = [parse()];
    while (this.isSymbol(',')) {
      this.next();
      args.push(parse());
    }
    this.expectSymbol(')');
    return args;
  }

  private operand(): Operand {
    const token = this.peek();
    if (token.kind === 'attribute-value') return { kind: 'value', value: this.value() };
    if (this.isFunctionCall()) {
      const name = this.next().text;
      const args = this.callArguments(() => this.argument());
      if (name === 'size') {
        const [first] = args;
        if (args.length !== 1) this.wrongArity(name, args.length);
        if (first?.kind !== 'path') {
          this.defer(`Operator or function requires a document path; operator or function: ${name}`);
          return { kind: 'size', path: [] };
        }
        return { kind: 'size', path: first.path };
      }
      this.functionMisused(name);
      return { kind: 'value', value: { NULL: true } };
    }
    if (token.kind === 'name' || token.kind === 'attribute-name') return { kind: 'path', path: this.path() };
    throw this.syntaxError(token);
  }

  private argument(): Argument {
    if (this.isFunctionCall()) {
      const name = this.peek().text;
      if (name === 'size') return this.operand();
      this.next();
      this.callArguments(() => this.argument());
      return { kind: 'function', name };
    }
    return this.operand();
  }

  private functionMisused(name: string): void {
    if (CONDITION_FUNCTIONS.has(name)) {
      this.defer(`The function is not allowed to be used this way in an expression; function: ${name}`);
    } else if (UPDATE_FUNCTIONS.has(name)) {
      this.defer(`The function is not allowed in a condition expression; function: ${name}`);
    } else {
      this.defer(`Invalid function name; function: ${name}`);
    }
  }

  private wrongArity(name: string, count: number): void {
    this.defer(
      `Incorrect number of operands for operator or function; operator or function: ${name}, number of operands: ${count}`,
    );
  }

  private wrongOperandType(name: string, value: AttributeValue): void {
    this.defer(
      `Incorrect operand type for operator or function; operator or function: ${name}, operand type: ${typeOf(value)}`,
    );
  }

  // ---- conditions ---------------------------------------------------------------------------------------------

  public condition(): Condition {
    let left = this.and();
    while (this.isKeyword('OR')) {
      this.next();
      left = { kind: 'or', left, right: this.and() };
    }
    return left;
  }

  private and(): Condition {
    let left = this.not();
    while (this.isKeyword('AND')) {
      this.next();
      left = { kind: 'and', left, right: this.not() };
    }
    return left;
  }

  private not(): Condition {
    if (this.isKeyword('NOT')) {
      this.next();
      return { kind: 'not', condition: this.not() };
    }
    return this.primary();
  }

  private primary(): Condition {
    if (this.isSymbol('(')) {
      this.next();
      const inner = this.condition();
      this.expectSymbol(')');
      return inner;
    }
    let left: Operand;
    if (this.isFunctionCall() && this.peek().text !== 'size') {
      const name = this.peek().text;
      if (CONDITION_FUNCTIONS.has(name)) return this.conditionFunction();
      // Not a condition function: an error once the syntax is checked, whatever follows it.
      this.next();
      this.callArguments(() => this.argument());
      this.functionMisused(name);
      left = { kind: 'value', value: { NULL: true } };
      if (!this.comparisonFollows()) return { kind: 'attribute_exists', path: [] };
    } else {
      left = this.operand();
    }
    const token = this.peek();
    if (token.kind === 'symbol' && COMPARATORS.has(token.text)) {
      this.next();
      const right = this.operand();
      const comparator = token.text as Comparator;
      for (const side of [left, right]) {
        if (
          comparator !== '=' &&
          comparator !== '<>' &&
          side.kind === 'value' &&
          !ORDERED_TYPES.has(typeOf(side.value))
        ) {
          this.wrongOperandType(comparator, side.value);
        }
      }
      if (left.kind === 'path' && right.kind === 'path' && samePath(left.path, right.path)) {
        this.defer(
          `The first operand must be distinct from the remaining operands for this operator or function; operator: ${comparator}, first operand: ${describePath(left.path)}`,
        );
      }
      return { kind: 'compare', comparator, left, right };
    }
    if (this.isKeyword('BETWEEN')) {
      this.next();
      const low = this.operand();
      if (!this.isKeyword('AND')) throw this.syntaxError();
      this.next();
      const high = this.operand();
      if (low.kind === 'value' && high.kind === 'value') this.checkBounds(low.value, high.value);
      return { kind: 'between', operand: left, low, high };
    }
    if (this.isKeyword('IN')) {
      this.next();
      this.expectSymbol('(');
      const candidates = [this.operand()];
      while (this.isSymbol(',')) {
        this.next();
        candidates.push(this.operand());
      }
      this.expectSymbol(')');
      if (candidates.length > MAX_IN_OPERANDS) {
        this.defer(`The IN operator is provided with too many operands; number of operands: ${candidates.length}`);
      }
      return { kind: 'in', operand: left, candidates };
    }
    throw this.syntaxError();
  }

  private comparisonFollows(): boolean {
    const token = this.peek();
    return (
      (token.kind === 'symbol' && COMPARATORS.has(token.text)) || this.isKeyword('BETWEEN') || this.isKeyword('IN')
    );
  }

  private checkBounds(low: AttributeValue, high: AttributeValue): void {
    const described = `lower bound operand: AttributeValue: ${describeValue(low)}, upper bound operand: AttributeValue: ${describeValue(high)}`;
    if (typeOf(low) !== typeOf(high)) {
      this.defer(`The BETWEEN operator requires same data type for lower and upper bounds; ${described}`);
      return;
    }
    const order = compareValues(low, high);
    if (order === undefined) this.wrongOperandType('BETWEEN', low);
    else if (order > 0) {
      this.defer(`The BETWEEN operator requires upper bound to be greater than or equal to lower bound; ${described}`);
    }
  }

  private conditionFunction(): Condition {
    const name = this.next().text;
    const args = this.callArguments(() => this.argument());
    const expected = name === 'attribute_exists' || name === 'attribute_not_exists' ? 1 : 2;
    if (args.length !== expected) this.wrongArity(name, args.length);
    const [first, second] = args;
    for (const arg of args) {
      if (arg.kind === 'function') this.functionMisused(arg.name);
    }
    if (first?.kind !== 'path') {
      this.defer(`Operator or function requires a document path; operator or function: ${name}`);
      return { kind: 'attribute_exists', path: [] };
    }
    const path = first.path;
    const operand: Operand = second && second.kind !== 'function' ? second : { kind: 'value', value: { NULL: true } };
    switch (name) {
      case 'attribute_exists':
      case 'attribute_not_exists':
        return { kind: name, path };
      case 'attribute_type': {
        if (operand.kind === 'value') {
          const typeName = 'S' in operand.value ? operand.value.S : undefined;
          if (typeName === undefined) this.wrongOperandType(name, operand.value);
          else if (!(TYPE_NAMES as readonly string[]).includes(typeName)) {
            this.defer(
              `Invalid attribute type name found; type: ${typeName}, valid types: { ${TYPE_NAMES.join(',')} }`,
            );
          }
        }
        return { kind: 'attribute_type', path, type: operand };
      }
      case 'begins_with':
        if (operand.kind === 'value' && !('S' in operand.value) && !('B' in operand.value)) {
          this.wrongOperandType(name, operand.value);
        }
        return { kind: 'begins_with', path, prefix: operand };
      default:
        return { kind: 'contains', path, operand };
    }
  }

  // ---- updates ------------------------------------------------------------------------------------------------

  public update(): UpdateAction[] {
    const actions: UpdateAction[] = [];
    const seen = new Set<Clause>();
    do {
      const token = this.peek();
      const clause = CLAUSES.find((candidate) => this.isKeyword(candidate));
      if (!clause) throw this.syntaxError(token);
      this.next();
      if (seen.has(clause)) this.defer(`The "${clause}" section can only be used once in an update expression;`);
      seen.add(clause);
      actions.push(this.updateAction(clause));
      while (this.isSymbol(',')) {
        this.next();
        actions.push(this.updateAction(clause));
      }
    } while (this.peek().kind !== 'eof');
    return actions;
  }

  private updateAction(clause: Clause): UpdateAction {
    const path = this.path();
    switch (clause) {
      case 'SET':
        this.expectSymbol('=');
        return { kind: 'SET', path, value: this.setValue() };
      case 'REMOVE':
        return { kind: 'REMOVE', path };
      default: {
        if (this.peek().kind !== 'attribute-value') throw this.syntaxError();
        const value = this.value();
        const type = typeOf(value);
        const allowed = clause === 'ADD' ? ['N', 'SS', 'NS', 'BS'] : ['SS', 'NS', 'BS'];
        if (!allowed.includes(type)) {
          this.defer(
            `Incorrect operand type for operator or function; operator: ${clause}, operand type: ${LONG_TYPE_NAMES[type]}`,
          );
        }
        return { kind: clause, path, value };
      }
    }
  }

  private setValue(): SetValue {
    const left = this.setOperand();
    if (this.isSymbol('+') || this.isSymbol('-')) {
      const operator = this.next().text as '+' | '-';
      const right = this.setOperand();
      for (const side of [left, right]) {
        if (side.kind === 'value' && !('N' in side.value)) this.wrongOperandType(operator, side.value);
      }
      return { kind: operator, left, right };
    }
    return left;
  }

  private setOperand(): SetValue {
    const token = this.peek();
    if (token.kind === 'attribute-value') return { kind: 'value', value: this.value() };
    if (this.isFunctionCall()) {
      const name = this.next().text;
      this.expectSymbol('(');
      const args = [this.setValue()];
      while (this.isSymbol(',')) {
        this.next();
        args.push(this.setValue());
      }
      this.expectSymbol(')');
      const [first, second] = args as [SetValue, SetValue | undefined];
      if (!UPDATE_FUNCTIONS.has(name)) {
        if (CONDITION_FUNCTIONS.has(name) || name === 'size') {
          this.defer(`The function is not allowed in an update expression; function: ${name}`);
        } else {
          this.defer(`Invalid function name; function: ${name}`);
        }
        return first;
      }
      if (args.length !== 2 || !second) {
        this.wrongArity(name, args.length);
        return first;
      }
      if (name === 'if_not_exists') {
        if (first.kind !== 'path') {
          this.defer(`Operator or function requires a document path; operator or function: ${name}`);
          return second;
        }
        return { kind: 'if_not_exists', path: first.path, fallback: second };
      }
      for (const side of [first, second]) {
        if (side.kind === 'value' && !('L' in side.value)) this.wrongOperandType(name, side.value);
      }
      return { kind: 'list_append', left: first, right: second };
    }
    if (token.kind === 'name' || token.kind === 'attribute-name') return { kind: 'path', path: this.path() };
    throw this.syntaxError(token);
  }

  // ---- projections --------------------------------------------------------------------------------------------

  public projection(): Path[] {
    const paths = [this.path()];
    while (this.isSymbol(',')) {
      this.next();
      paths.push(this.path());
    }
    return paths;
  }
}

const parserFor = (text: string, kind: ExpressionKind, placeholders: Placeholders): Parser => {
  if (text.trim() === '') throw validation(`Invalid ${kind}: The expression can not be empty;`);
  return new Parser(text, kind, placeholders);
};

export const parseCondition = (
  text: string,
  kind: 'ConditionExpression' | 'FilterExpression',
  placeholders: Placeholders,
): Condition => {
  const parser = parserFor(text, kind, placeholders);
  return parser.finish(parser.condition());
};

export const parseUpdate = (text: string, placeholders: Placeholders): UpdateAction[] => {
  const parser = parserFor(text, 'UpdateExpression', placeholders);
  return parser.finish(parser.update());
};

export const parseProjection = (text: string, placeholders: Placeholders): Path[] => {
  const parser = parserFor(text, 'ProjectionExpression', placeholders);
  return parser.finish(parser.projection());
};
