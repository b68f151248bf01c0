// The local stack's own endpoints on the AWS endpoint, `/_local/...` (not AWS APIs, no signature needed): for
// tests, demos and operators. Other parts of the local stack add theirs with addRoute (the schedules,
// local/schedules.ts).
//
// Local endpoints (not AWS APIs):
//   GET /_local/health                       {"status":"ok","project":"elasticache-snapshot-export","services":[…]}
//   GET /_local/sns/messages[?topicArn=…]    messages published, oldest first: { messageId, topicArn, subject?, message,
//                                            messageStructure?, messageAttributes, timestamp, accountId, region }
//   GET /_local/sns/messages?format=text     the same as a person reads them (subject and the e-mail text)
//   DELETE /_local/sns/messages              forgets them
//   GET /_local/sns/faults                   the same for SNS calls, e.g. {"action":"Publish","count":3,
//                                            "code":"AuthorizationError","message":"…","status":403}, or a slow
//                                            answer: {"action":"Publish","delaySeconds":100} (emulated seconds)
//   GET /_local/sqs/messages?queue=<name>[&accountId=…&region=…]
//                                            the messages in a queue, oldest first, without receiving them: { messageId,
//                                            body, messageAttributes, sentTimestamp, receiveCount, visible,
//                                            deadLetterQueueSourceArn? } (default account 000000000000, us-east-1)
//   GET /_local/iam/calls                    with `iam`: every check of a project function's call, oldest first
//                                            (RecordedCall in local/aws/iam/index.ts); DELETE forgets them
//   GET /_local/elasticache/faults           pending staged faults; DELETE clears them; POST stages one, e.g.
//                                            {"action":"CopySnapshot","count":2} (Throttling "Rate exceeded" by default,
//                                            or give code/message/status), {"exportOutcome":"no-objects"|"failed"|"corrupt"|"truncated"}, or
//                                            {"snapshotOutcome":"failed","replicationGroupId":"…"} (or "cacheClusterId")
//                                            for the next CreateSnapshot of that group or cluster; a slow answer:
//                                            {"action":"DescribeSnapshots","delaySeconds":400} (emulated seconds);
//                                            {"snapshotOutcome":"failed","serverlessCacheName":"…"},
//                                            {"exportOutcome":"failed","serverlessCacheSnapshotName":"…"} and
//                                            {"serviceLinkedRoleMissing":true} for the serverless actions
//   POST /_local/elasticache/automatic-backup {"replicationGroupId":"…"} or {"cacheClusterId":"…"}, optional
//                                            "seconds" (emulated, default the snapshot time), "accountId", "region":
//                                            runs its automatic backup now: it is `snapshotting` that long and an
//                                            `automated` snapshot automatic.<id>-<yyyy-mm-dd-hh-mm> is made; 201
//                                            { snapshotName, endsAt }, or ElastiCache's error { code, error } with its
//                                            status
//
// Authorization (option `iam`, local/aws/iam/): a request a project function makes (known by its X-Ray trace id) is
// checked against the function's packaged role before its service sees it, recorded, and refused with the service's
// own error when the role denies it; any other request (the AWS CLI, seeding, tests) is not limited.
//
// Authentication: every request to an AWS API must be SigV4-signed (Authorization header or presigned query), as AWS
// requires; the signature itself is not verified (any credentials work). An unsigned request gets the service's own
// refusal (MissingAuthenticationToken for ElastiCache, SNS, DynamoDB, SQS and Step Functions; S3 treats it as
// anonymous and answers AccessDenied). `/_local/*` endpoints need no signature.
//
// Bodies: a service's body is held in memory up to `bodyMemoryBytes` (4 MiB); past that an S3 body streams to a
// temporary file under `<dataDir>/.tmp/requests/` (removed after the answer, whatever happens), which S3 PutObject
// decodes, checks and renames into place; GetObject streams from disk. Other services refuse a body over their
// limit (request-limits.ts). A body that stops arriving for `bodyIdleTimeoutMs` (60 s) is answered with S3's
// RequestTimeout, or for other services the connection is closed; a download the client stops reading for as long
// is cut off.
//
// Emulated durations (seconds of emulated time, scaled by the clock; option `elastiCache`): a new replication group or
// cache cluster is `creating` for 10, a snapshot for 15 (its group or cluster `snapshotting` as long), an export keeps
// its source `copying` for 20, and a deleted snapshot stays `deleting` for 5. The same option sets ElastiCache's
// limits: `manualSnapshotsPerNode` (20) manual snapshots per node and `serverlessSnapshotsPerCache` (24) per serverless
// cache in any 24 hours of emulated time; and how a serverless export behaves where AWS does not say:
// `serverlessExportStatus` (`exporting`) and `serverlessExportShards` (1 object, `<snapshot>-0001.rdb`). SQS's
// delays, visibility timeouts, long polls and retention periods are emulated seconds too (sqs/messages.ts).
//
// S3 clients: an IP endpoint (the default url) makes the SDK use path-style; with a `localhost` endpoint set
// `forcePathStyle: true`, since `<bucket>.localhost` may not resolve (the server does route such Hosts).
//
// Note: buckets made with CreateBucket get Object Ownership "BucketOwnerEnforced" (ACLs disabled), as S3 has done
// since April 2023. To grant ElastiCache by ACL, create the bucket with `x-amz-object-ownership: ObjectWriter`
// (SDK: ObjectOwnership) or call PutBucketOwnershipControls first, or use `s3.seedBucket`.
import type { Clock } from '../clock.js';
import type { ElastiCacheHandle } from './elasticache/index.js';
import { AwsError } from './errors.js';
import type { LocalIam } from './iam/index.js';
import { messageAsText, type SnsHandle } from './sns/index.js';
import type { SqsHandle } from './sqs/index.js';
import type { AwsResponse } from './types.js';

/** The name /_local/health gives, so a client can tell this project's local stack from another emulator. */
export const LOCAL_STACK_PROJECT = 'elasticache-snapshot-export';

/** A `/_local/...` endpoint: its answer, or undefined when the request is not for it. */
export type LocalRoute = (
  method: string,
  route: string,
  query: URLSearchParams,
  body: Buffer,
) => Promise<AwsResponse | undefined>;

/** What the `/_local/<service>/faults` endpoints need of a service handle. */
interface FaultHandle {
  stageFault(fault: unknown): void;
  pendingFaults(): unknown[];
  clearFaults(): void;
}

export interface LocalEndpointsDeps {
  /** The SigV4 services the emulator serves. */
  services: () => string[];
  clock: Clock;
  sns: SnsHandle;
  sqs: SqsHandle;
  elastiCache: ElastiCacheHandle;
  iam?: Pick<LocalIam, 'calls' | 'clearCalls'>;
}

export interface LocalEndpoints {
  answer(method: string, route: string, query: URLSearchParams, body: Buffer): Promise<AwsResponse>;
  addRoute(route: LocalRoute): void;
}

const json = (status: number, value: unknown): AwsResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

export const createLocalEndpoints = (deps: LocalEndpointsDeps): LocalEndpoints => {
  const localRoutes: LocalRoute[] = [];
  const answer = async (method: string, route: string, query: URLSearchParams, body: Buffer): Promise<AwsResponse> => {
    if (route === '/_local/health' && method === 'GET') {
      // `project` tells this project's emulator from another one on the same port (npm run demo checks it).
      return json(200, {
        status: 'ok',
        project: LOCAL_STACK_PROJECT,
        services: deps.services(),
        timeScale: deps.clock.timeScale,
      });
    }
    if (route === '/_local/sns/messages') {
      if (method === 'GET') {
        const topicArn = query.get('topicArn');
        const messages = deps.sns.messages().filter((message) => !topicArn || message.topicArn === topicArn);
        if (query.get('format') === 'text') {
          return {
            status: 200,
            headers: { 'content-type': 'text/plain; charset=utf-8' },
            body: `${messages.map(messageAsText).join('\n\n')}\n`,
          };
        }
        return json(200, messages);
      }
      if (method === 'DELETE') {
        deps.sns.clearMessages();
        return { status: 204 };
      }
    }
    if (route === '/_local/iam/calls' && deps.iam) {
      if (method === 'GET') return json(200, deps.iam.calls());
      if (method === 'DELETE') {
        deps.iam.clearCalls();
        return { status: 204 };
      }
    }
    if (route === '/_local/sqs/messages' && method === 'GET') {
      const queue = query.get('queue');
      if (!queue) return json(400, { error: 'Name the queue: /_local/sqs/messages?queue=<name>' });
      const scope = {
        ...(query.get('accountId') && { accountId: query.get('accountId') as string }),
        ...(query.get('region') && { region: query.get('region') as string }),
      };
      return json(200, deps.sqs.messages(queue, scope));
    }
    if (route === '/_local/elasticache/automatic-backup' && method === 'POST') {
      return automaticBackup(body);
    }
    const faultsOf =
      route === '/_local/elasticache/faults'
        ? { handle: deps.elastiCache as FaultHandle, shape: 'ElastiCacheFault' }
        : route === '/_local/sns/faults'
          ? { handle: deps.sns as FaultHandle, shape: 'SnsFault' }
          : undefined;
    if (faultsOf) {
      const { handle, shape } = faultsOf;
      if (method === 'GET') return json(200, handle.pendingFaults());
      if (method === 'DELETE') {
        handle.clearFaults();
        return { status: 204 };
      }
      if (method === 'POST') {
        let fault: unknown;
        try {
          fault = JSON.parse(body.toString('utf8'));
        } catch {
          return json(400, {
            error: `The body must be a JSON fault: see ${shape} in local/aws/faults.ts and the services`,
          });
        }
        try {
          handle.stageFault(fault);
        } catch (error) {
          return json(400, { error: error instanceof Error ? error.message : String(error) });
        }
        return json(201, handle.pendingFaults());
      }
    }
    for (const handler of localRoutes) {
      const answer = await handler(method, route, query, body);
      if (answer) return answer;
    }
    return json(404, { error: `No local endpoint ${method} ${route}` });
  };

  /** POST /_local/elasticache/automatic-backup: ElastiCache's own refusal, if any, as JSON with its status. */
  const automaticBackup = (body: Buffer): AwsResponse => {
    let input: unknown;
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch {
      input = undefined;
    }
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return json(400, {
        error: 'The body must be a JSON object: {"replicationGroupId":"…"} or {"cacheClusterId":"…"}',
      });
    }
    const field = (name: string): unknown =>
      Object.hasOwn(input, name) ? (input as Record<string, unknown>)[name] : undefined;
    const text = (name: string): string | undefined => {
      const value = field(name);
      return typeof value === 'string' && value !== '' ? value : undefined;
    };
    const seconds = field('seconds');
    if (seconds !== undefined && typeof seconds !== 'number') {
      return json(400, { error: 'seconds must be a number of emulated seconds' });
    }
    try {
      const started = deps.elastiCache.startAutomaticBackup({
        replicationGroupId: text('replicationGroupId'),
        cacheClusterId: text('cacheClusterId'),
        seconds,
        ...(text('accountId') && { accountId: text('accountId') }),
        ...(text('region') && { region: text('region') }),
      });
      return json(201, started);
    } catch (error) {
      if (error instanceof AwsError) return json(error.status, { code: error.code, error: error.message });
      throw error;
    }
  };

  return { answer, addRoute: (route) => localRoutes.push(route) };
};
