/**
 * `auth.aws`: the credentials Bedrock calls are signed with when the backend says so — static keys
 * from a Secret, or a role assumed through STS (with the default credential chain as the source,
 * and the session name and tags given). Assumed-role sessions are cached and renewed before they
 * expire like every minted credential (RefreshingToken); the STS client (assume-role.ts) is imported
 * only when a config assumes a role.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { AwsCredential } from '../../core/credential-spec.js';
import { credentialError } from './credential-error.js';
import { type Minted, RefreshingToken } from './refreshing-token.js';

/**
 * Credentials for `spec`, or undefined when it names none (only `region` / `serviceName`): then the
 * default chain signs. `chain` is that default chain, the source credentials of an assumed role.
 */
export function awsCredentials(
  spec: AwsCredential,
  region: string,
  chain: () => AwsCredentialIdentityProvider,
  now?: () => number,
): RefreshingToken<AwsCredentialIdentity> | undefined {
  const keys = spec.keys;
  if (keys) {
    const identity: AwsCredentialIdentity = {
      accessKeyId: keys.accessKeyId,
      secretAccessKey: keys.secretAccessKey.reveal(),
      ...(keys.sessionToken && { sessionToken: keys.sessionToken.reveal() }),
    };
    return new RefreshingToken(async () => ({ value: identity, expiresAt: Infinity }), now);
  }
  const role = spec.assumeRole;
  if (!role) return undefined;
  let provider: Promise<() => Promise<AwsCredentialIdentity>> | undefined;
  const mint = async (): Promise<Minted<AwsCredentialIdentity>> => {
    try {
      provider ??= import('./assume-role.js').then(({ assumeRole }) => assumeRole(role, () => chain()(), spec.region ?? region));
      const credentials = await (await provider)();
      return { value: credentials, expiresAt: credentials.expiration?.getTime() ?? Infinity };
    } catch (error) {
      throw credentialError(`aws assumeRole ${role.roleArn}`, error, []);
    }
  };
  return new RefreshingToken(mint, now);
}
