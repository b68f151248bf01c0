// The whole service on the local stack: the HTTP API, Step Functions running the real ASL with the real handlers,
// and the emulated ElastiCache, S3 and SNS, seeded with the demo data. Free ports and a temporary data folder.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type LocalStack, startLocalStack } from '../../local/start';

interface ExportBody {
  exportId: string;
  executionArn?: string;
  status: string;
  outcome?: {
    status: string;
    objects: Array<{ key: string; size: number }>;
    error?: { code: string; message: string; solution: string };
  };
  error?: { code: string; message: string };
}

interface Notification {
  topicArn: string;
  subject?: string;
  message: string;
  messageStructure?: string;
  messageAttributes: Record<string, { StringValue?: string }>;
}

let stack: LocalStack;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'export-flow-'));
  // `env: {}`: the stack's own defaults (demo bucket allowed), not the unit tests' settings.
  stack = await startLocalStack({ env: {}, config: { awsPort: 0, apiPort: 0, dataDir, timeScale: 0.01 } });
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const post = async (body: unknown): Promise<{ status: number; body: ExportBody }> => {
  const response = await fetch(`${stack.apiUrl}/exports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as ExportBody };
};

/** Follows GET /exports/{exportId} the way a client would, until the export has ended. */
const follow = async (exportId: string): Promise<ExportBody> => {
  for (;;) {
    const response = await fetch(`${stack.apiUrl}/exports/${encodeURIComponent(exportId)}`);
    const body = (await response.json()) as ExportBody;
    if (response.status !== 200) throw new Error(`GET /exports/${exportId} answered ${response.status}`);
    if (body.status !== 'RUNNING') return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

const notificationsFor = async (exportId: string): Promise<Notification[]> => {
  const messages = (await (await fetch(`${stack.awsUrl}/_local/sns/messages`)).json()) as Notification[];
  return messages.filter((message) => message.messageAttributes.exportId?.StringValue === exportId);
};

it('exports the two-shard demo snapshot, notifies once and writes one .rdb file per shard', async () => {
  // Arrange
  const request = {
    sourceSnapshotName: 'demo-cache-snapshot',
    targetSnapshotName: 'Flow-Export',
    targetBucket: 'elasticache-exports-local',
  };

  // Act
  const accepted = await post(request);
  const finished = await follow(accepted.body.exportId);
  const notifications = await notificationsFor(accepted.body.exportId);

  // Assert
  expect(accepted.status).toBe(202);
  expect(accepted.body.status).toBe('RUNNING');
  expect(finished.status).toBe('SUCCEEDED');
  expect(finished.outcome?.status).toBe('SUCCEEDED');
  const keys = finished.outcome?.objects.map((object) => object.key);
  expect(keys).toEqual(['flow-export-0001.rdb', 'flow-export-0002.rdb']);

  expect(notifications).toHaveLength(1);
  const [notification] = notifications;
  expect(notification?.topicArn).toBe(stack.topicArn);
  expect(notification?.subject).toContain('SUCCEEDED');
  expect(notification?.messageAttributes.status?.StringValue).toBe('SUCCEEDED');
  expect(notification?.messageStructure).toBe('json');
  const structured = JSON.parse(notification?.message ?? '{}') as Record<string, string>;
  expect(JSON.parse(structured.sqs ?? '{}')).toEqual(finished.outcome);

  for (const object of finished.outcome?.objects ?? []) {
    const file = path.join(dataDir, 's3', 'elasticache-exports-local', object.key);
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).size).toBe(object.size);
    expect(readFileSync(file).subarray(0, 5).toString('latin1')).toBe('REDIS');
  }
});

it('answers the same request again with 200 and the same export, starting nothing new', async () => {
  // Arrange
  const request = {
    sourceSnapshotName: 'demo-cache-snapshot',
    targetSnapshotName: 'flow-replay',
    targetBucket: 'elasticache-exports-local',
  };
  const first = await post(request);
  await follow(first.body.exportId);

  // Act
  const again = await post(request);

  // Assert
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ exportId: first.body.exportId, status: 'SUCCEEDED' });
  expect(await notificationsFor(first.body.exportId)).toHaveLength(1);
});

it('fails an export that left no objects, with the catalogue code in the outcome and the notification', async () => {
  // Arrange: the next export "succeeds" in ElastiCache but writes nothing (the classic empty-bucket case).
  const staged = await fetch(`${stack.awsUrl}/_local/elasticache/faults`, {
    method: 'POST',
    body: JSON.stringify({ exportOutcome: 'no-objects' }),
  });
  expect(staged.status).toBe(201);

  // Act
  const accepted = await post({
    sourceSnapshotName: 'demo-cache-snapshot',
    targetSnapshotName: 'flow-empty',
    targetBucket: 'elasticache-exports-local',
  });
  const finished = await follow(accepted.body.exportId);
  const notifications = await notificationsFor(accepted.body.exportId);

  // Assert
  expect(finished.status).toBe('FAILED');
  expect(finished.outcome?.error?.code).toBe('ExportNoObjects');
  expect(notifications).toHaveLength(1);
  expect(notifications[0]?.messageAttributes.errorCode?.StringValue).toBe('ExportNoObjects');
  expect(existsSync(path.join(dataDir, 's3', 'elasticache-exports-local', 'flow-empty-0001.rdb'))).toBe(false);
});

it('refuses a bucket outside the allow-list at the API without starting an execution', async () => {
  // Arrange
  const request = { sourceSnapshotName: 'demo-cache-snapshot', targetBucket: 'someone-elses-bucket' };

  // Act
  const refused = await post(request);
  const listed = (await (await fetch(`${stack.apiUrl}/exports?limit=100`)).json()) as { exports: ExportBody[] };

  // Assert
  expect(refused.status).toBe(403);
  expect(refused.body.error?.code).toBe('TargetBucketNotAllowed');
  expect(listed.exports.map((entry) => entry.exportId)).not.toContainEqual(expect.stringContaining('someone-elses'));
});
