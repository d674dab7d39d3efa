/**
 * `traffic.basicAuthentication`, as agentgateway's http/basicauth.rs does it: `user:password`,
 * base64, read where the `location` says (`Authorization: Basic` by default), checked against the
 * htpasswd users. Strict: credentials are required; Optional: when sent, they must be valid. The
 * verified credential is taken out of the request; CEL sees `basicAuth.username`.
 *
 * Bounded work: `$apr1$` and `{SHA}` cost microseconds and are compared in constant time. bcrypt
 * is made to be slow (bcryptjs runs it on the event loop, in slices of up to 100 ms), so:
 * - a verdict is cached for VERDICT_TTL_MS under a keyed hash of the user, the stored hash and the
 *   password (the password itself is never kept), at most MAX_VERDICTS of them;
 * - at most BCRYPT_CONCURRENCY bcrypt checks run at once, and at most BCRYPT_QUEUE wait; past
 *   that the request is answered 503 at once, so a flood of guesses cannot stall the gateway.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import apacheMd5 from 'apache-md5';
import type { BasicAuthConfig, HtpasswdHash } from '../model/traffic-auth-config.js';
import { readCredential, withoutCredential, type DefaultPlace } from './credential.js';
import type { GatewayRequest } from './types.js';

const BASIC: DefaultPlace = { header: 'authorization', prefix: 'Basic ' };
export const VERDICT_TTL_MS = 60_000;
export const MAX_VERDICTS = 10_000;
export const BCRYPT_CONCURRENCY = 1;
export const BCRYPT_QUEUE = 16;

export type BasicResult =
  | { kind: 'anonymous' }
  | { kind: 'missing' }
  | { kind: 'invalid' }
  /** Too many bcrypt checks waiting: try again shortly. */
  | { kind: 'busy' }
  | { kind: 'verified'; username: string; req: GatewayRequest };

export async function authenticateBasic(auth: BasicAuthConfig, req: GatewayRequest, now: () => number): Promise<BasicResult> {
  const encoded = readCredential(auth.location, BASIC, req);
  if (encoded === undefined) return auth.mode === 'Strict' ? { kind: 'missing' } : { kind: 'anonymous' };
  const pair = decodePair(encoded);
  const hash = pair && auth.users.hashOf(pair.user);
  if (!pair || !hash) return { kind: 'invalid' };
  const verdict = await verdicts.check(pair.user, pair.password, hash, now);
  if (verdict === 'busy') return { kind: 'busy' };
  return verdict ? { kind: 'verified', username: pair.user, req: withoutCredential(auth.location, BASIC, req) } : { kind: 'invalid' };
}

/** Strict base64 of `user:password` (the password may hold colons), as agentgateway decodes it. */
function decodePair(encoded: string): { user: string; password: string } | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return undefined;
  const text = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0 ? undefined : { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** Verdicts by keyed hash, and the bcrypt checks running and waiting. */
class Verdicts {
  readonly #key = randomBytes(32);
  readonly #cache = new Map<string, { ok: boolean; until: number }>();
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  async check(user: string, password: string, hash: HtpasswdHash, now: () => number): Promise<boolean | 'busy'> {
    if (hash.scheme === 'sha1') return timingSafeEqual(createHash('sha1').update(password, 'utf8').digest(), hash.digest);
    if (hash.scheme === 'apr1') return sameText(aprMd5(password, hash.hash), hash.hash);
    const id = createHmac('sha256', this.#key).update(`${user}\0${hash.hash}\0${password}`).digest('base64');
    const cached = this.#cache.get(id);
    if (cached && cached.until > now()) return cached.ok;
    if (this.#running >= BCRYPT_CONCURRENCY) {
      if (this.#waiting.length >= BCRYPT_QUEUE) return 'busy';
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    this.#running++;
    try {
      // Loaded on first use: only bcrypt users need it, and the Lambda bundle loads it as a separate chunk.
      const { compare } = await import('bcryptjs');
      const ok = await compare(password, hash.hash);
      this.remember(id, ok, now());
      return ok;
    } finally {
      this.#running--;
      this.#waiting.shift()?.();
    }
  }

  private remember(id: string, ok: boolean, at: number): void {
    this.#cache.delete(id);
    // Oldest first: past the cap, the entry written longest ago goes.
    if (this.#cache.size >= MAX_VERDICTS) this.#cache.delete(this.#cache.keys().next().value!);
    this.#cache.set(id, { ok, until: at + VERDICT_TTL_MS });
  }
}

const verdicts = new Verdicts();

/**
 * apache-md5 is CommonJS (`module.exports = aprMd5`) while its typings declare a default export:
 * Node's ESM loader and esbuild hand over the function itself, and this reads it either way.
 */
type AprMd5 = (password: string, salt: string) => string;
const aprMd5: AprMd5 = (apacheMd5 as unknown as { default?: AprMd5 }).default ?? (apacheMd5 as unknown as AprMd5);

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
