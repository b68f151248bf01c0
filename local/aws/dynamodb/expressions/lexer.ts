// The tokens of DynamoDB's expression language (condition, filter, update and projection expressions): names,
// `#name` and `:value` placeholders, list indexes, comparators and punctuation. Whitespace separates tokens and is
// dropped; a character the language does not know becomes an `invalid` token, which the parser reports as a syntax
// error with DynamoDB's `token: "…", near: "…"` wording. Each token keeps its place in the text for that message.
// Grammar: "Comparison operator and function reference",
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html

export type TokenKind = 'name' | 'attribute-name' | 'attribute-value' | 'index' | 'symbol' | 'invalid' | 'eof';

export interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
}

const WORD = /[A-Za-z0-9_]/;
const SYMBOLS = ['<>', '<=', '>=', '=', '<', '>', '(', ')', ',', '.', '[', ']', '+', '-'];

export const tokenize = (text: string): Token[] => {
  const tokens: Token[] = [];
  let at = 0;
  const wordEnd = (from: number): number => {
    let end = from;
    while (end < text.length && WORD.test(text.charAt(end))) end += 1;
    return end;
  };
  while (at < text.length) {
    const char = text.charAt(at);
    if (/\s/.test(char)) {
      at += 1;
      continue;
    }
    let kind: TokenKind;
    let end: number;
    if (char === '#' || char === ':') {
      end = wordEnd(at + 1);
      kind = end === at + 1 ? 'invalid' : char === '#' ? 'attribute-name' : 'attribute-value';
    } else if (/[0-9]/.test(char)) {
      end = at;
      while (end < text.length && /[0-9]/.test(text.charAt(end))) end += 1;
      kind = 'index';
    } else if (WORD.test(char)) {
      end = wordEnd(at);
      kind = 'name';
    } else {
      const symbol = SYMBOLS.find((candidate) => text.startsWith(candidate, at));
      kind = symbol ? 'symbol' : 'invalid';
      end = at + (symbol?.length ?? 1);
    }
    tokens.push({ kind, text: text.slice(at, end), start: at, end });
    at = end;
  }
  tokens.push({ kind: 'eof', text: '<EOF>', start: text.length, end: text.length });
  return tokens;
};
