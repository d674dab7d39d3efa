/**
 * `traffic.jwtAuthentication`, as agentgateway's http/jwt.rs does it: the token is read where the
 * `location` says (`Authorization: Bearer` by default); its header must name a `kid`; the key is
 * looked up across the providers, and the token verified against that provider — signature (RSA,
 * EC or Ed25519 keys; `alg: none` and HMAC never verify), `iss` equal to the issuer, `aud` naming
 * one of the audiences when they are set, `exp` present and not past, `nbf` not in the future (60 s
 * of leeway, jsonwebtoken's default). Strict: a valid token is required. Optional: a token, when
 * sent, must be valid. Permissive: an invalid token is ignored. A verified token is taken out of the
 * request, and its claims are what CEL calls `jwt`.
 */
import type { JWTPayload } from 'jose';
import { jose } from './jose-lazy.js';
import type { JwtAuthConfig, JwtProviderConfig } from '../model/traffic-auth-config.js';
import { readCredential, withoutCredential, type DefaultPlace } from './credential.js';
import { providerKeys, type KeyContext } from './jwks.js';
import type { GatewayRequest } from './types.js';

const BEARER: DefaultPlace = { header: 'authorization', prefix: 'Bearer ' };
/** jsonwebtoken's default leeway, which agentgateway keeps. */
const LEEWAY_S = 60;
/** Signature algorithms a public key can verify; `none` and HMAC are never among them. */
const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** Why a token was refused: a fixed word, safe to log and to tell the client (never the token). */
export type TokenProblem = 'malformed' | 'missing_kid' | 'unknown_kid' | 'expired' | 'not_yet_valid' | 'issuer' | 'audience' | 'missing_claim' | 'signature' | 'algorithm';

export type JwtResult =
  /** No token, and the mode lets the request through unauthenticated (or an invalid one, Permissive). */
  | { kind: 'anonymous' }
  | { kind: 'missing' }
  | { kind: 'invalid'; problem: TokenProblem }
  /** A remote JWKS that could not be fetched: the gateway's problem, not the client's. */
  | { kind: 'unavailable' }
  /** `token`: the verified token itself, for a provider with `auth.passthrough` (never logged). */
  | { kind: 'verified'; claims: JWTPayload; req: GatewayRequest; token: string };

export async function authenticateJwt(auth: JwtAuthConfig, req: GatewayRequest, ctx: KeyContext): Promise<JwtResult> {
  const token = readCredential(auth.location, BEARER, req);
  if (token === undefined) return auth.mode === 'Strict' ? { kind: 'missing' } : { kind: 'anonymous' };
  const result = await verify(auth.providers, token, ctx);
  if ('claims' in result) return { kind: 'verified', claims: result.claims, req: withoutCredential(auth.location, BEARER, req), token };
  if (auth.mode === 'Permissive' && result.kind === 'invalid') return { kind: 'anonymous' };
  return result;
}

async function verify(
  providers: readonly JwtProviderConfig[],
  token: string,
  ctx: KeyContext,
): Promise<{ claims: JWTPayload } | Extract<JwtResult, { kind: 'invalid' | 'unavailable' }>> {
  const { decodeProtectedHeader, jwtVerify, errors } = await jose();
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    return { kind: 'invalid', problem: 'malformed' };
  }
  if (!kid) return { kind: 'invalid', problem: 'missing_kid' };
  let unavailable = false;
  for (const provider of providers) {
    const keys = await providerKeys(provider, kid, ctx);
    if (!keys) unavailable = true;
    if (!keys?.kids.has(kid)) continue;
    try {
      const { payload } = await jwtVerify(token, keys.getKey, {
        issuer: provider.issuer,
        ...(provider.audiences && { audience: [...provider.audiences] }),
        algorithms: ALGORITHMS,
        requiredClaims: ['exp'],
        clockTolerance: LEEWAY_S,
        currentDate: new Date(ctx.now()),
      });
      return { claims: payload };
    } catch (error) {
      return { kind: 'invalid', problem: problemOf(error, errors) };
    }
  }
  return unavailable ? { kind: 'unavailable' } : { kind: 'invalid', problem: 'unknown_kid' };
}

function problemOf(error: unknown, errors: Awaited<ReturnType<typeof jose>>['errors']): TokenProblem {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'not_yet_valid';
    if (error.claim === 'iss') return 'issuer';
    if (error.claim === 'aud') return 'audience';
    return error.reason === 'missing' ? 'missing_claim' : 'malformed';
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'signature';
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported || error instanceof errors.JWKSNoMatchingKey) return 'algorithm';
  return 'malformed';
}

/** What the client is told for each problem. */
export const TOKEN_PROBLEM_TEXT: Record<TokenProblem, string> = {
  malformed: 'the token is malformed',
  missing_kid: 'the token header names no key (kid)',
  unknown_kid: 'the token is signed with a key this gateway does not know',
  expired: 'the token has expired',
  not_yet_valid: 'the token is not valid yet (nbf)',
  issuer: 'the token is from another issuer',
  audience: 'the token is for another audience',
  missing_claim: 'the token lacks a required claim (exp)',
  signature: 'the token signature does not verify',
  algorithm: 'the token uses a signature algorithm the key does not allow',
};
