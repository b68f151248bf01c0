// States CleanUp and CleanUpAfterFailure: the state → the state with `cleanup` (fresh snapshot deleted, older
// exports of a schedule pruned; handlers/lib/clean-up.ts).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { type CleanUpInput, cleanUpExport } from './lib/clean-up.js';
import { elastiCache } from './lib/clients/elasticache.js';
import { s3 } from './lib/clients/s3.js';
import { logger } from './lib/logger.js';

export const handler = middy<CleanUpInput, CleanUpInput>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler((state) => cleanUpExport(state, { elastiCache, s3, now: () => new Date() }));
