// XML and query-protocol helpers: a small XML writer whose element names are spelled out by the caller (they must
// match the SDK models' member and list-member names), the query protocol's response envelope, its form-encoded
// parameters (`Tags.Tag.1.Key`, `MessageAttributes.entry.1.Value.DataType`), and a parser for S3 request bodies.
import { XMLParser } from 'fast-xml-parser';
import type { AwsResponse } from './types.js';

export const escapeXml = (value: string): string =>
  value.replace(/[&<>"']/g, (char) => {
    switch (char) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      default:
        return '&apos;';
    }
  });

/**
 * A list rendered as `<Name><Member>…</Member>…</Name>` (`member` is the model's list-member name), or, when
 * flattened (S3's `Contents`, `CommonPrefixes`), as `<Name>…</Name>` repeated with no wrapper.
 */
export class XmlList {
  public constructor(
    public readonly member: string | undefined,
    public readonly items: readonly XmlValue[],
  ) {}
}

/** An element with attributes (S3's `<Grantee xsi:type="CanonicalUser">`). */
export class XmlWithAttributes {
  public constructor(
    public readonly attributes: Record<string, string>,
    public readonly value: XmlValue,
  ) {}
}

export type XmlValue =
  | string
  | number
  | boolean
  | Date
  | undefined
  | null
  | XmlList
  | XmlWithAttributes
  | { readonly [name: string]: XmlValue };

export const xmlList = (member: string, items: readonly XmlValue[]): XmlList => new XmlList(member, items);

/** A flattened list: each item is an element named like the list member that holds it. */
export const xmlFlatList = (items: readonly XmlValue[]): XmlList => new XmlList(undefined, items);

/** ISO 8601 with milliseconds, as AWS's query and REST/XML services send timestamps. */
export const isoTimestamp = (date: Date): string => date.toISOString();

const renderContent = (value: XmlValue): string => {
  if (value === undefined || value === null) return '';
  if (value instanceof Date) return isoTimestamp(value);
  if (typeof value === 'string') return escapeXml(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof XmlList) {
    const { member } = value;
    return member === undefined ? '' : value.items.map((item) => element(member, item)).join('');
  }
  if (value instanceof XmlWithAttributes) return renderContent(value.value);
  return Object.entries(value)
    .map(([name, child]) => element(name, child))
    .join('');
};

/** `<name>content</name>`; undefined and null values are left out entirely (absent members). */
export const element = (name: string, value: XmlValue): string => {
  if (value === undefined || value === null) return '';
  if (value instanceof XmlList && value.member === undefined) {
    return value.items.map((item) => element(name, item)).join('');
  }
  const attributes =
    value instanceof XmlWithAttributes
      ? Object.entries(value.attributes)
          .map(([key, attribute]) => ` ${key}="${escapeXml(attribute)}"`)
          .join('')
      : '';
  return `<${name}${attributes}>${renderContent(value)}</${name}>`;
};

/** Renders the members of a structure (no wrapping element). */
export const members = (value: { readonly [name: string]: XmlValue }): string => renderContent(value);

/**
 * A query-protocol success: `<ActionResponse xmlns><ActionResult>…</ActionResult><ResponseMetadata>…`. Actions
 * without output (DeleteTopic) have no Result element.
 */
export const queryResponse = (
  action: string,
  xmlns: string,
  requestId: string,
  result?: { readonly [name: string]: XmlValue },
): AwsResponse => ({
  status: 200,
  headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
  body:
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${xmlns}">` +
    (result ? `<${action}Result>${members(result)}</${action}Result>` : '') +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
});

/** A REST/XML (S3) success document with the S3 namespace on its root element. */
export const s3Document = (root: string, content: { readonly [name: string]: XmlValue }): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${members(content)}</${root}>`;

/** Form-encoded query-protocol parameters, read the way AWS's query services read them. */
export class QueryParams {
  public constructor(private readonly values: ReadonlyMap<string, string>) {}

  /** Parameters from the form-encoded body and the URL query string (AWS accepts either). */
  public static from(body: Buffer, query: URLSearchParams): QueryParams {
    const values = new Map<string, string>();
    for (const [key, value] of query) values.set(key, value);
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) values.set(key, value);
    return new QueryParams(values);
  }

  public get(name: string): string | undefined {
    return this.values.get(name);
  }

  public has(name: string): boolean {
    return this.values.has(name);
  }

  public int(name: string): number | undefined {
    const raw = this.values.get(name);
    if (raw === undefined || raw === '') return undefined;
    return /^-?\d+$/.test(raw) ? Number(raw) : Number.NaN;
  }

  /** `true`/`false` (case-insensitive); anything else is undefined. */
  public bool(name: string): boolean | undefined {
    const raw = this.values.get(name)?.toLowerCase();
    if (raw === 'true') return true;
    if (raw === 'false') return false;
    return undefined;
  }

  /**
   * The members of a list or map parameter, in index order. Accepts every serialization AWS query services
   * use: `Name.member.N…`, `Name.<MemberName>.N…` (ElastiCache's xmlName), `Name.entry.N…` (maps) and
   * flattened `Name.N…`. Each member is a QueryParams view of the rest of its keys; a scalar member is at ''.
   */
  public list(name: string): QueryParams[] {
    const byIndex = new Map<number, Map<string, string>>();
    const prefix = `${name}.`;
    for (const [key, value] of this.values) {
      if (!key.startsWith(prefix)) continue;
      const match = /^(?:[A-Za-z]+\.)?(\d+)(?:\.(.*))?$/.exec(key.slice(prefix.length));
      if (!match) continue;
      const index = Number(match[1]);
      const rest = match[2] ?? '';
      const entry = byIndex.get(index) ?? new Map<string, string>();
      entry.set(rest, value);
      byIndex.set(index, entry);
    }
    return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, entry]) => new QueryParams(entry));
  }

  /** The scalar members of a list parameter. */
  public strings(name: string): string[] {
    return this.list(name).flatMap((member) => {
      const value = member.get('');
      return value === undefined ? [] : [value];
    });
  }

  /** A map parameter (`Name.entry.N.key` / `.value`, or other key and value names). */
  public map(name: string, keyName = 'key', valueName = 'value'): Map<string, string> {
    const map = new Map<string, string>();
    for (const entry of this.list(name)) {
      const key = entry.get(keyName);
      if (key !== undefined) map.set(key, entry.get(valueName) ?? '');
    }
    return map;
  }

  public keys(): string[] {
    return [...this.values.keys()];
  }
}

const parserOptions = (trimValues: boolean) =>
  new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues,
    isArray: (_name, jpath) =>
      // Repeated elements of the S3 request bodies we read.
      /(^|\.)(Grant|Object|Rule)$/.test(String(jpath)),
  });

const parser = parserOptions(true);
const untrimmedParser = parserOptions(false);

export type XmlNode = { [name: string]: XmlNode | XmlNode[] | string | undefined };

/**
 * Parses an XML request body into plain objects (namespace prefixes removed, attributes as `@_name`). Text is
 * trimmed unless `untrimmed` (where it is data with meaningful spaces, such as DeleteObjects' keys).
 */
export const parseXml = (body: Buffer | string, options: { untrimmed?: boolean } = {}): XmlNode => {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  return (options.untrimmed ? untrimmedParser : parser).parse(text, true) as XmlNode;
};

/** Narrowing helpers for parsed XML. */
export const xmlChild = (node: XmlNode | XmlNode[] | string | undefined, name: string): XmlNode | undefined => {
  if (!node || typeof node === 'string' || Array.isArray(node)) return undefined;
  const child = node[name];
  if (!child || typeof child === 'string' || Array.isArray(child)) return undefined;
  return child;
};

export const xmlChildren = (node: XmlNode | undefined, name: string): XmlNode[] => {
  const child = node?.[name];
  if (!child || typeof child === 'string') return [];
  return Array.isArray(child) ? child : [child];
};

export const xmlText = (node: XmlNode | undefined, name: string): string | undefined => {
  const child = node?.[name];
  if (typeof child === 'string') return child;
  if (child && !Array.isArray(child) && typeof child['#text'] === 'string') return child['#text'];
  if (child !== undefined && !Array.isArray(child) && Object.keys(child).length === 0) return '';
  return undefined;
};
