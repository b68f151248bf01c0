// The only logger: structured JSON via Powertools. Messages are fixed strings; data goes in keys.
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'elasticache-snapshot-export' });
