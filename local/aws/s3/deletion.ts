// S3 DeleteObject and DeleteObjects on a bucket without versioning (Amazon S3 API Reference, DeleteObject and
// DeleteObjects). Deleting a key that does not exist succeeds: DeleteObject answers 204, and DeleteObjects lists the
// key as Deleted ("if the object specified in the request is not found, Amazon S3 returns the result as deleted").
// DeleteObjects takes up to 1,000 keys and a Content-MD5 or flexible checksum of its body (integrity.ts); each key is
// deleted, or failed, on its own: a key its caller may not delete (s3:DeleteObject, which S3 checks per key) is an
// <Error> AccessDenied in the answer, not a refusal of the request. Quiet mode lists only the errors. VersionId is
// not read: the emulator models no versioning.
import type { AwsRequest, AwsResponse } from '../types.js';
import { parseXml, s3Document, type XmlNode, xmlChild, xmlChildren, xmlFlatList, xmlText } from '../xml.js';
import { requestBodyOf } from './body.js';
import { malformedXml, ok } from './errors.js';
import { checkBodyIntegrity } from './integrity.js';
import type { BucketRecord } from './model.js';
import type { S3Store } from './store.js';

/** "The request can contain a list of up to 1,000 keys"; more is MalformedXML, as S3 answers it. */
export const MAX_DELETE_KEYS = 1000;

export interface DeleteRequest {
  quiet: boolean;
  keys: string[];
}

/** xsd:boolean, as the Quiet element is declared; absent is false. */
const booleanOf = (text: string | undefined): boolean => {
  const value = text?.trim();
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw malformedXml();
};

/**
 * The body of a DeleteObjects request: `<Delete><Quiet>…</Quiet><Object><Key>…</Key></Object>…</Delete>`, keys as
 * sent (spaces are part of a key). MalformedXML for anything else: no Delete, no Object, an Object without a Key (the
 * schema requires one; assumed for an empty Key), more than 1,000 Objects.
 */
export const parseDeleteRequest = (body: Buffer): DeleteRequest => {
  let document: XmlNode;
  try {
    document = parseXml(body, { untrimmed: true });
  } catch {
    throw malformedXml();
  }
  const remove = xmlChild(document, 'Delete');
  if (!remove) throw malformedXml();
  const objects = xmlChildren(remove, 'Object');
  if (objects.length === 0 || objects.length > MAX_DELETE_KEYS) throw malformedXml();
  const keys = objects.map((object) => {
    const key = xmlText(object, 'Key');
    if (!key) throw malformedXml();
    return key;
  });
  return { quiet: booleanOf(xmlText(remove, 'Quiet')), keys };
};

export const deleteObject = (store: S3Store, request: AwsRequest, bucket: BucketRecord, key: string): AwsResponse => {
  store.deleteObject(bucket.name, key);
  return ok(request, { status: 204 });
};

export const deleteObjects = (store: S3Store, request: AwsRequest, bucket: BucketRecord): AwsResponse => {
  const body = requestBodyOf(request);
  // The body is checked before it is read, as S3 does (a body altered in transit must not delete anything).
  checkBodyIntegrity(request.headers, body, { required: true });
  const { quiet, keys } = parseDeleteRequest(body);
  const deleted: string[] = [];
  const errors: Array<{ Key: string; Code: string; Message: string }> = [];
  for (const key of keys) {
    if (request.deniedItems?.has(key)) {
      errors.push({ Key: key, Code: 'AccessDenied', Message: 'Access Denied' });
    } else {
      store.deleteObject(bucket.name, key);
      deleted.push(key);
    }
  }
  return ok(request, {
    body: s3Document('DeleteResult', {
      Deleted: xmlFlatList(quiet ? [] : deleted.map((key) => ({ Key: key }))),
      Error: xmlFlatList(errors),
    }),
  });
};
