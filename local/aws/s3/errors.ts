// S3's own errors that more than one operation raises, with S3's codes, messages and extra elements
// (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html), and the small response helpers every
// operation shares (the request id headers, S3's date formats, the owner element).
import { AwsError } from '../errors.js';
import type { AwsRequest, AwsResponse } from '../types.js';
import type { XmlValue } from '../xml.js';
import { canonicalUserIdFor, displayNameFor } from './model.js';

export const noSuchBucket = (name: string): AwsError =>
  new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404, { fields: { BucketName: name } });
export const accessDenied = (): AwsError => new AwsError('AccessDenied', 'Access Denied', 403);
export const malformedXml = (): AwsError =>
  new AwsError(
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema',
    400,
  );
export const invalidArgument = (message: string, name: string, value: string): AwsError =>
  new AwsError('InvalidArgument', message, 400, { fields: { ArgumentName: name, ArgumentValue: value } });
export const notImplemented = (operation: string): AwsError =>
  new AwsError('NotImplemented', `${operation} is not implemented by the local AWS emulator.`, 501);

export const isoDate = (iso: string): string => new Date(iso).toISOString();
export const httpDate = (iso: string): string => new Date(iso).toUTCString();

export const ownerXml = (accountId: string): XmlValue => ({
  ID: canonicalUserIdFor(accountId),
  DisplayName: displayNameFor(accountId),
});

/** A successful answer with S3's request id headers (and the XML content type when there is a body). */
export const ok = (request: AwsRequest, extra: Partial<AwsResponse> & { status?: number } = {}): AwsResponse => ({
  status: extra.status ?? 200,
  headers: {
    'x-amz-request-id': request.requestId,
    'x-amz-id-2': Buffer.from(request.requestId).toString('base64'),
    ...(extra.body !== undefined && { 'content-type': 'application/xml' }),
    ...extra.headers,
  },
  ...(extra.body !== undefined && { body: extra.body }),
  ...(extra.stream !== undefined && { stream: extra.stream }),
});
