/**
 * One refreshing credential per distinct `auth` block, shared by every provider and every config
 * that has the same one: a config reload (or two providers with the same service account) keeps
 * the cached token instead of minting another. Keyed by a digest of the block, secrets included,
 * so a rotated Secret mints afresh.
 */
import { createHash } from 'node:crypto';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { type AwsCredential, type AzureCredential, type GcpCredential, SecretText } from '../../core/credential-spec.js';
import { awsCredentials } from './aws.js';
import { azureToken } from './azure.js';
import { googleToken } from './google.js';
import type { RefreshingToken } from './refreshing-token.js';

/** Distinct credentials kept; a config has few, this only bounds a long run of reloads with rotating secrets. */
const MAX_SOURCES = 256;
const sources = new Map<string, RefreshingToken<unknown> | undefined>();
let clock: () => number = Date.now;

/** Tests: the clock tokens' expiry is compared with (epoch ms), and no cached credentials. */
export function resetCredentialSources(now: () => number = Date.now): void {
  sources.clear();
  clock = now;
}

function fingerprint(spec: object, extra: string): string {
  return createHash('sha256')
    .update(JSON.stringify(withSecretDigests(spec)))
    .update('\0')
    .update(extra)
    .digest('hex');
}

/** The block with each secret replaced by its digest (JSON.stringify would call SecretText's toJSON first and see only `[redacted]`). */
function withSecretDigests(value: unknown): unknown {
  if (value instanceof SecretText) return `secret:${createHash('sha256').update(value.reveal()).digest('hex')}`;
  if (Array.isArray(value)) return value.map(withSecretDigests);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withSecretDigests(v)]));
  return value;
}

function cached<T>(key: string, make: () => RefreshingToken<T> | undefined): RefreshingToken<T> | undefined {
  if (sources.has(key)) return sources.get(key) as RefreshingToken<T> | undefined;
  const source = make();
  if (sources.size >= MAX_SOURCES) sources.delete(sources.keys().next().value!);
  sources.set(key, source as RefreshingToken<unknown> | undefined);
  return source;
}

/** The bearer token `spec` mints (gcp: for `defaultAudience` when it names none). */
export function bearerToken(spec: GcpCredential | AzureCredential, defaultAudience: string): Promise<string> {
  const key = fingerprint(spec, spec.kind === 'gcp' ? defaultAudience : '');
  const source = cached(key, () => (spec.kind === 'gcp' ? googleToken(spec, defaultAudience, clock) : azureToken(spec, clock)))!;
  return source.get();
}

/** The AWS credentials `spec` names, or undefined for the default chain. */
export function awsIdentity(spec: AwsCredential, region: string, chain: () => AwsCredentialIdentityProvider): (() => Promise<AwsCredentialIdentity>) | undefined {
  const source = cached(fingerprint(spec, region), () => awsCredentials(spec, region, chain, clock));
  return source && (() => source.get());
}
