/**
 * Puts a provider's credential on one upstream call, for the credentials that are not a fixed key:
 * - `passthrough`: the token the client presented goes where that provider's key goes (the
 *   adapter's own header: `Authorization: Bearer`, `x-api-key`, `api-key`, `x-goog-api-key`), as
 *   if it were the configured key; no token presented, no header (agentgateway: "no effect").
 * - `gcp` / `azure`: a minted bearer token (cached, refreshed before expiry) in `Authorization`.
 * - `aws`: Bedrock's signer (bedrock/sign.ts) reads it from the target.
 */
import type { ProviderTarget } from '../../core/provider-target.js';
import type { ProviderAdapter, UpstreamRequest } from '../types.js';
import { bearerToken } from './sources.js';

/** The target the call is built with: with passthrough, the client's token in place of a key. */
export function targetWithClientToken(target: ProviderTarget, clientToken: string | undefined): ProviderTarget {
  if (target.credential?.kind !== 'passthrough' || clientToken === undefined) return target;
  return { ...target, apiKey: clientToken };
}

/** Whether the call needs I/O before it can be sent: a minted token, or the adapter's own signing. */
export function needsAuthorization(target: ProviderTarget, adapter: Authorizer): boolean {
  return adapter.authorize !== undefined || target.credential?.kind === 'gcp' || target.credential?.kind === 'azure';
}

/** What of an adapter signs calls (Bedrock's SigV4). */
type Authorizer = Pick<ProviderAdapter<never, unknown, unknown>, 'authorize'>;

/** Headers a key may have been put in; a bearer token replaces them all. */
const KEY_HEADERS = ['api-key', 'x-api-key', 'x-goog-api-key'];

/** The call with its minted token, then through the adapter's `authorize` (SigV4), in that order: a signature covers the final headers. */
export async function authorizeCall(call: UpstreamRequest, target: ProviderTarget, adapter: Authorizer): Promise<UpstreamRequest> {
  const credential = target.credential;
  let out = call;
  if (credential?.kind === 'gcp' || credential?.kind === 'azure') {
    const token = await bearerToken(credential, target.baseUrl);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(call.headers)) if (!KEY_HEADERS.includes(name.toLowerCase()) && name.toLowerCase() !== 'authorization') headers[name] = value;
    headers.authorization = `Bearer ${token}`;
    out = { ...call, headers };
  }
  return adapter.authorize ? adapter.authorize(out, target) : out;
}
