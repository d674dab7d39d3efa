/**
 * The AWS default credential chain as the Lambda bundle has it: scripts/build.mjs aliases
 * `@aws-sdk/credential-provider-node` to this module for dist/handler.mjs only. Inside Lambda the
 * runtime puts the function role's credentials in the environment, so the chain's other sources
 * (SSO, ini files, credential processes, web identity, container and instance metadata) never
 * answer there; leaving them out keeps about 95 KiB (the SSO/STS clients with them) out of the
 * bundle and out of every cold start. `modelgate serve` keeps the whole chain.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/** The same name and shape as the chain it stands in for: the SDK clients import it by that name. */
export function defaultProvider(init: Parameters<typeof fromEnv>[0] = {}): AwsCredentialIdentityProvider {
  return fromEnv(init);
}
