/**
 * Who may call, as the engine reads it (compile-traffic-auth.ts builds it; engine/traffic-auth.ts
 * applies it): `jwtAuthentication`, `basicAuthentication` and the `authorization` rule sets of the
 * traffic policies that cover a route rule. Secrets (password hashes) sit in private fields, so a
 * dump of the config cannot show them.
 */
import type { JWK } from 'jose';
import type { AuthorizationExpression } from './compile-traffic-auth.js';
import type { CredentialLocation } from './credential-location.js';

export interface JwtProviderConfig {
  /** The `iss` a token must carry. */
  issuer: string;
  /** Non-empty: the token's `aud` must name one of them. Absent: any audience. */
  audiences?: readonly string[];
  /** Keys given inline (checked at load), or a URL fetched and cached (engine/jwks.ts). */
  jwks: { keys: readonly JWK[] } | { url: string; cacheDurationMs: number };
}

export interface JwtAuthConfig {
  /** Strict: a valid token is required. Optional: a token, when sent, must be valid. Permissive: an invalid token is ignored. */
  mode: 'Strict' | 'Optional' | 'Permissive';
  /** Absent: `Authorization: Bearer <token>`. */
  location?: CredentialLocation;
  providers: readonly JwtProviderConfig[];
}

/** One htpasswd entry's hash, by scheme (the only ones accepted at load). */
export type HtpasswdHash = { scheme: 'apr1'; hash: string } | { scheme: 'bcrypt'; hash: string } | { scheme: 'sha1'; digest: Buffer };

/** htpasswd users by name; the hashes are kept out of sight of any dump. */
export class HtpasswdUsers {
  readonly #users: ReadonlyMap<string, HtpasswdHash>;

  constructor(users: ReadonlyMap<string, HtpasswdHash>) {
    this.#users = users;
  }

  get size(): number {
    return this.#users.size;
  }

  hashOf(user: string): HtpasswdHash | undefined {
    return this.#users.get(user);
  }
}

export interface BasicAuthConfig {
  mode: 'Strict' | 'Optional';
  /** `WWW-Authenticate: Basic realm="<realm>"`; `Restricted` unless set. */
  realm: string;
  /** Absent: `Authorization: Basic <base64>`. */
  location?: CredentialLocation;
  users: HtpasswdUsers;
}

/** One policy's `authorization`: its action, and its expressions (each one a rule of that action). */
export interface AuthorizationRuleSet {
  action: 'Allow' | 'Deny' | 'Require';
  expressions: readonly AuthorizationExpression[];
}

export interface TrafficAuth {
  jwt?: JwtAuthConfig;
  basic?: BasicAuthConfig;
  /** Every covering policy's rules, merged (agentgateway: "all rules are merged"). */
  authorization?: readonly AuthorizationRuleSet[];
}
