// What the deployed bundles use in place of @aws-sdk/credential-provider-node (serverless.yml custom.esbuild.alias):
// the credentials in the function's environment, the only ones Lambda gives a function (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN: Lambda Developer Guide, "Defined runtime environment variables").
// The SDK's default chain, which this replaces, would look there first too; what it adds (SSO, shared ini files,
// credential processes, web identity tokens, the container and instance metadata endpoints, with their own nested
// STS and SSO clients) never runs in Lambda, and it was 98 to 129 KiB of every bundle and about a quarter of
// getExport's import time (README "Cold start"). Only the bundles get this: jest, the CLI and the local stack's
// in-process handlers keep the SDK's chain.
import { fromEnv } from '@aws-sdk/credential-providers';

/** The export the SDK clients' runtime configuration imports (`defaultProvider as credentialDefaultProvider`). */
export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}): ReturnType<typeof fromEnv> => fromEnv(init);
