// Every env var a handler reads at import time, with test values. Unit tests never reach these endpoints.
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT';
process.env.STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:exportSnapshot-test';
process.env.DEFAULT_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:elasticache-export-outcomes-test';
process.env.ALLOWED_TARGET_BUCKETS = 'exports-bucket,other-allowed-bucket';
process.env.DEFAULT_TARGET_BUCKET = 'exports-bucket';
process.env.EXPORT_DEADLINE_MINUTES = '720';
process.env.NOTIFICATION_TABLE_NAME = 'elasticache-export-safety-net-test';
process.env.STAGE_NAME = 'test';
// Outcome metrics are EMF lines on stdout; off unless a test captures them (test/unit/lib/metrics.test.ts).
process.env.POWERTOOLS_METRICS_DISABLED = process.env.POWERTOOLS_METRICS_DISABLED ?? 'true';
