/**
 * Provider keys on AWS. A `Secret` config item carries no key material: its annotation names an
 * AWS Secrets Manager secret, read once per cold start (and for secrets added later, once when
 * first seen), cached in memory, never logged and never put in environment variables.
 *
 * The secret's value is either a JSON object of keys (`{"Authorization": "sk-..."}`, what the
 * components write) or a plain string, which stands for the `Authorization` key.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DEFAULT_NAMESPACE, manifestSecrets, type SecretSource } from '../model/compile.js';
import type { ManifestObject } from '../model/validate.js';
import type { SecretsLoader } from './table-source.js';

import { SECRET_ARN_ANNOTATION } from '../state/table-layout.js';

export { SECRET_ARN_ANNOTATION };

export class SecretsManagerLoader implements SecretsLoader {
  private readonly values = new Map<string, Record<string, string>>();

  constructor(private readonly client: Pick<SecretsManagerClient, 'send'>) {}

  async prepare(objects: readonly ManifestObject[]): Promise<void> {
    const wanted = [...new Set(objects.flatMap((o) => (o.kind === 'Secret' ? [o.metadata.annotations?.[SECRET_ARN_ANNOTATION]] : [])))].filter(
      (id): id is string => id !== undefined && !this.values.has(id),
    );
    await Promise.all(
      wanted.map(async (id) => {
        const out = await this.client.send(new GetSecretValueCommand({ SecretId: id }));
        this.values.set(id, parseSecret(out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : '')));
      }),
    );
  }

  source(objects: readonly ManifestObject[]): SecretSource {
    const inline = manifestSecrets(objects);
    const byName = new Map<string, string>();
    for (const o of objects) {
      const id = o.kind === 'Secret' ? o.metadata.annotations?.[SECRET_ARN_ANNOTATION] : undefined;
      if (id) byName.set(`${o.metadata.namespace ?? DEFAULT_NAMESPACE}/${o.metadata.name}`, id);
    }
    return {
      get: (namespace, name, key) => {
        const id = byName.get(`${namespace}/${name}`);
        return id ? this.values.get(id)?.[key] : inline.get(namespace, name, key);
      },
      entries: (namespace, name) => {
        const id = byName.get(`${namespace}/${name}`);
        return id ? this.values.get(id) : inline.entries?.(namespace, name);
      },
    };
  }
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
