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

type AuthResult = 'ok' | 'missing' | 'invalid';

export function checkClientKey(auth: ClientKeyAuth, req: GatewayRequest): AuthResult {
  const presented = presentedKey(auth, req);
  if (presented === undefined) return auth.mode === 'Strict' ? 'missing' : 'ok';
  const digest = sha256(presented);
  let match = false;
  for (const known of auth.keyDigests) match = timingSafeEqual(digest, known) || match;
  if (match || auth.mode === 'Permissive') return 'ok';
  return 'invalid';
}

/** The key a client presented where `auth` reads it (the default places when there is no auth). */
export function presentedKey(auth: ClientKeyAuth | undefined, req: GatewayRequest): string | undefined {
  const loc = auth?.location;
  if (loc?.header) {
    const value = req.headers[loc.header.name.toLowerCase()];
    const prefix = loc.header.prefix ?? (loc.header.name.toLowerCase() === 'authorization' ? 'Bearer ' : '');
    if (value === undefined || !value.toLowerCase().startsWith(prefix.toLowerCase())) return undefined;
    return nonEmpty(value.slice(prefix.length).trim());
  }
  if (loc?.queryParameter) return nonEmpty(new URLSearchParams(req.query).get(loc.queryParameter.name) ?? undefined);
  if (loc?.cookie) {
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === loc.cookie.name) return nonEmpty(decodeCookie(part.slice(eq + 1).trim()));
    }
    return undefined;
  }
  // No location: what OpenAI clients send (`Authorization: Bearer`) and what Anthropic clients send (`x-api-key`).
  const bearer = req.headers.authorization;
  if (bearer && /^bearer\s+/i.test(bearer)) return nonEmpty(bearer.replace(/^bearer\s+/i, '').trim());
  return nonEmpty(req.headers['x-api-key']?.trim());
}

const nonEmpty = (v: string | undefined) => (v ? v : undefined);

/** A cookie value as sent, percent-decoded when it decodes (`%E0%A4%A` does not: then it is taken as is, and simply fails to match). */
function decodeCookie(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
