/**
 * Provider keys and client-key digests on AWS. A `Secret` config item carries no key material: its
 * annotation names an AWS Secrets Manager secret, read when first seen, cached in memory, never
 * logged and never put in environment variables.
 *
 * Rotation: every config refresh re-checks the secrets the config uses, so a new version of a
 * secret (a rotated provider key, a client-keys Secret rewritten by `pulumi up`) reaches warm
 * instances within one refresh, without a redeploy. The check is a DescribeSecret per secret,
 * comparing the version that holds `AWSCURRENT` with the one cached; only when it moved is the
 * value fetched again with GetSecretValue. Why DescribeSecret rather than GetSecretValue on every
 * refresh, though both are one call per secret and priced per call alike: DescribeSecret does not
 * decrypt (no KMS Decrypt per poll, no key material on the wire every few seconds), and its
 * request quota is separate from and larger than GetSecretValue's, so polling from many warm
 * instances does not eat into the budget that cold starts need for the values themselves. It is
 * what AWS's own secret caches do. It needs `secretsmanager:DescribeSecret` on the secret; where
 * the role lacks it (AccessDeniedException), that secret falls back to GetSecretValue on every
 * refresh and a value comparison, which is correct and costs the same number of calls.
 *
 * The secret's value is either a JSON object of keys (`{"Authorization": "sk-..."}`, what the
 * components write; `{"key-1": "{\"keyHash\": ...}"}` for client keys) or a plain string, which
 * stands for the `Authorization` key.
 */
import { DescribeSecretCommand, GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DEFAULT_NAMESPACE, manifestSecrets, type SecretSource } from '../model/compile.js';
import type { ManifestObject } from '../model/validate.js';
import type { SecretFailure, SecretsCheck, SecretsLoader } from './table-source.js';

import { SECRET_ARN_ANNOTATION } from '../state/table-layout.js';

export { SECRET_ARN_ANNOTATION };

/** How long one Secrets Manager call (retries included) may take before it counts as failed. */
const DEFAULT_SECRETS_TIMEOUT_MS = 5_000;

interface SecretsManagerLoaderOptions {
  /**
   * Bound on each call. Refreshes run one at a time, so a call that never answers would otherwise
   * stop every later refresh (table items included) for the life of the instance.
   */
  timeoutMs?: number;
}

interface Held {
  value: Record<string, string>;
  /** The version the value came from, compared with `AWSCURRENT` on each refresh. */
  versionId: string | undefined;
}

export class SecretsManagerLoader implements SecretsLoader {
  private readonly held = new Map<string, Held>();
  /** Secrets whose DescribeSecret the role may not call: polled with GetSecretValue instead. */
  private readonly noDescribe = new Set<string>();
  private readonly timeoutMs: number;

  constructor(
    private readonly client: Pick<SecretsManagerClient, 'send'>,
    options: SecretsManagerLoaderOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_SECRETS_TIMEOUT_MS;
  }

  async prepare(objects: readonly ManifestObject[]): Promise<SecretsCheck> {
    const wanted = new Set(secretIds(objects).values());
    // A secret no config item names any more is forgotten: should it come back, it is read afresh.
    // (Compiled configs hold copies of the values, so the config still serving is unaffected.)
    for (const id of this.held.keys()) if (!wanted.has(id)) this.held.delete(id);
    for (const id of this.noDescribe) if (!wanted.has(id)) this.noDescribe.delete(id);

    const changed: string[] = [];
    const failed: SecretFailure[] = [];
    const warnings: string[] = [];
    await Promise.all(
      [...wanted].map(async (id) => {
        const held = this.held.get(id);
        try {
          if (!held) {
            this.held.set(id, await this.fetch(id));
          } else if (await this.recheck(id, held, warnings)) {
            changed.push(id);
          }
        } catch (error) {
          // The last good value (if any) stays in `held`; a new secret stays missing, so only a
          // config that needs it fails to compile. The error says what failed, never a value.
          failed.push({ id, fresh: !held, error: `${(error as Error).name}: ${(error as Error).message}` });
        }
      }),
    );
    return { changed: changed.sort(), failed: failed.sort((a, b) => a.id.localeCompare(b.id)), warnings };
  }

  source(objects: readonly ManifestObject[]): SecretSource {
    const inline = manifestSecrets(objects);
    const byName = secretIds(objects);
    return {
      get: (namespace, name, key) => {
        const id = byName.get(`${namespace}/${name}`);
        return id ? this.held.get(id)?.value[key] : inline.get(namespace, name, key);
      },
      entries: (namespace, name) => {
        const id = byName.get(`${namespace}/${name}`);
        return id ? this.held.get(id)?.value : inline.entries?.(namespace, name);
      },
    };
  }

  /** Whether the secret's value changed since it was read; updates what is held when it did. */
  private async recheck(id: string, held: Held, warnings: string[]): Promise<boolean> {
    if (!this.noDescribe.has(id)) {
      try {
        const described = await this.client.send(new DescribeSecretCommand({ SecretId: id }), { abortSignal: AbortSignal.timeout(this.timeoutMs) });
        const current = currentVersion(described.VersionIdsToStages);
        // No AWSCURRENT in the answer (it should not happen) reads as "moved": fetch to be sure.
        if (current !== undefined && current === held.versionId) return false;
      } catch (error) {
        if ((error as Error).name !== 'AccessDeniedException') throw error;
        // Once per secret per instance: the role predates DescribeSecret being granted.
        this.noDescribe.add(id);
        warnings.push(`the role may not call secretsmanager:DescribeSecret on ${id}; re-reading its value with GetSecretValue on every refresh instead`);
      }
    }
    const next = await this.fetch(id);
    // A new version with the same value (a `pulumi up` that rewrote it unchanged) is no change:
    // recompiling would only throw away the engine's per-config caches.
    const same = sameValue(next.value, held.value);
    this.held.set(id, same ? { value: held.value, versionId: next.versionId } : next);
    return !same;
  }

  private async fetch(id: string): Promise<Held> {
    const out = await this.client.send(new GetSecretValueCommand({ SecretId: id }), { abortSignal: AbortSignal.timeout(this.timeoutMs) });
    const text = out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : '');
    return { value: parseSecret(text), versionId: out.VersionId };
  }
}

/** `namespace/name` of each Secret item that names a Secrets Manager secret -> that secret's id. */
function secretIds(objects: readonly ManifestObject[]): Map<string, string> {
  const byName = new Map<string, string>();
  for (const o of objects) {
    const id = o.kind === 'Secret' ? o.metadata.annotations?.[SECRET_ARN_ANNOTATION] : undefined;
    if (id) byName.set(`${o.metadata.namespace ?? DEFAULT_NAMESPACE}/${o.metadata.name}`, id);
  }
  return byName;
}

function currentVersion(stages: Record<string, string[]> | undefined): string | undefined {
  for (const [version, labels] of Object.entries(stages ?? {})) if (labels.includes('AWSCURRENT')) return version;
  return undefined;
}

function sameValue(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

function parseSecret(text: string): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
    }
  } catch {
    // a plain string secret
  }
  return { Authorization: text };
}
