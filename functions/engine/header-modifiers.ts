/**
 * `traffic.headerModifiers`, applied as Gateway API's HTTPHeaderFilter and agentgateway's
 * HeaderModifier do: `add` appends to a header's value (comma-joined, as the CRD's example shows),
 * then `set` replaces, then `remove` deletes; names are case-insensitive.
 *
 * Request modifiers change the headers of each upstream call (modelgate builds the call itself; the
 * client's headers are not forwarded), but never the provider's credential: a header whose value
 * carries the provider's key (OpenAI's `authorization`, Anthropic's `x-api-key`, Azure's `api-key`,
 * Gemini's `x-goog-api-key`) is left as the adapter built it, and a call signed afterwards (Bedrock's
 * SigV4) is signed over the modified headers with the signer's own `authorization`. That is
 * agentgateway's order too: route header modifiers run before the backend's auth policy sets the
 * credential, so the credential wins. A provider without a key of its own (a custom one, for
 * example) can be given its `authorization` this way.
 */
import type { HeaderChanges } from '../model/compile-traffic-http.js';
import type { UpstreamRequest } from '../providers/types.js';

/** `headers` with `changes` applied (a new object); names in `keep` (lower-case) are never touched. */
export function withHeaderChanges(headers: Readonly<Record<string, string>>, changes: HeaderChanges, keep?: ReadonlySet<string>): Record<string, string> {
  const out: Record<string, string> = {};
  // Lower-case keys: one entry per header, however the builder spelled it.
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    out[lower] = out[lower] === undefined ? value : `${out[lower]},${value}`;
  }
  const free = (name: string) => !keep?.has(name);
  for (const [name, value] of changes.add) if (free(name)) out[name] = out[name] === undefined ? value : `${out[name]},${value}`;
  for (const [name, value] of changes.set) if (free(name)) out[name] = value;
  for (const name of changes.remove) if (free(name)) delete out[name];
  return out;
}

/** The upstream call with the rule's request header changes; the provider's credential header(s) stay as built. */
export function upstreamWithHeaderChanges(call: UpstreamRequest, changes: HeaderChanges, providerKey: string | undefined): UpstreamRequest {
  return { ...call, headers: withHeaderChanges(call.headers, changes, credentialHeaders(call.headers, providerKey)) };
}

/** The names of the headers that carry the provider's key (lower-case). */
function credentialHeaders(headers: Readonly<Record<string, string>>, key: string | undefined): ReadonlySet<string> {
  const names = new Set<string>();
  if (!key) return names;
  for (const [name, value] of Object.entries(headers)) if (value.includes(key)) names.add(name.toLowerCase());
  return names;
}
