// The baselines of the first-invocation benchmark, built by esbuild in the same run with the esbuild settings of
// serverless.yml: per function, a FLOOR bundle holding only the AWS SDK clients that function's bundle holds (read
// from esbuild's metafile of the function's own entry), whose first invocation creates those clients at module
// scope, as the handlers do (HOUSE-STYLE rule 3), and makes one cheap call with each against the local stack; and
// an empty handler (the runtime's own floor). A function at its floor pays only for the SDK it cannot do without.
import { statSync } from 'node:fs';
import path from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { type Bundle, SERVICE_DIR, type ServerlessConfig } from './bundles.js';

export const EMPTY_BASELINE = 'baseline: empty';
export const floorNameOf = (functionKey: string): string => `floor: ${functionKey}`;

/** One SDK client a floor creates, and the cheapest call that still reaches the service and back. */
interface FloorClient {
  /** How the package shows up in the metafile's inputs (node_modules/<package>/...). */
  packageName: string;
  /** Module-scope code creating the client. */
  create: string;
  /** The call, an expression awaited in the handler; `env` is process.env. */
  call: string;
}

/**
 * The clients the functions use. A bundle holding a client missing here fails the run: a floor without it would
 * flatter the function.
 */
const FLOOR_CLIENTS: readonly FloorClient[] = [
  {
    packageName: '@aws-sdk/client-elasticache',
    create: `import { ElastiCacheClient, DescribeSnapshotsCommand } from '@aws-sdk/client-elasticache';
const elastiCache = new ElastiCacheClient({});`,
    call: 'elastiCache.send(new DescribeSnapshotsCommand({ MaxRecords: 20 }))',
  },
  {
    packageName: '@aws-sdk/client-s3',
    create: `import { S3Client, ListBucketsCommand } from '@aws-sdk/client-s3';
const s3 = new S3Client({});`,
    call: 's3.send(new ListBucketsCommand({}))',
  },
  {
    packageName: '@aws-sdk/client-sns',
    create: `import { SNSClient, ListTopicsCommand } from '@aws-sdk/client-sns';
const sns = new SNSClient({});`,
    call: 'sns.send(new ListTopicsCommand({}))',
  },
  {
    packageName: '@aws-sdk/client-sfn',
    create: `import { SFNClient, ListExecutionsCommand } from '@aws-sdk/client-sfn';
const sfn = new SFNClient({});`,
    call: 'sfn.send(new ListExecutionsCommand({ stateMachineArn: process.env.STATE_MACHINE_ARN, maxResults: 1 }))',
  },
  {
    packageName: '@aws-sdk/client-dynamodb',
    create: `import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
const dynamoDb = new DynamoDBClient({});`,
    call: `dynamoDb.send(new GetItemCommand({ TableName: process.env.NOTIFICATION_TABLE_NAME, Key: { id: { S: 'bench-floor' } } }))`,
  },
  {
    packageName: '@aws-sdk/lib-dynamodb',
    create: `import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
const documents = DynamoDBDocumentClient.from(new DynamoDBClient({}));`,
    call: `documents.send(new GetCommand({ TableName: process.env.NOTIFICATION_TABLE_NAME, Key: { id: 'bench-floor' } }))`,
  },
];

const SDK_PACKAGE = /node_modules\/(@aws-sdk\/(?:client-[a-z0-9-]+|lib-dynamodb))\//;

/** The SDK client packages esbuild puts in the function's bundle (its metafile's inputs). */
export const sdkClientsOf = async (
  handler: string,
  options: BuildOptions,
): Promise<{ packages: string[]; bytes: number }> => {
  const entry = path.join(SERVICE_DIR, `${handler.replace(/\.[^.]+$/, '')}.ts`);
  const result = await build({ ...options, entryPoints: [entry], write: false, metafile: true, logLevel: 'silent' });
  const packages = new Set<string>();
  for (const input of Object.keys(result.metafile.inputs)) {
    const name = SDK_PACKAGE.exec(input)?.[1];
    if (name) packages.add(name);
  }
  const output = result.outputFiles.find((file) => file.path.endsWith('.js') || file.path.endsWith('.mjs'));
  return { packages: [...packages].sort(), bytes: output?.contents.byteLength ?? 0 };
};

/** The floor's source: the clients, and a handler that sends each one's call, one after the other. */
export const floorSource = (packages: readonly string[]): string => {
  const clients = FLOOR_CLIENTS.filter((client) => packages.includes(client.packageName));
  const missing = packages.filter((name) => !FLOOR_CLIENTS.some((client) => client.packageName === name));
  if (missing.length > 0) throw new Error(`bench/floors.ts has no floor call for ${missing.join(', ')}: add one`);
  // The document client wraps a DynamoDBClient: its floor needs that import even if the bundle had only lib-dynamodb.
  const imports = clients.some((client) => client.packageName === '@aws-sdk/lib-dynamodb')
    ? clients.some((client) => client.packageName === '@aws-sdk/client-dynamodb')
      ? clients
      : [FLOOR_CLIENTS.find((client) => client.packageName === '@aws-sdk/client-dynamodb'), ...clients]
    : clients;
  return [
    ...imports.map((client) => client?.create ?? ''),
    'export const handler = async () => {',
    ...clients.map((client) => `  await ${client.call};`),
    '  return {};',
    '};',
    '',
  ].join('\n');
};

const buildBaseline = async (
  name: string,
  source: string,
  options: BuildOptions,
  root: string,
  slug: string,
): Promise<Bundle> => {
  const file = path.join(root, 'baselines', `${slug}.mjs`);
  await build({
    ...options,
    stdin: { contents: source, resolveDir: SERVICE_DIR, sourcefile: `bench/${slug}.ts`, loader: 'ts' },
    outfile: file,
    logLevel: 'silent',
  });
  return { name, file, bundleBytes: statSync(file).size };
};

export interface Floor extends Bundle {
  functionKey: string;
  packages: string[];
}

/** Each function's floor (in serverless.yml order), and the empty handler. */
export const buildBaselines = async (
  config: ServerlessConfig,
  options: BuildOptions,
  root: string,
): Promise<{ floors: Floor[]; empty: Bundle }> => {
  const floors: Floor[] = [];
  for (const [functionKey, fn] of Object.entries(config.functions ?? {})) {
    if (!fn.handler) throw new Error(`serverless.yml: function ${functionKey} has no handler`);
    const { packages } = await sdkClientsOf(fn.handler, options);
    const floor = await buildBaseline(
      floorNameOf(functionKey),
      floorSource(packages),
      options,
      root,
      `floor-${functionKey}`,
    );
    floors.push({ ...floor, functionKey, packages });
  }
  const empty = await buildBaseline(
    EMPTY_BASELINE,
    'export const handler = async () => ({});\n',
    options,
    root,
    'empty',
  );
  return { floors, empty };
};
