/**
 * SigV4 for Bedrock calls, with the AWS SDK's own signer and default credential chain: on Lambda
 * the function role's credentials (from the environment), on a laptop the profile / SSO / env,
 * on EC2 or ECS the instance or task role. No key in the config: `auth.key` is not used.
 *
 * The signer signs the call as built (method, host, path, body), so the signature covers the
 * exact bytes sent; Node's HTTP client then sends the same `host` header it was signed with.
 */
import { createHash, createHmac, type Hash as NodeHash, type Hmac } from 'node:crypto';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Checksum, SourceData } from '@smithy/types';
import type { UpstreamRequest } from '../types.js';
import type { AwsCredential } from '../../core/credential-spec.js';
import type { ProviderTarget } from '../../core/provider-target.js';
import { awsIdentity } from '../credentials/sources.js';

const BEDROCK_SIGNING_SERVICE = 'bedrock';

/** SHA-256 (and HMAC-SHA-256 with a secret) on Node's crypto, in the shape the signer takes. */
class Sha256 implements Checksum {
  private hash: NodeHash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = Sha256.create(secret);
  }
  private static create(secret?: SourceData): NodeHash | Hmac {
    return secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = Sha256.create(this.secret);
  }
}

function toBuffer(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

let credentials: AwsCredentialIdentityProvider | undefined;

/**
 * The SDK's default chain, created on first use (never at cold start) and memoized by the SDK:
 * it refreshes expiring credentials (a role's) before they expire.
 */
function credentialProvider(): AwsCredentialIdentityProvider {
  credentials ??= defaultProvider();
  return credentials;
}

/**
 * Credentials from somewhere else (undefined starts a fresh default chain). Only tests call it: the
 * default chain keeps what it found for the life of the process, so tests that set credentials in
 * the environment, or stage a chain that fails, need a new one.
 */
export function setAwsCredentialProvider(provider: AwsCredentialIdentityProvider | (() => Promise<AwsCredentialIdentity>) | undefined): void {
  credentials = provider;
}

const signers = new Map<string, SignatureV4>();

function signerFor(region: string): SignatureV4 {
  let signer = signers.get(region);
  if (!signer) {
    signer = new SignatureV4({ service: BEDROCK_SIGNING_SERVICE, region, sha256: Sha256, credentials: () => credentialProvider()() });
    signers.set(region, signer);
  }
  return signer;
}

/**
 * The signer for a backend's `auth.aws`: its own credentials (a Secret's keys, an assumed role,
 * cached in providers/credentials/) or the default chain, for its signing region and service.
 */
function signerWith(aws: AwsCredential, region: string): SignatureV4 {
  const identity = awsIdentity(aws, region, credentialProvider);
  const signingRegion = aws.region ?? region;
  return new SignatureV4({ service: aws.serviceName ?? BEDROCK_SIGNING_SERVICE, region: signingRegion, sha256: Sha256, credentials: identity ?? (() => credentialProvider()()) });
}

/** The provider's `auth.aws`, when it has one. */
export function awsAuthOf(target: ProviderTarget): AwsCredential | undefined {
  return target.credential?.kind === 'aws' ? target.credential : undefined;
}

/**
 * The call, with `host`, `x-amz-date`, `x-amz-content-sha256`, `x-amz-security-token` (when the credentials have one) and `authorization` added.
 * `aws`: the backend's `auth.aws` (credentials, signing region and service); absent, the default chain signs for `bedrock` in `region`.
 */
export async function signBedrockCall(call: UpstreamRequest, region: string, now?: Date, aws?: AwsCredential): Promise<UpstreamRequest> {
  const signer = aws ? signerWith(aws, region) : signerFor(region);
  const url = new URL(call.url);
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) query[name] = value;
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port !== '' && { port: Number(url.port) }),
      path: url.pathname,
      query,
      headers: { ...call.headers, host: url.host },
      body: call.body,
    },
    now ? { signingDate: now } : {},
  );
  return { ...call, headers: signed.headers as Record<string, string> };
}
