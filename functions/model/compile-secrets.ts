/**
 * Where provider keys come from (Secrets in the manifests locally, Secrets Manager on AWS), and
 * how a backend policy's `auth` reads one.
 */
import type { SecretEntries } from './client-keys.js';
import type { BackendPolicies, ProviderPolicies } from './schema/policies.js';
import type { SecretObject } from './schema/secret.js';
import type { ManifestObject } from './validate.js';
import { idOf } from './compile-objects.js';

/**
 * A Secret's values, decoded; `stringData` wins over `data`, as the API server merges them. (Here,
 * not beside the Secret's schema: compiling must not load zod, which the Lambda loads only to
 * validate; see config/validated-copy.ts.)
 */
function secretValues(secret: SecretObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries(secret.stringData ?? {})) out[k] = v;
  return out;
}

/** Where provider keys come from: Secrets in the manifests locally, Secrets Manager on AWS. */
export interface SecretSource extends SecretEntries {
  /** The value of `key` in Secret `namespace/name`, or undefined when either is missing. */
  get(namespace: string, name: string, key: string): string | undefined;
}

/** The Secret key agentgateway reads provider credentials from. */
const DEFAULT_SECRET_KEY = 'Authorization';

/** Secrets from the manifests themselves (local `modelgate serve`). */
export function manifestSecrets(objects: readonly ManifestObject[]): SecretSource {
  const byId = new Map<string, Record<string, string>>();
  for (const o of objects) if (o.kind === 'Secret') byId.set(idOf(o), secretValues(o as SecretObject));
  return {
    get(namespace, name, key) {
      const values = byId.get(`${namespace}/${name}`);
      // Own keys only: a `key: toString` missing from the Secret must read as missing, not as a function.
      return values && Object.hasOwn(values, key) ? values[key] : undefined;
    },
    entries: (namespace, name) => byId.get(`${namespace}/${name}`),
  };
}

export function resolveApiKey(
  auth: Pick<NonNullable<BackendPolicies['auth'] | ProviderPolicies['auth']>, 'key' | 'secretRef'> | undefined,
  namespace: string,
  where: string,
  secrets: SecretSource,
  problems: string[],
): string | undefined {
  if (!auth) return undefined;
  const raw = auth.key ?? (auth.secretRef ? secrets.get(namespace, auth.secretRef.name, auth.secretRef.key ?? DEFAULT_SECRET_KEY) : undefined);
  if (auth.secretRef && raw === undefined) {
    problems.push(`${where}.secretRef: key "${auth.secretRef.key ?? DEFAULT_SECRET_KEY}" of Secret ${namespace}/${auth.secretRef.name} not found`);
    return undefined;
  }
  // agentgateway trims the value and drops a leading `Bearer `, so a Secret can hold either form.
  return raw?.trim().replace(/^Bearer\s+/i, '');
}
