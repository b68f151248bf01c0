// State CreateSnapshot: { state: ExportState } → ExportState (the fresh snapshot requested; handlers/lib/take-snapshot.ts).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { elastiCache } from './lib/clients/elasticache.js';
import { sfn } from './lib/clients/sfn.js';
import type { ExportState } from './lib/contracts.js';
import { requireEnv } from './lib/env.js';
import { logger } from './lib/logger.js';
import { takeFreshSnapshot } from './lib/take-snapshot.js';

const deps = { elastiCache, sfn, stateMachineArn: requireEnv('STATE_MACHINE_ARN') };

export const handler = middy<ExportState, ExportState>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler((state) => takeFreshSnapshot(state, deps));
