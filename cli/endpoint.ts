// Where the CLI sends its requests and with what identity. Two cases:
//   the local stack (`--local`, or ELASTICACHE_EXPORT_ENDPOINT): the API with no auth, the emulator's AWS endpoint
//     with the local stack's own credentials and Region (local/config.ts);
//   the deployed stack: `--endpoint <url>` or the stack's CloudFormation output ServiceEndpoint, every request signed
//     with the SDK's credential chain (profiles, SSO, environment; `--profile`) for execute-api in the Region.
// Resolved lazily: prepare-bucket needs no API, restore-command no S3.
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { credentialsOf, DEFAULT_HOST, readLocalConfig } from '../local/config.js';
import type { ApiTarget } from './api-client.js';
import { CliError, UsageError } from './errors.js';

/** The options every command takes (cli/arguments.ts). */
export interface ConnectionOptions {
  endpoint?: string | undefined;
  local?: boolean | undefined;
  stage: string;
  region?: string | undefined;
  profile?: string | undefined;
}

/** How to reach AWS itself (S3 for prepare-bucket). */
export interface AwsAccess {
  region: string;
  credentials: AwsCredentialIdentityProvider | AwsCredentialIdentity;
  /** The emulator's endpoint for the local stack; absent for AWS. */
  endpoint?: string;
  local: boolean;
}

export interface Connection {
  local: boolean;
  region(): Promise<string>;
  api(): Promise<ApiTarget>;
  aws(): Promise<AwsAccess>;
}

/** The stack serverless.yml deploys: `<service>-<stage>`. */
export const stackNameOf = (stage: string): string => `elasticache-snapshot-export-${stage}`;

/** The Region in an API Gateway URL (`https://<id>.execute-api.<region>.amazonaws.com/<stage>`), if it is one. */
export const regionOfApiUrl = (url: string): string | undefined =>
  /^https:\/\/[^/]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?(\/|$)/.exec(url)?.[1];

const checkedUrl = (raw: string, what: string): string => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`${what} is not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${what} must be http(s): ${raw}`);
  return raw.replace(/\/+$/, '');
};

const envValue = (env: Readonly<Record<string, string | undefined>>, name: string): string | undefined =>
  env[name]?.trim() || undefined;

/** The connection the options and environment describe; nothing is looked up until a command asks. */
export const connectionFor = (
  options: ConnectionOptions,
  env: Readonly<Record<string, string | undefined>>,
): Connection => {
  const localEndpoint = envValue(env, 'ELASTICACHE_EXPORT_ENDPOINT');
  const local = options.local === true || (options.endpoint === undefined && localEndpoint !== undefined);
  return local ? localConnection(options, env, localEndpoint) : deployedConnection(options, env);
};

const localConnection = (
  options: ConnectionOptions,
  env: Readonly<Record<string, string | undefined>>,
  localEndpoint: string | undefined,
): Connection => {
  // The local stack's own settings (LOCAL_API_PORT, LOCAL_AWS_PORT, AWS_REGION, LOCAL_ACCOUNT_ID), read as it reads them.
  let config: ReturnType<typeof readLocalConfig>;
  try {
    config = readLocalConfig(env);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const region = options.region ?? config.region;
  return {
    local: true,
    region: async () => region,
    api: async () => ({
      baseUrl: checkedUrl(
        options.endpoint ?? localEndpoint ?? `http://${DEFAULT_HOST}:${config.apiPort}`,
        options.endpoint ? '--endpoint' : localEndpoint ? 'ELASTICACHE_EXPORT_ENDPOINT' : 'the local API',
      ),
      origin: options.endpoint ? '--endpoint' : localEndpoint ? 'ELASTICACHE_EXPORT_ENDPOINT' : 'the local stack',
    }),
    aws: async () => ({
      region,
      credentials: credentialsOf(config),
      endpoint: checkedUrl(
        envValue(env, 'ELASTICACHE_EXPORT_AWS_ENDPOINT') ?? `http://${DEFAULT_HOST}:${config.awsPort}`,
        'ELASTICACHE_EXPORT_AWS_ENDPOINT',
      ),
      local: true,
    }),
  };
};

const deployedConnection = (
  options: ConnectionOptions,
  env: Readonly<Record<string, string | undefined>>,
): Connection => {
  const endpoint = options.endpoint === undefined ? undefined : checkedUrl(options.endpoint, '--endpoint');
  // One provider for the whole run: the chain resolves (and SSO refreshes) once, and every request reuses it.
  const credentials = fromNodeProviderChain(options.profile ? { profile: options.profile } : {});
  let resolvedRegion: Promise<string> | undefined;
  const region = (): Promise<string> => {
    resolvedRegion ??= (async () => {
      const known =
        options.region ??
        (endpoint && regionOfApiUrl(endpoint)) ??
        envValue(env, 'AWS_REGION') ??
        envValue(env, 'AWS_DEFAULT_REGION');
      if (known) return known;
      // The profile's `region` setting, as the SDK reads it.
      const probe = new CloudFormationClient(options.profile ? { profile: options.profile } : {});
      try {
        return await probe.config.region();
      } catch {
        throw new UsageError('No Region: give --region (or set AWS_REGION, or a region in the profile).');
      } finally {
        probe.destroy();
      }
    })();
    return resolvedRegion;
  };
  return {
    local: false,
    region,
    api: async () => {
      const signing = { region: await region(), credentials };
      if (endpoint) return { baseUrl: endpoint, signing, origin: '--endpoint' };
      return {
        baseUrl: await discoverEndpoint(options, signing),
        signing,
        origin: `stack ${stackNameOf(options.stage)}`,
      };
    },
    aws: async () => ({ region: await region(), credentials, local: false }),
  };
};

/** The stack's ServiceEndpoint output (the REST API's URL with its stage), which the framework writes on deploy. */
const discoverEndpoint = async (
  options: ConnectionOptions,
  { region, credentials }: { region: string; credentials: AwsCredentialIdentityProvider },
): Promise<string> => {
  const stackName = stackNameOf(options.stage);
  // Created for this one call (a CLI run makes it at most once), so it is not a module-scope client.
  const cloudFormation = new CloudFormationClient({ region, credentials });
  try {
    const { Stacks = [] } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    const output = Stacks[0]?.Outputs?.find((candidate) => candidate.OutputKey === 'ServiceEndpoint');
    if (!output?.OutputValue) {
      throw new CliError(
        `Stack ${stackName} in ${region} has no ServiceEndpoint output; give the API's URL with --endpoint.`,
      );
    }
    return checkedUrl(output.OutputValue, `Stack ${stackName}'s ServiceEndpoint`);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new CliError(
      `Could not find the export API from stack ${stackName} in ${region}: ${message}`,
      undefined,
      [
        `Deploy it with \`npx serverless deploy --stage ${options.stage} --region ${region}\`, choose the stage with --stage and the Region with --region, or give the API's URL with --endpoint.`,
      ],
      { cause: error },
    );
  } finally {
    cloudFormation.destroy();
  }
};
