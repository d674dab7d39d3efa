/**
 * Spec -> Kubernetes-style objects, as pure functions over plain values: the same objects are
 * `kubectl apply`-ed on Kubernetes (as custom resources) and written as config items on AWS. No
 * Pulumi here, so tests can render, validate against the upstream CRDs, and compare with YAML.
 *
 * Provider keys never stay in a rendered object: `extractKeys` moves every `auth.key` out and
 * writes a `secretRef` to a Secret in its place. On Kubernetes that Secret holds the key
 * (`stringData.Authorization`); on AWS its config item holds only the ARN of the Secrets Manager
 * secret that does (`SECRET_ARN_ANNOTATION`).
 *
 * Client API keys (`traffic.apiKeyAuthentication.keys`) likewise: `extractClientKeys` moves them
 * out and writes `secretRef` to the Policy's `<name>-client-keys` Secret, whose entries hold only
 * their SHA-256 digests (`{"keyHash": "sha256:<hex>"}`, agentgateway's form). Basic-auth users:
 * basic-auth.ts.
 */
import { sha256 } from '../functions/model/client-keys.js';
import { SECRET_ARN_ANNOTATION } from '../functions/state/table-layout.js';

export const GATEWAY_API_VERSION = 'gateway.networking.k8s.io/v1';
export const AGENTGATEWAY_API_VERSION = 'agentgateway.dev/v1alpha1';
export const GATEWAY_GROUP = 'gateway.networking.k8s.io';
export const AGENTGATEWAY_GROUP = 'agentgateway.dev';

/** What the components create by default: agentgateway's class, one HTTP listener on 8080 (the tutorial's). */
export const DEFAULT_GATEWAY_CLASS = 'agentgateway';
export const DEFAULT_LISTENERS = [{ name: 'http', port: 8080, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } }];
export const DEFAULT_NAMESPACE = 'default';

/** The Secret key a `secretRef` reads by default, as agentgateway does. */
export const SECRET_KEY = 'Authorization';

export type Plain = Record<string, unknown>;

export interface Meta<S = string> {
  name: S;
  namespace: S;
  /** `metadata.annotations` (modelgate's `modelgate.dev/` settings), when the object has any. */
  annotations?: Record<string, S>;
}

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export type ComponentKind = 'Gateway' | 'HTTPRoute' | 'AgentgatewayBackend' | 'AgentgatewayPolicy' | 'AgentgatewayModel';

const API_VERSION: Record<ComponentKind, string> = {
  Gateway: GATEWAY_API_VERSION,
  HTTPRoute: GATEWAY_API_VERSION,
  AgentgatewayBackend: AGENTGATEWAY_API_VERSION,
  AgentgatewayPolicy: AGENTGATEWAY_API_VERSION,
  AgentgatewayModel: AGENTGATEWAY_API_VERSION,
};

export function apiVersionOf(kind: ComponentKind): string {
  return API_VERSION[kind];
}

/** `{ apiVersion, kind, metadata, spec }`, with the defaults the components own filled in. */
export function manifest(kind: ComponentKind, meta: Meta, spec: Plain): Manifest {
  const withDefaults =
    kind === 'Gateway' ? { gatewayClassName: DEFAULT_GATEWAY_CLASS, listeners: structuredClone(DEFAULT_LISTENERS), ...dropUndefined(spec) } : dropUndefined(spec);
  const annotations = meta.annotations && dropUndefined(meta.annotations);
  const metadata = { name: meta.name, namespace: meta.namespace, ...(annotations && Object.keys(annotations).length > 0 && { annotations }) };
  return { apiVersion: API_VERSION[kind], kind, metadata, spec: withDefaults };
}

/** A Kubernetes Secret holding one provider key, as the tutorial's `anthropic-secret`. */
export function kubernetesSecret(meta: Meta, key: string): Manifest {
  return kubernetesSecretOf(meta, providerKeyEntries(key));
}

/** The entries of a provider key's Secret: the key under the entry a `secretRef` reads by default. */
export function providerKeyEntries(key: string): Record<string, string> {
  return { [SECRET_KEY]: key };
}

/** The same Secret as an AWS config item: no key material, only the Secrets Manager secret that holds it. */
export function awsSecretItem(meta: Meta, secretArn: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: meta.name, namespace: meta.namespace, annotations: { [SECRET_ARN_ANNOTATION]: secretArn } },
    type: 'Opaque',
  };
}

/** The JSON a Secrets Manager secret holds for one key (what functions/config/secrets-manager.ts reads). */
export function secretString(key: string): string {
  return entriesSecretString(providerKeyEntries(key));
}

/** `<name>-secret`, `<name>-secret-2`, ...: the Secrets a component makes for its keys, in order of first use. */
export function secretName(owner: string, index: number): string {
  return `${owner}-secret${index === 0 ? '' : `-${index + 1}`}`;
}

// ---------------------------------------------------------------- keys

/** An `auth` block in a spec, and the path of the block (`policies.auth`). */
export interface AuthBlock {
  path: string;
  auth: Plain;
  /** Replaces the block in its parent. */
  set(auth: Plain): void;
}

export interface ExtractedKey<K, N> {
  /** The Secret the key goes into. */
  secretName: N;
  key: K;
  /** Where the key was written, e.g. `ai.groups[0].providers[0].policies.auth.key`. */
  paths: string[];
}

/** Stands in for a key left in place for validation to refuse (a block with both `key` and `secretRef`). */
export const KEY_PLACEHOLDER = '(secret)';

/**
 * Moves every `auth.key` of a Backend's, Policy's or Model's spec into a Secret: returns a copy of the spec
 * with `auth: { secretRef: { name } }` instead, and the keys. The same key value (the same Output,
 * or the same string) used in several places gets one Secret. Walks plain objects and arrays only:
 * an `auth` inside an Output is found later by `leftoverKeys`.
 */
export function extractKeys<K, N>(kind: ComponentKind, spec: Plain, nameFor: (index: number) => N): { spec: Plain; keys: Array<ExtractedKey<K, N>> } {
  const copy = copyPlain(spec) as Plain;
  const keys: Array<ExtractedKey<K, N>> = [];
  for (const block of authBlocks(kind, copy)) {
    const { key, ...rest } = block.auth;
    if (key === undefined) continue;
    if (rest.secretRef !== undefined) {
      // Both set: leave a stand-in so validation names the conflict, without the key in the object.
      block.set({ ...rest, key: KEY_PLACEHOLDER });
      continue;
    }
    let entry = keys.find((k) => k.key === key);
    if (!entry) {
      entry = { secretName: nameFor(keys.length), key: key as K, paths: [] };
      keys.push(entry);
    }
    entry.paths.push(`${block.path}.key`);
    block.set({ ...rest, secretRef: { name: entry.secretName } });
  }
  return { spec: copy, keys };
}

/** Paths of `auth.key` and client `keys` fields still in a (resolved) spec: keys that came inside an Output. */
export function leftoverKeys(kind: ComponentKind, spec: Plain): string[] {
  const paths = authBlocks(kind, spec)
    .filter((b) => b.auth.key !== undefined && b.auth.key !== KEY_PLACEHOLDER)
    .map((b) => `${b.path}.key`);
  const traffic = kind === 'AgentgatewayPolicy' ? spec.traffic : undefined;
  if (isObject(traffic) && isObject(traffic.apiKeyAuthentication) && traffic.apiKeyAuthentication.keys !== undefined) paths.push(CLIENT_KEYS_PATH);
  return paths;
}

/** Every plain `auth` block of a Backend's, Policy's or Model's spec (a backend's, its providers', a policy's `backend`, a model's). */
export function authBlocks(kind: ComponentKind, spec: Plain): AuthBlock[] {
  const blocks: AuthBlock[] = [];
  const at = (parent: unknown, path: string) => {
    if (!isObject(parent) || !isObject(parent.auth)) return;
    blocks.push({ path: `${path}.auth`, auth: parent.auth, set: (auth) => (parent.auth = auth) });
  };
  if (kind === 'AgentgatewayPolicy') at(spec.backend, 'backend');
  if (kind === 'AgentgatewayModel') at(spec.policies, 'policies');
  if (kind === 'AgentgatewayBackend') {
    at(spec.policies, 'policies');
    const groups = isObject(spec.ai) ? spec.ai.groups : undefined;
    if (Array.isArray(groups)) {
      groups.forEach((group, g) => {
        const providers = isObject(group) ? group.providers : undefined;
        if (!Array.isArray(providers)) return;
        providers.forEach((provider, p) => {
          if (isObject(provider)) at(provider.policies, `ai.groups[${g}].providers[${p}].policies`);
        });
      });
    }
  }
  return blocks;
}

// ---------------------------------------------------------------- client API keys

/** The Secret a Policy keeps its client keys' digests in. */
export function clientKeysSecretName(owner: string): string {
  return `${owner}-client-keys`;
}

/** Where client keys are written in a Policy's args. */
export const CLIENT_KEYS_PATH = 'traffic.apiKeyAuthentication.keys';

/**
 * One Secret entry per key, `key-1`, `key-2`, ...: `{"keyHash": "sha256:<hex>"}` of the key
 * without surrounding whitespace (the data plane trims what a client presents, so a key with
 * surrounding whitespace could never match otherwise).
 */
export function clientKeyEntries(keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(keys.map((key, i) => [`key-${i + 1}`, JSON.stringify({ keyHash: `sha256:${sha256(key.trim()).toString('hex')}` })]));
}

/**
 * A Secret of entries (a provider key, or client keys' digests), as a Kubernetes object. Generic so
 * the component renders its Secrets with it too, over Outputs (`S`, `D`), as the tests do over plain values.
 */
export function kubernetesSecretOf<S = string, D = Record<string, string>>(
  meta: Meta<S>,
  stringData: D,
): { apiVersion: 'v1'; kind: 'Secret'; metadata: Meta<S>; type: 'Opaque'; stringData: D } {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: meta.name, namespace: meta.namespace }, type: 'Opaque', stringData };
}

/** `{"key-1": "{\"keyHash\": ...}"}`: the JSON object of entries a Secrets Manager secret holds (what functions/config/secrets-manager.ts reads). */
export function entriesSecretString(entries: Record<string, string>): string {
  return JSON.stringify(entries);
}

/** A field problem, by arg path. */
export interface PathProblem {
  path: string;
  message: string;
}

/**
 * Moves a Policy's `traffic.apiKeyAuthentication.keys` out of its spec (a copy): the block gets
 * `secretRef: { name }` instead, and the keys are returned as given (an array of keys, or one
 * Input of an array). `keys` and `secretRef` exclusive, one of them required: a problem otherwise,
 * without the keys in the spec. Walks plain objects only: keys inside an Output are found later by
 * `leftoverKeys`.
 */
export function extractClientKeys<K, N>(kind: ComponentKind, spec: Plain, secretName: N): { spec: Plain; keys?: K; problems: PathProblem[] } {
  const copy = copyPlain(spec) as Plain;
  const traffic = kind === 'AgentgatewayPolicy' ? copy.traffic : undefined;
  if (!isObject(traffic) || !isObject(traffic.apiKeyAuthentication)) return { spec: copy, problems: [] };
  const { keys, ...rest } = traffic.apiKeyAuthentication;
  const sources = ['secretRef', 'secretSelector', 'configMapSelector'].filter((f) => rest[f] !== undefined);
  const where = 'traffic.apiKeyAuthentication';
  if (keys === undefined) {
    return sources.length === 0 ? { spec: copy, problems: [{ path: where, message: 'exactly one of the fields in [keys secretRef] must be set' }] } : { spec: copy, problems: [] };
  }
  traffic.apiKeyAuthentication = rest;
  if (sources.length > 0) return { spec: copy, problems: [{ path: where, message: `exactly one of the fields in [keys ${sources.join(' ')}] must be set` }] };
  if (Array.isArray(keys) && keys.length === 0) return { spec: copy, problems: [{ path: CLIENT_KEYS_PATH, message: 'should have at least 1 items' }] };
  traffic.apiKeyAuthentication = { ...rest, secretRef: { name: secretName } };
  return { spec: copy, keys: keys as K, problems: [] };
}

// ---------------------------------------------------------------- helpers

export function isObject(value: unknown): value is Plain {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Copies plain objects and arrays; anything else (strings, Outputs, ...) is kept by reference. */
export function copyPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyPlain);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, copyPlain(v)]));
  return value;
}

/** Drops `undefined` fields (an unset optional arg), recursively: they are not part of the object. */
export function dropUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(dropUndefined) as T;
  if (isObject(value)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, dropUndefined(v)]),
    ) as T;
  }
  return value;
}
