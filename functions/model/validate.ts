/**
 * Validates one Kubernetes-style object of a kind modelgate serves, with modelgate's own schemas
 * (agentgateway's and Gateway API's field names and rules). Messages name the field by its path,
 * the way `kubectl apply` does: `spec.ai.groups[0].providers[1].name: ...`. An object of another
 * kind is left out with a warning, unless its kind does not exist in agentgateway's or Gateway
 * API's group (kinds.ts): that is a typo, refused like any other mistake.
 */
import type * as z from 'zod';
import { judgeKind } from './kinds.js';
import { UNSUPPORTED } from './schema/common.js';
import { backendObject, type BackendObject } from './schema/backend.js';
import { gatewayObject, httpRouteObject, referenceGrantObject, type GatewayObject, type HttpRouteObject, type ReferenceGrantObject } from './schema/gateway-api.js';
import { modelObject, type ModelObject } from './schema/model.js';
import { policyObject, type PolicyObject } from './schema/policy.js';
import { secretObject, type SecretObject } from './schema/secret.js';

export type ManifestObject = GatewayObject | HttpRouteObject | BackendObject | ModelObject | PolicyObject | SecretObject | ReferenceGrantObject;
type Kind = ManifestObject['kind'];

const SCHEMAS: Record<Kind, z.ZodType<ManifestObject>> = {
  Gateway: gatewayObject,
  HTTPRoute: httpRouteObject,
  AgentgatewayBackend: backendObject,
  AgentgatewayModel: modelObject,
  AgentgatewayPolicy: policyObject,
  Secret: secretObject,
  ReferenceGrant: referenceGrantObject,
};

export const SUPPORTED_KINDS = Object.keys(SCHEMAS) as Kind[];

export interface Issue {
  /** `spec.ai.groups[0].providers[0].name`; empty for the object itself. */
  path: string;
  message: string;
  /** True when the field is valid upstream but modelgate does not implement it. */
  unsupported: boolean;
}

type Validation =
  | { ok: true; object: ManifestObject; warnings: string[] }
  | {
      ok: false;
      kind?: string;
      name?: string;
      issues: Issue[];
      /**
       * Set when the object is of a kind modelgate does not serve and may be left out of a config
       * with a warning (this text says why): a Deployment, an AgentgatewayModel. Unset for a kind
       * that does not exist in its group, which is a mistake like any other.
       */
      skip?: string;
    };

/**
 * Fields accepted without effect, because ignoring them cannot change an answer; each is
 * reported as a warning at load time. `*` stands for any array index.
 */
const IGNORED_FIELDS: Partial<Record<Kind, Array<[path: string, why: string]>>> = {
  Gateway: [
    ['spec.addresses', 'modelgate listens on --host / --port'],
    ['spec.infrastructure', 'there is no Gateway deployment to configure'],
    ['spec.allowedListeners', 'ListenerSets are not used'],
    ['spec.listeners.*.allowedRoutes.kinds', 'HTTPRoutes and AgentgatewayModels are served on every listener'],
  ],
  AgentgatewayBackend: [
    ['spec.policies.ai.promptCaching', 'provider-side prompt caching only changes cost'],
    ['spec.ai.groups.*.providers.*.policies.ai.promptCaching', 'provider-side prompt caching only changes cost'],
    ['spec.policies.http.version', 'upstream calls use HTTP/1.1 with keep-alive'],
    ['spec.ai.groups.*.providers.*.policies.http.version', 'upstream calls use HTTP/1.1 with keep-alive'],
    ['spec.policies.tcp.keepalive', 'TCP keepalive is left to the OS'],
    // Providers take the same `tcp` block as the backend; without this entry it was ignored silently.
    ['spec.ai.groups.*.providers.*.policies.tcp.keepalive', 'TCP keepalive is left to the OS'],
  ],
  AgentgatewayPolicy: [
    ['spec.backend.ai.promptCaching', 'provider-side prompt caching only changes cost'],
    ['spec.backend.http.version', 'upstream calls use HTTP/1.1 with keep-alive'],
    ['spec.backend.tcp.keepalive', 'TCP keepalive is left to the OS'],
  ],
};

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

function toIssues(error: z.ZodError, kind: string | undefined): Issue[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      const base = formatPath(issue.path);
      // `auth: {sk-…}` in flow YAML makes the key a field name: under a credential field, count them.
      if (isSecretField(kind, issue.path))
        return { path: base, message: `${issue.keys.length} unknown field${issue.keys.length > 1 ? 's' : ''} (names not shown: they may hold a credential)`, unsupported: false };
      return {
        path: base,
        message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${base ? `${base}.${k}` : k}"`).join(', ')}`,
        unsupported: false,
      };
    }
    return { path: formatPath(issue.path), message: kubernetesWording(issue, kind), unsupported: issue.message.includes(UNSUPPORTED) };
  });
}

/**
 * Zod's generic wording, rephrased the way the Kubernetes API server says the same thing. The
 * value is quoted only when it is a short scalar in a field that holds no credential: a key of the
 * wrong type (`key: [sk-…]`) or a Secret entry that is a mapping must never reach a terminal or a
 * log line by way of its error — the field's path says where to look.
 */
function kubernetesWording(issue: z.core.$ZodIssue, kind: string | undefined): string {
  const input = (issue as { input?: unknown }).input;
  const shown = showValue(input, isSecretField(kind, issue.path));
  if (issue.code === 'invalid_type' && input === undefined) return 'Required value';
  if (issue.code === 'invalid_value') {
    return `Unsupported value: ${shown}: supported values: ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (issue.code === 'invalid_type') return `Invalid value: ${shown}: must be of type ${issue.expected}`;
  if (issue.code === 'too_small' && issue.origin === 'string') return `Invalid value: ${shown}: should be at least ${String(issue.minimum)} chars long`;
  return issue.message;
}

/** Longest value quoted in an error message. */
const MAX_SHOWN_CHARS = 64;

/** Field names that hold credentials, anywhere in any kind; a Secret's `data` and `stringData`, too. */
const SECRET_FIELD = /key|secret|token|password|credential|auth/i;

function isSecretField(kind: string | undefined, path: ReadonlyArray<PropertyKey>): boolean {
  if (kind === 'Secret' && (path[0] === 'data' || path[0] === 'stringData')) return true;
  return path.some((part) => typeof part === 'string' && SECRET_FIELD.test(part));
}

/** A value as an error may show it: a short scalar quoted, anything else (or a secret) by its type alone. */
function showValue(value: unknown, secret: boolean): string {
  const type = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
  if (secret) return `(${type}, not shown)`;
  if (typeof value === 'string') return value.length > MAX_SHOWN_CHARS ? `(a string of ${value.length} chars)` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return `(${type})`;
}

/** Every concrete path in `value` that matches a dotted pattern with `*` for array indices. */
function presentPaths(value: unknown, pattern: string[], prefix = ''): string[] {
  if (pattern.length === 0) return value === undefined ? [] : [prefix];
  if (value === null || typeof value !== 'object') return [];
  const [head, ...rest] = pattern;
  if (head === '*') {
    if (!Array.isArray(value)) return [];
    return value.flatMap((item, i) => presentPaths(item, rest, `${prefix}[${i}]`));
  }
  const next = (value as Record<string, unknown>)[head!];
  return presentPaths(next, rest, prefix ? `${prefix}.${head}` : head!);
}

function ignoredFieldWarnings(kind: Kind, raw: unknown): string[] {
  return (IGNORED_FIELDS[kind] ?? []).flatMap(([pattern, why]) => presentPaths(raw, pattern.split('.')).map((path) => `${path} is ignored: ${why}`));
}

function describe(raw: unknown): { apiVersion?: string; kind?: string; name?: string } {
  if (raw === null || typeof raw !== 'object') return {};
  const o = raw as Record<string, unknown>;
  const meta = o.metadata as Record<string, unknown> | undefined;
  return {
    apiVersion: typeof o.apiVersion === 'string' ? o.apiVersion : undefined,
    kind: typeof o.kind === 'string' ? o.kind : undefined,
    name: typeof meta?.name === 'string' ? meta.name : undefined,
  };
}

export function validateObject(raw: unknown): Validation {
  const { apiVersion, kind, name } = describe(raw);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, issues: [{ path: '', message: 'must be a mapping (a Kubernetes object)', unsupported: false }] };
  }
  if (!kind) return { ok: false, name, issues: [{ path: 'kind', message: 'Required value', unsupported: false }] };
  // Own keys only: `kind: constructor` (or toString, __proto__) must not find Object.prototype's members.
  const schema = Object.hasOwn(SCHEMAS, kind) ? SCHEMAS[kind as Kind] : undefined;
  if (!schema) {
    const verdict = judgeKind(apiVersion, kind);
    if (verdict?.known === false) return { ok: false, kind, name, issues: [{ path: 'kind', message: verdict.message, unsupported: false }] };
    return {
      ok: false,
      kind,
      name,
      issues: [{ path: 'kind', message: `kind ${kind} ${UNSUPPORTED} (supported: ${SUPPORTED_KINDS.join(', ')})`, unsupported: true }],
      skip: verdict?.known ? `modelgate does not serve ${kind} (it serves ${SUPPORTED_KINDS.join(', ')})` : `modelgate serves ${SUPPORTED_KINDS.join(', ')}`,
    };
  }
  const parsed = schema.safeParse(raw, { reportInput: true });
  if (!parsed.success) return { ok: false, kind, name, issues: toIssues(parsed.error, kind) };
  return { ok: true, object: parsed.data, warnings: ignoredFieldWarnings(kind as Kind, raw) };
}

/** `AgentgatewayBackend default/anthropic: spec.ai.groups[0]...: message` */
export function formatIssue(where: { kind?: string; name?: string }, issue: Issue): string {
  const object = [where.kind ?? 'object', where.name].filter(Boolean).join(' ');
  return issue.path ? `${object}: ${issue.path}: ${issue.message}` : `${object}: ${issue.message}`;
}
