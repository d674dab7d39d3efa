/**
 * Client API keys (`traffic.apiKeyAuthentication`), checked before anything else a request does:
 * an unauthenticated request never reaches an upstream. The presented key is hashed and compared
 * with every stored digest in constant time (no early exit), so timing says nothing about which
 * keys exist. Client credentials are never forwarded: upstream headers are built from scratch.
 */
import { timingSafeEqual } from 'node:crypto';
import type { ClientKeyAuth } from '../model/config.js';
import { sha256 } from '../model/client-keys.js';
import type { GatewayRequest } from './types.js';
import { setClientIdentity } from './client-identity.js';
import { readCredential } from './credential.js';

type AuthResult = 'ok' | 'missing' | 'invalid';

export function checkClientKey(auth: ClientKeyAuth, req: GatewayRequest): AuthResult {
  const presented = presentedKey(auth, req);
  if (presented === undefined) return auth.mode === 'Strict' ? 'missing' : 'ok';
  const digest = sha256(presented);
  let match = false;
  for (const known of auth.keyDigests) match = timingSafeEqual(digest, known) || match;
  // Who the client is, for what keys on it (a per-client rate limit): a digest prefix, never the key.
  if (match) setClientIdentity(req, { source: 'apiKey', id: `sha256:${digest.subarray(0, 8).toString('hex')}` });
  if (match || auth.mode === 'Permissive') return 'ok';
  return 'invalid';
}

/** The key a client presented where `auth` reads it (the default places when there is no auth). */
export function presentedKey(auth: ClientKeyAuth | undefined, req: GatewayRequest): string | undefined {
  if (auth?.location) return readCredential(auth.location, { header: 'authorization', prefix: 'Bearer ' }, req);
  // No location: what OpenAI clients send (`Authorization: Bearer`) and what Anthropic clients send (`x-api-key`).
  const bearer = req.headers.authorization;
  if (bearer && /^bearer\s+/i.test(bearer)) return nonEmpty(bearer.replace(/^bearer\s+/i, '').trim());
  return nonEmpty(req.headers['x-api-key']?.trim());
}

const nonEmpty = (v: string | undefined) => (v ? v : undefined);
