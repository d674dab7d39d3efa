/**
 * The gateway's one DynamoDB table (string `pk`/`sk`, on-demand), shared by config and eviction
 * state. One layout, written here once, read by the data plane and written by the components.
 *
 *   config item    pk = "config"              sk = "<Kind>#<namespace>/<name>"   object = JSON
 *   eviction item  pk = "evict#<ns>/<backend>" sk = "<provider name>"
 *                  consecutiveFailures, timesEvicted, evictedUntil (epoch ms), ttl (epoch s)
 *   rate-limit item pk = "ratelimit#<ns>/<policy>#<choice>#<fingerprint>"  sk = "<client hash>" or "*"
 *                  per limit i and refill window w (epoch ms / unit): n<i>_<w> (used), a<i>_<w>
 *                  (what the window allows), ttl (epoch s); see dynamodb-rate-limits.ts
 *
 * A backend's eviction items share a partition, so one Query reads every provider of a backend.
 * All config items share a partition, so one (paginated) Query loads the whole config.
 *
 * This module holds the layout only (no AWS SDK), so the Pulumi components can import it.
 */

export const KEY = { partition: 'pk', sort: 'sk' } as const;
/** The attribute DynamoDB's TTL is enabled on (by the components; dynalite cannot, and need not). */
export const TTL_ATTRIBUTE = 'ttl';
export const CONFIG_PARTITION = 'config';

/** A config item's sort key: `<Kind>#<namespace>/<name>`. */
export const configSortKey = (kind: string, namespace: string, name: string) => `${kind}#${namespace}/${name}`;

/** The attribute holding a config item's object, as JSON text (exactly what validation reads). */
export const CONFIG_ATTRIBUTE = 'object';

/** A config object as the item the components write: `{ pk, sk, object }`, in DynamoDB's typed form. */
export function configItem(object: { kind: string; metadata: { name: string; namespace?: string } }): Record<string, { S: string }> {
  return {
    [KEY.partition]: { S: CONFIG_PARTITION },
    [KEY.sort]: { S: configSortKey(object.kind, object.metadata.namespace ?? 'default', object.metadata.name) },
    [CONFIG_ATTRIBUTE]: { S: JSON.stringify(object) },
  };
}

/** `namespace/backend/provider` (CompiledProvider.id) -> the item's key. */
export function evictionKey(providerId: string): { pk: string; sk: string } {
  const cut = providerId.lastIndexOf('/');
  return { pk: `evict#${providerId.slice(0, cut)}`, sk: providerId.slice(cut + 1) };
}

export const evictionPartition = (backendId: string) => `evict#${backendId}`;

/**
 * How long an eviction item outlives its last write. Counters of a provider nobody used for this
 * long start again from zero — the same as a long run of healthy answers would do.
 */
export const STATE_RETENTION_MS = 3_600_000;

/** The annotation on a Secret config item that names its Secrets Manager secret (ARN or name): the item holds no key. */
export const SECRET_ARN_ANNOTATION = 'modelgate.dev/secrets-manager-secret';

/** A rate-limit bucket key (`<policy id>#<choice>#<fingerprint>|<client>`, rate-limit.ts) -> its item's key. */
export function rateLimitKey(bucketKey: string): { pk: string; sk: string } {
  const cut = bucketKey.lastIndexOf('|');
  return { pk: `ratelimit#${bucketKey.slice(0, cut)}`, sk: bucketKey.slice(cut + 1) };
}
