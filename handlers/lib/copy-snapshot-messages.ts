// ElastiCache's CopySnapshot messages that code must recognise, not only explain (the CopySnapshot reference,
// ../shared/reference/aws-cli-elasticache-copy-snapshot.rst). The error catalogue (error-catalogue.ts) maps each to
// its solution; a function that only needs to recognise one imports it from here, without the catalogue's 20 KB of
// solutions (startExport: README "Cold start").
import type { DecodedFailure } from './errors.js';

/** "The S3 bucket %s already contains an object with key %s." */
export const OBJECT_ALREADY_EXISTS_MESSAGE = /^The S3 bucket \S+ already contains an object with key \S+?\.?$/m;
export const OBJECT_ALREADY_EXISTS_CODE = 'S3ObjectAlreadyExists';

/** What the catalogue would call S3ObjectAlreadyExists: by ElastiCache's message, or by the code itself. */
export const isObjectAlreadyExists = (failure: DecodedFailure): boolean =>
  OBJECT_ALREADY_EXISTS_MESSAGE.test(failure.message) ||
  [failure.details.code, failure.details.awsErrorCode, failure.errorName].includes(OBJECT_ALREADY_EXISTS_CODE);
