/**
 * Reading a client credential where a `location` says (a header with its prefix, a query
 * parameter, a cookie, or a CEL expression over the request), and taking it out of the request
 * once it has been verified — as agentgateway removes it — so no later step (a transformation, a
 * guard webhook's forwarded headers) ever sees it. Upstream headers are built from scratch anyway.
 */
import type { CredentialLocation } from '../model/credential-location.js';
import { CREDENTIAL_CHARS } from '../model/credential-location.js';
import type { GatewayRequest } from './types.js';

/** Where a credential is read when no `location` is set: `Authorization: <prefix><credential>`. */
export interface DefaultPlace {
  header: string;
  prefix: string;
}

export function readCredential(location: CredentialLocation | undefined, place: DefaultPlace, req: GatewayRequest): string | undefined {
  if (location?.expression) return location.expression.extract({ method: req.method, path: req.path, host: req.headers.host ?? '', headers: req.headers });
  if (location?.queryParameter) return bounded(new URLSearchParams(req.query).get(location.queryParameter.name) ?? undefined);
  if (location?.cookie) return bounded(cookieValue(req.headers.cookie, location.cookie.name));
  const name = (location?.header?.name ?? place.header).toLowerCase();
  const prefix = location?.header ? (location.header.prefix ?? (name === 'authorization' ? place.prefix : '')) : place.prefix;
  const value = req.headers[name];
  // The prefix's case does not matter (`bearer`, `BASIC`), as agentgateway strips it.
  if (value === undefined || !value.toLowerCase().startsWith(prefix.toLowerCase())) return undefined;
  return bounded(value.slice(prefix.length).trim());
}

/** `req` without the credential `location` reads (an expression names no one place: nothing is removed then). */
export function withoutCredential(location: CredentialLocation | undefined, place: DefaultPlace, req: GatewayRequest): GatewayRequest {
  if (location?.expression) return req;
  if (location?.queryParameter) {
    const query = new URLSearchParams(req.query);
    query.delete(location.queryParameter.name);
    return { ...req, query: query.toString() };
  }
  if (location?.cookie) {
    const name = location.cookie.name;
    const kept = (req.headers.cookie ?? '').split(';').filter((part) => part.trim() !== '' && part.slice(0, part.indexOf('=')).trim() !== name);
    const { cookie: _, ...headers } = req.headers;
    return { ...req, headers: kept.length > 0 ? { ...headers, cookie: kept.join(';').trim() } : headers };
  }
  const name = (location?.header?.name ?? place.header).toLowerCase();
  const { [name]: _, ...headers } = req.headers;
  return { ...req, headers };
}

/** A cookie's value as sent, percent-decoded when it decodes. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeCookie(part.slice(eq + 1).trim());
  }
  return undefined;
}

function decodeCookie(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Empty is no credential; one longer than any real credential is not read at all. */
const bounded = (v: string | undefined) => (v && v.length <= CREDENTIAL_CHARS ? v : undefined);
