/**
 * `traffic.cors`, as agentgateway's http/cors.rs applies it (Envoy's semantics, non-matching
 * preflights not forwarded):
 * - no `Origin`: nothing to do;
 * - an origin not allowed: a preflight (OPTIONS with `Access-Control-Request-Method`) is answered
 *   200 with no CORS header, so the browser refuses it; any other request passes untouched;
 * - an allowed origin on OPTIONS: the gateway answers the preflight itself (before authentication,
 *   since browsers send no credentials on one, and before any upstream);
 * - an allowed origin on any other request: `Access-Control-Allow-Origin` (the origin, echoed),
 *   `-Allow-Credentials` and `-Expose-Headers` go on its answer, whatever it is (a 401, a stream).
 * modelgate also adds `Vary: Origin` to an answer whose CORS headers depended on the Origin, so a
 * shared cache cannot hand one origin's answer to another (agentgateway adds no Vary).
 */
import { parseOrigin, type CompiledCors, type OriginPattern } from '../model/compile-traffic-http.js';
import type { GatewayRequest, GatewayResponse } from './types.js';

/** A CORS preflight: OPTIONS, with an Origin and a non-empty Access-Control-Request-Method. */
export function isPreflight(req: GatewayRequest): boolean {
  return req.method === 'OPTIONS' && req.headers.origin !== undefined && (req.headers['access-control-request-method'] ?? '') !== '';
}

/** The gateway's answer to a preflight (allowed or not), or undefined when the request is not one the CORS policy answers. */
export function corsPreflightAnswer(cors: CompiledCors, req: GatewayRequest): GatewayResponse | undefined {
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  if (!originAllowed(cors, origin)) return isPreflight(req) ? { status: 200, headers: { vary: 'Origin' }, body: '' } : undefined;
  if (req.method !== 'OPTIONS') return undefined;
  const headers: Record<string, string> = { 'access-control-allow-origin': origin, vary: 'Origin' };
  const methods = allowed(cors.methods, normalToken(req.headers['access-control-request-method']), cors.credentials);
  if (methods !== undefined) headers['access-control-allow-methods'] = methods;
  const allowHeaders = allowed(cors.headers, normalList(req.headers['access-control-request-headers']), cors.credentials);
  if (allowHeaders !== undefined) headers['access-control-allow-headers'] = allowHeaders;
  headers['access-control-max-age'] = cors.maxAge;
  if (cors.credentials) headers['access-control-allow-credentials'] = 'true';
  if (cors.expose !== undefined) headers['access-control-expose-headers'] = cors.expose;
  return { status: 200, headers, body: '' };
}

/** The CORS headers for the answer to an actual (not preflight) request; undefined without an Origin. */
export function corsAnswerHeaders(cors: CompiledCors, req: GatewayRequest): Record<string, string> | undefined {
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  // Whether the answer carries CORS headers depends on the Origin, allowed or not.
  if (!originAllowed(cors, origin)) return { vary: 'Origin' };
  const headers: Record<string, string> = { 'access-control-allow-origin': origin, vary: 'Origin' };
  if (cors.credentials) headers['access-control-allow-credentials'] = 'true';
  if (cors.expose !== undefined) headers['access-control-expose-headers'] = cors.expose;
  return headers;
}

/**
 * A wildcard (`*`) echoes what the browser asked for, or is `*` when it asked nothing, unless
 * credentials are allowed (browsers do not honour `*` then); a list is sent as it is.
 */
function allowed(configured: string | undefined, requested: string | undefined, credentials: boolean): string | undefined {
  if (configured !== '*') return configured;
  return requested ?? (credentials ? undefined : '*');
}

function normalToken(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}

function normalList(value: string | undefined): string | undefined {
  const v = value
    ?.split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .join(', ');
  return v ? v : undefined;
}

const MAX_HOST_CHARS = 253;

export function originAllowed(cors: CompiledCors, origin: string): boolean {
  if (cors.origins === 'any') return true;
  const parsed = parseOrigin(origin, false);
  // A DNS name has at most 253 characters: a longer host matches nothing, and the glob below stays within 253 × 253 steps.
  return parsed !== undefined && parsed.host.length <= MAX_HOST_CHARS && cors.origins.some((p) => matches(p, parsed));
}

function matches(pattern: OriginPattern, origin: OriginPattern): boolean {
  return pattern.scheme === origin.scheme && pattern.port === origin.port && hostMatches(pattern.host, origin.host);
}

/** `*` in an allowed host matches any run of characters (dots included), as cors.rs's wildcard_match does. */
function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*')) return pattern === host;
  // The backtrack-to-the-last-star walk: at most pattern × host steps (both at most 253 characters).
  let p = 0;
  let h = 0;
  let star = -1;
  let mark = 0;
  while (h < host.length) {
    if (p < pattern.length && (pattern[p] === host[h] || pattern[p] === '*')) {
      if (pattern[p] === '*') {
        star = p++;
        mark = h;
      } else {
        p++;
        h++;
      }
    } else if (star >= 0) {
      p = star + 1;
      h = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
