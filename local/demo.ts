// `npm run demo`: one export end to end. Uses the stack `npm start` runs if it is up, else starts one in-process on
// free ports; requests an export of the demo snapshot over the HTTP API, follows it until it ends, then prints the
// notification and the exported objects. Exit code 0 when the export SUCCEEDED, 1 otherwise.
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { LOCAL_STACK_PROJECT } from './aws/server.js';
import { credentialsOf, type LocalConfig, readLocalConfig } from './config.js';
import { type LocalStack, startLocalStack } from './start.js';

const say = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Endpoints {
  awsUrl: string;
  apiUrl: string;
  dataDir?: string;
  stack?: LocalStack;
}

const fetchJson = async (url: string, init?: RequestInit): Promise<{ status: number; body: unknown }> => {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body };
};

/** The running `npm start` stack, recognised by its health endpoint serving Step Functions and its API answering. */
const runningStack = async (config: LocalConfig): Promise<Endpoints | undefined> => {
  const awsUrl = `http://${config.host}:${config.awsPort}`;
  const apiUrl = `http://${config.host}:${config.apiPort}`;
  try {
    const health = await fetchJson(`${awsUrl}/_local/health`);
    const { services, project } = health.body as { services?: unknown; project?: unknown };
    // Another emulator on the port (LocalStack, another project's stack) is not ours to export through.
    if (health.status !== 200 || project !== LOCAL_STACK_PROJECT) return undefined;
    if (!Array.isArray(services) || !services.includes('states')) return undefined;
    const api = await fetchJson(`${apiUrl}/exports?limit=1`);
    return api.status === 200 ? { awsUrl, apiUrl } : undefined;
  } catch {
    return undefined;
  }
};

const stamp = (now: Date): string => now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

interface ExportView {
  exportId?: string;
  status?: string;
  outcome?: {
    status?: string;
    objects?: Array<{ key: string; size: number }>;
    error?: { code?: string; message?: string; solution?: string };
  };
}

interface Notification {
  topicArn: string;
  subject?: string;
  message: string;
  messageStructure?: string;
  messageAttributes: Record<string, { StringValue?: string }>;
}

const main = async (): Promise<number> => {
  const config = readLocalConfig();
  let endpoints = await runningStack(config);
  if (endpoints) {
    say(`Using the local stack already running: API ${endpoints.apiUrl}, AWS ${endpoints.awsUrl}`);
  } else {
    say('No local stack running: starting one in this process on free ports');
    process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
    const stack = await startLocalStack({ config: { awsPort: 0, apiPort: 0 }, log: (line) => say(`  ${line}`) });
    endpoints = { awsUrl: stack.awsUrl, apiUrl: stack.apiUrl, dataDir: stack.dataDir, stack };
  }

  try {
    const request = {
      sourceSnapshotName: config.snapshotName,
      targetSnapshotName: `demo-export-${stamp(new Date())}`,
      targetBucket: config.bucket,
    };
    say();
    say(`POST ${endpoints.apiUrl}/exports ${JSON.stringify(request)}`);
    const accepted = await fetchJson(`${endpoints.apiUrl}/exports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    say(`${accepted.status} ${JSON.stringify(accepted.body, null, 2)}`);
    const exportId = (accepted.body as ExportView).exportId;
    if ((accepted.status !== 202 && accepted.status !== 200) || !exportId) return 1;

    say();
    say(`Following GET ${endpoints.apiUrl}/exports/${exportId}`);
    let view: ExportView = {};
    let lastStatus = '';
    const deadline = Date.now() + 15 * 60_000;
    while (Date.now() < deadline) {
      const current = await fetchJson(`${endpoints.apiUrl}/exports/${encodeURIComponent(exportId)}`);
      view = current.body as ExportView;
      if (view.status !== lastStatus) {
        say(`  ${new Date().toISOString()}  ${view.status ?? `HTTP ${current.status}`}`);
        lastStatus = view.status ?? '';
      }
      if (current.status === 200 && view.status !== 'RUNNING') break;
      await sleep(250);
    }
    say(JSON.stringify(view, null, 2));

    say();
    const messages = (await fetchJson(`${endpoints.awsUrl}/_local/sns/messages`)).body as Notification[];
    const notification = messages.find((message) => message.messageAttributes.exportId?.StringValue === exportId);
    if (notification) {
      say(`Notification on ${notification.topicArn}`);
      say(`  Subject: ${notification.subject ?? ''}`);
      const attributes = Object.entries(notification.messageAttributes).map(
        ([name, value]) => `${name}=${value.StringValue ?? ''}`,
      );
      say(`  Attributes: ${attributes.join(', ')}`);
      const text =
        notification.messageStructure === 'json'
          ? ((JSON.parse(notification.message) as { default?: string }).default ?? notification.message)
          : notification.message;
      say('');
      say(text.replace(/^/gm, '  | '));
    } else {
      say(`No notification for ${exportId} at ${endpoints.awsUrl}/_local/sns/messages`);
    }

    say();
    const s3 = new S3Client({
      endpoint: endpoints.awsUrl,
      region: config.region,
      credentials: credentialsOf(config),
      forcePathStyle: true,
    });
    try {
      const prefix = request.targetSnapshotName.toLowerCase();
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: config.bucket, Prefix: prefix }));
      say(`Objects in s3://${config.bucket}/ starting with ${prefix}:`);
      for (const object of listed.Contents ?? []) {
        say(`  ${object.Key}  ${object.Size} bytes`);
      }
      if (endpoints.dataDir) say(`(the files: ${path.join(endpoints.dataDir, 's3', config.bucket)})`);
    } finally {
      s3.destroy();
    }
    say();
    say(`Export ${exportId}: ${view.status ?? 'unknown'}`);
    return view.status === 'SUCCEEDED' ? 0 : 1;
  } finally {
    await endpoints.stack?.stop();
  }
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `The demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
