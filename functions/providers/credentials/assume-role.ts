/**
 * STS AssumeRole, behind one module that aws.ts imports only when a config assumes a role. It
 * uses the SDK's STS client (from @aws-sdk/nested-clients, the client @aws-sdk/credential-providers'
 * own `fromTemporaryCredentials` wraps) with named imports: that package is marked free of side
 * effects, so the bundler keeps AssumeRole alone, and the Lambda bundle holds none of the default
 * chain's other sources (SSO, ini files, web identity; test/unit/lambda-credentials.test.ts), which
 * importing @aws-sdk/credential-providers' index would pull in. The SDK honours
 * `AWS_ENDPOINT_URL_STS` (a VPC endpoint, a test's loopback STS).
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/nested-clients/sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export interface AssumeRoleParams {
  roleArn: string;
  sessionName?: string | undefined;
  tags?: ReadonlyArray<{ key: string; value: string }> | undefined;
}

/** A function that assumes the role once per call (the caller caches), signing STS calls with `source`. */
export function assumeRole(role: AssumeRoleParams, source: AwsCredentialIdentityProvider, region: string): () => Promise<AwsCredentialIdentity> {
  // Two tries at most: an STS that is down fails this provider's attempt (failover) rather than holding the request.
  const client = new STSClient({ region, credentials: source, maxAttempts: 2 });
  return async () => {
    const { Credentials: c } = await client.send(
      new AssumeRoleCommand({
        RoleArn: role.roleArn,
        // STS needs a name; agentgateway leaves it to the SDK, which names sessions like this.
        RoleSessionName: role.sessionName ?? `modelgate-${Date.now()}`,
        ...(role.tags && role.tags.length > 0 && { Tags: role.tags.map((t) => ({ Key: t.key, Value: t.value })) }),
      }),
    );
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error(`STS returned no credentials for ${role.roleArn}`);
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken && { sessionToken: c.SessionToken }),
      ...(c.Expiration && { expiration: c.Expiration }),
    };
  };
}
