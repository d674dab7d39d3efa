/**
 * `traffic.apiKeyAuthentication` compiled: the Secret's entries become SHA-256 digests at load
 * time, so raw client keys are never kept in the compiled config (or anywhere after load).
 * An entry is agentgateway's: a raw key string, or JSON `{"key": "..."}` / `{"keyHash": "sha256:<hex>"}`
 * with optional `metadata`.
 */
import { createHash } from 'node:crypto';
import type { ClientKeyAuth } from './config.js';
import { compileCredentialLocation } from './credential-location.js';
import type { ApiKeyAuthenticationSpec } from './schema/policy.js';

export interface SecretEntries {
  /** Every entry of Secret `namespace/name`, or undefined when it does not exist. */
  entries?(namespace: string, name: string): Readonly<Record<string, string>> | undefined;
}

export const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

export function compileClientKeys(spec: ApiKeyAuthenticationSpec, namespace: string, secrets: SecretEntries, where: string, problems: string[]): ClientKeyAuth | undefined {
  const name = spec.secretRef?.name;
  if (!name) return undefined; // selectors are refused by validation
  const entries = secrets.entries?.(namespace, name);
  if (!entries) {
    problems.push(`${where}.secretRef: Secret ${namespace}/${name} not found`);
    return undefined;
  }
  const keyDigests: Buffer[] = [];
  for (const [id, value] of Object.entries(entries)) {
    const digest = entryDigest(value);
    if (digest) keyDigests.push(digest);
    else problems.push(`${where}.secretRef: entry "${id}" of Secret ${namespace}/${name} is neither a key nor {"key"} / {"keyHash": "sha256:<64 hex>"}`);
  }
  if (keyDigests.length === 0) problems.push(`${where}.secretRef: Secret ${namespace}/${name} holds no API key`);
  const location = compileCredentialLocation(spec.location, `${where}.location`, problems);
  return { mode: spec.mode, ...(location && { location }), keyDigests };
}

function entryDigest(value: string): Buffer | undefined {
  const trimmed = value.trim();
  if (trimmed.startsWith('{')) {
    let parsed: { key?: unknown; keyHash?: unknown };
    try {
      parsed = JSON.parse(trimmed) as { key?: unknown; keyHash?: unknown };
    } catch {
      return undefined;
    }
    if (typeof parsed.key === 'string' && parsed.key.length > 0) return sha256(parsed.key);
    if (typeof parsed.keyHash === 'string') {
      const m = /^sha256:([0-9a-fA-F]{64})$/.exec(parsed.keyHash);
      return m ? Buffer.from(m[1]!, 'hex') : undefined;
    }
    return undefined;
  }
  return trimmed.length > 0 ? sha256(trimmed) : undefined;
}
