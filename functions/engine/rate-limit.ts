/**
 * `traffic.rateLimit` on the request path, after authentication and before any upstream call:
 * the rule's policy (the first conditional entry whose condition holds) is counted against the
 * client's buckets; a refused request gets a 429 in the client API's shape, an admitted one the
 * `x-ratelimit-*` headers (agentgateway's: the most constrained bucket's limit, remaining and
 * seconds to its next refill). A token limit is charged what the answer used (input + output, the
 * outcome's usage; a stream's when it ends) and refuses new requests once its bucket is empty.
 *
 * Whose bucket: a limit counts per client when the request says who the client is — the identity
 * an authentication step recorded (client-identity.ts: the JWT's `sub`, the basic-auth user; or a
 * plain `clientIdentity` string on the request), else the API key it
 * presented if that key is one of the rule's client keys (a hash of its digest: never the key) —
 * and in one bucket for everyone else. An unverified key never picks a bucket: a client could
 * otherwise make up keys to get a fresh budget with each.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { CompiledRateLimitPolicy } from '../model/compile-rate-limit.js';
import type { CompiledRule } from '../model/config.js';
import { sha256 } from '../model/client-keys.js';
import type { TokenUsage } from '../providers/types.js';
import { MemoryRateLimits } from '../state/memory-rate-limits.js';
import type { Admission, BucketLimit, EvictionStore, RateLimitBuckets, RateLimitStore, WithRateLimits } from '../state/store.js';
import type { Logger } from '../core/log.js';
import { errorResponseFor, type ClientApiSpec } from './client-api.js';
import { presentedKey } from './client-auth.js';
import { clientIdentityOf } from './client-identity.js';
import type { GatewayRequest, GatewayResponse } from './types.js';

/** The rate-limit counters of the engine's store (shared through its table), or this process's memory. */
export function rateLimitStoreOf(store: EvictionStore | undefined): RateLimitStore {
  const withLimits = store as (EvictionStore & Partial<WithRateLimits>) | undefined;
  return typeof withLimits?.rateLimits === 'function' ? withLimits.rateLimits() : new MemoryRateLimits();
}

/** Who the client is, when an authentication step knows (a JWT claim): the hook `clientIdentity` on the request. */
type IdentifiedRequest = GatewayRequest & { clientIdentity?: string };

/** One request's rate limiting: `check` before the upstream call, `decorate` the answer, `settle` when it is over. */
export class RequestRateLimit {
  private admitted: { buckets: RateLimitBuckets; headers: Record<string, string> } | undefined;
  private settled = false;

  constructor(
    private readonly store: RateLimitStore,
    private readonly now: () => number,
    private readonly logger: Logger,
  ) {}

  /** Counts the request; the 429 to answer when a bucket refuses it, else undefined. */
  async check(rule: CompiledRule, req: GatewayRequest, api: Pick<ClientApiSpec<unknown>, 'errorBody'>): Promise<GatewayResponse | undefined> {
    const policy = chosenPolicy(rule, req);
    if (!policy) return undefined;
    const buckets: RateLimitBuckets = { key: `${policy.id}|${clientBucket(rule, req)}`, limits: policy.limits };
    const now = this.now();
    const admission = await this.store.admit(buckets, now);
    if (admission.admitted) {
      this.admitted = { buckets, headers: headersOf(admission, mostConstrained(admission), now) };
      return undefined;
    }
    const by = admission.refusedBy ?? mostConstrained(admission);
    const headers = headersOf(admission, by, now);
    const limit = policy.limits[by]!;
    return errorResponseFor(
      api,
      429,
      `Rate limit exceeded: ${describeLimit(limit)}${limit.kind === 'tokens' ? ', and its tokens are spent' : ''}. Retry in ${headers['x-ratelimit-reset']} s.`,
      'rate_limit_error',
      'rate_limit_exceeded',
      { ...headers, 'retry-after': String(Math.max(1, Number(headers['x-ratelimit-reset']))) },
    );
  }

  /** An admitted request's answer, with the `x-ratelimit-*` headers of the buckets it was counted in. */
  decorate(res: GatewayResponse): GatewayResponse {
    return this.admitted ? { ...res, headers: { ...res.headers, ...this.admitted.headers } } : res;
  }

  /**
   * Charges the tokens the answer used to the policy's token buckets, once. Awaited before the
   * answer's end (one table write when there are token limits, nothing otherwise); never rejects.
   */
  async settle(usage: TokenUsage | undefined): Promise<void> {
    if (this.settled || !this.admitted || !usage) return;
    this.settled = true;
    const tokens = usage.input + usage.output;
    if (!(tokens > 0) || !this.admitted.buckets.limits.some((l) => l.kind === 'tokens')) return;
    try {
      await this.store.charge(this.admitted.buckets, tokens, this.now());
    } catch (error) {
      this.logger.log('warn', 'rate_limit_charge_failed', `could not charge ${tokens} tokens to a rate limit: ${(error as Error).message}`, {});
    }
  }
}

/** The first choice whose condition holds, or that has none. */
function chosenPolicy(rule: CompiledRule, req: GatewayRequest): CompiledRateLimitPolicy | undefined {
  const choices = rule.rateLimit?.choices;
  if (!choices) return undefined;
  const request = { method: req.method, path: req.path, host: req.headers.host ?? '', headers: { ...req.headers } };
  return choices.find((c) => !c.condition || c.condition.test(request))?.policy;
}

/** A bounded, opaque name for the client's bucket; `*` for the one shared by unidentified clients. */
function clientBucket(rule: CompiledRule, req: GatewayRequest): string {
  // JWT `sub` or basic-auth user (traffic-auth.ts); an API key is verified here against the rule's keys.
  const known = clientIdentityOf(req);
  const identity = known && known.source !== 'apiKey' ? `${known.source}:${known.id}` : (req as IdentifiedRequest).clientIdentity;
  if (identity) return opaque(`identity:${identity}`);
  const digest = verifiedKeyDigest(rule, req);
  return digest ? opaque(`key:${digest.toString('hex')}`) : '*';
}

const opaque = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 32);

/** The digest of the presented key when it is one of the rule's client keys (compared as client-auth.ts does, without an early exit). */
function verifiedKeyDigest(rule: CompiledRule, req: GatewayRequest): Buffer | undefined {
  if (!rule.clientAuth) return undefined;
  const presented = presentedKey(rule.clientAuth, req);
  if (presented === undefined) return undefined;
  const digest = sha256(presented);
  let match = false;
  for (const known of rule.clientAuth.keyDigests) match = timingSafeEqual(digest, known) || match;
  return match ? digest : undefined;
}

/** agentgateway reports the bucket with the fewest tokens left. */
function mostConstrained(admission: Admission): number {
  return admission.statuses.reduce((best, s, i) => (s.remaining < admission.statuses[best]!.remaining ? i : best), 0);
}

function headersOf(admission: Admission, index: number, now: number): Record<string, string> {
  const status = admission.statuses[index]!;
  return {
    'x-ratelimit-limit': String(status.limit),
    'x-ratelimit-remaining': String(status.remaining),
    'x-ratelimit-reset': String(Math.max(0, Math.ceil((status.resetAt - now) / 1000))),
  };
}

const UNIT_NAMES: Record<number, string> = { 1000: 'second', 60000: 'minute', 3600000: 'hour' };

function describeLimit(limit: BucketLimit): string {
  const unit = UNIT_NAMES[limit.unitMs] ?? `${limit.unitMs} ms`;
  return `${limit.perUnit} ${limit.kind} per ${unit}${limit.burst > 0 ? ` (burst ${limit.burst})` : ''}`;
}
