/**
 * The keys of a JWT provider: inline ones as given, remote ones fetched from the JWKS URL and
 * cached, one cache per provider of the config being served (a reload starts fresh).
 *
 * Bounded, whatever clients send: a fetch has a deadline (FETCH_TIMEOUT_MS) and a size cap
 * (MAX_JWKS_BYTES), concurrent requests share one fetch, and a token naming a `kid` the set lacks
 * triggers a fetch at most once per UNKNOWN_KID_COOLDOWN_MS (a key rotation is picked up at once;
 * a client inventing kids cannot make the gateway hammer the IdP). The set is re-fetched when it is
 * older than the provider's `cacheDuration`; when that fails the keys already held stay in use, and
 * no fetch is tried again within the cooldown.
 */
import type { JWK, JWTVerifyGetKey } from 'jose';
import { jose } from './jose-lazy.js';
import type { Logger } from '../core/log.js';
import { isUsableKey } from '../model/compile-traffic-auth.js';
import type { JwtProviderConfig } from '../model/traffic-auth-config.js';

export const FETCH_TIMEOUT_MS = 5_000;
/** A JWKS is a few KB; an inline one may be 64 KiB (the CRD's limit). */
export const MAX_JWKS_BYTES = 256 * 1024;
export const UNKNOWN_KID_COOLDOWN_MS = 30_000;

/** A provider's keys as verification uses them. */
export interface KeySet {
  kids: ReadonlySet<string>;
  getKey: JWTVerifyGetKey;
}

/** What a lookup needs from the engine: its clock and logger. */
export interface KeyContext {
  now: () => number;
  logger: Logger;
}

function keySetOf(keys: readonly JWK[]): KeySet {
  let local: JWTVerifyGetKey | undefined;
  const getKey: JWTVerifyGetKey = async (header, token) => {
    local ??= (await jose()).createLocalJWKSet({ keys: keys as JWK[] });
    return local(header, token);
  };
  return { kids: new Set(keys.map((k) => k.kid!)), getKey };
}

/** A remote JWKS with its cache state; concurrent lookups share one fetch. */
class RemoteKeys {
  #keys: KeySet | undefined;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  /** When a fetch last failed, and when an unknown kid last caused one: each waits out the cooldown. */
  #failedAt = Number.NEGATIVE_INFINITY;
  #unknownKidAt = Number.NEGATIVE_INFINITY;
  #inflight: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly cacheDurationMs: number,
  ) {}

  /** The keys to verify a token with `kid`; undefined when none could ever be fetched. */
  async lookup(kid: string, ctx: KeyContext): Promise<KeySet | undefined> {
    const now = ctx.now();
    if (this.#inflight) await this.#inflight;
    const failing = now - this.#failedAt < UNKNOWN_KID_COOLDOWN_MS;
    if (!this.#keys || now - this.#fetchedAt >= this.cacheDurationMs) {
      // No keys yet, or older than cacheDuration; after a failure, not again within the cooldown.
      if (!failing) await this.refresh(ctx);
    } else if (!this.#keys.kids.has(kid) && !failing && now - this.#unknownKidAt >= UNKNOWN_KID_COOLDOWN_MS) {
      // A kid the set lacks: a rotation is picked up at once, and made-up kids cause one fetch per cooldown at most.
      this.#unknownKidAt = now;
      await this.refresh(ctx);
    }
    return this.#keys;
  }

  private refresh(ctx: KeyContext): Promise<void> {
    if (!this.#inflight) {
      this.#inflight = fetchKeys(this.url)
        .then((keys) => {
          this.#keys = keySetOf(keys);
          this.#fetchedAt = ctx.now();
        })
        .catch((error: unknown) => {
          this.#failedAt = ctx.now();
          const kept = this.#keys ? `; keeping the ${this.#keys.kids.size} keys fetched before` : '';
          ctx.logger.log('warn', 'jwks_fetch_failed', `JWKS ${this.url} could not be fetched: ${(error as Error).message}${kept}`, { url: this.url });
        })
        .finally(() => {
          this.#inflight = undefined;
        });
    }
    return this.#inflight;
  }
}

/** GET the JWKS, within the deadline and the size cap; only keys agentgateway would load are kept. */
async function fetchKeys(url: string): Promise<JWK[]> {
  const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), redirect: 'error', headers: { accept: 'application/json' } });
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new Error(`HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > MAX_JWKS_BYTES) {
    await res.body?.cancel();
    throw new Error(`larger than ${MAX_JWKS_BYTES} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body ?? []) {
    size += chunk.byteLength;
    if (size > MAX_JWKS_BYTES) throw new Error(`larger than ${MAX_JWKS_BYTES} bytes`);
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new Error('not JSON');
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error('no "keys" array');
  return keys.filter(isUsableKey);
}

const inline = new WeakMap<JwtProviderConfig, KeySet>();
const remote = new WeakMap<JwtProviderConfig, RemoteKeys>();

/** The keys of `provider` to look `kid` up in (fetched or re-fetched when needed); undefined: a remote set that could not be fetched. */
export function providerKeys(provider: JwtProviderConfig, kid: string, ctx: KeyContext): Promise<KeySet | undefined> | KeySet {
  const jwks = provider.jwks;
  if ('keys' in jwks) {
    let set = inline.get(provider);
    if (!set) {
      set = keySetOf(jwks.keys);
      inline.set(provider, set);
    }
    return set;
  }
  let keys = remote.get(provider);
  if (!keys) {
    keys = new RemoteKeys(jwks.url, jwks.cacheDurationMs);
    remote.set(provider, keys);
  }
  return keys.lookup(kid, ctx);
}
