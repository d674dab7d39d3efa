/**
 * Who the client is, once authentication has said so: the JWT's `sub` (with its claims), the
 * basic-authentication user, or which API key it presented. Kept beside the request (not in it),
 * so a step later in the request — a per-client rate limit — can key on it with
 * `clientIdentityOf(req)`, and nothing a client sends can set it.
 */
import type { GatewayRequest } from './types.js';

export interface ClientIdentity {
  /** What authenticated the client. */
  source: 'jwt' | 'basic' | 'apiKey';
  /**
   * A stable, non-secret name for the client: the JWT `sub` (else `iss`), the basic user name, or
   * `sha256:<first 16 hex digits>` of the API key's digest (never the key).
   */
  id: string;
  /** The verified JWT's claims (for a limit keyed by another claim); absent for other sources. */
  claims?: Readonly<Record<string, unknown>>;
  /**
   * The verified JWT itself: what a provider with `auth.passthrough` receives ("reuses a client token
   * already validated by another policy"), though the JWT policy took it out of the request. Never logged.
   */
  token?: string;
}

const identities = new WeakMap<GatewayRequest, ClientIdentity>();

/** The identity authentication recorded for this request, if any. */
export function clientIdentityOf(req: GatewayRequest): ClientIdentity | undefined {
  return identities.get(req);
}

/** Records who `req` comes from (authentication steps only). */
export function setClientIdentity(req: GatewayRequest, identity: ClientIdentity): void {
  identities.set(req, identity);
}
