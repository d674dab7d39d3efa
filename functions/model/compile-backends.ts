/**
 * AgentgatewayBackend -> CompiledBackend: its providers in priority groups, each with the
 * backend policies that apply to it merged in agentgateway's order (attached policies, the
 * backend's own, the provider's own), its target, key, health and AI settings.
 */
import { parseDuration } from '../core/duration.js';
import { compileCondition, CelSyntaxError } from './cel.js';
import { compileAiRoutes, compileTransformations } from './compile-ai-transformations.js';
import type { AiSettings, CompiledBackend, CompiledProvider, HealthSettings } from './config.js';
import { compilePromptGuard } from './compile-prompt-guard.js';
import type { BackendObject, NamedProviderSpec, SingleProviderSpec } from './schema/backend.js';
import type { AiPolicySpec, BackendPolicies, HealthSpec } from './schema/policies.js';
import type { PolicyObject } from './schema/policy.js';
import type { ProviderTarget } from '../core/provider-target.js';
import { describeObject, idOf, ns } from './compile-objects.js';
import type { SecretSource } from './compile-secrets.js';
import { compileBackendAuth } from './compile-backend-auth.js';
import { kindOf, kindTarget } from './compile-targets.js';
import { embeddingSpaceWarnings } from './embedding-spaces.js';
import { compileHedging } from './compile-hedging.js';

/** Backend policy fields merged as wholes: a more specific `health` replaces a less specific one. */
const BACKEND_POLICY_FIELDS = ['ai', 'auth', 'health', 'http', 'tcp'] as const;
type PolicyLayer = Partial<Pick<BackendPolicies, (typeof BACKEND_POLICY_FIELDS)[number]>>;

export function compileBackend(
  backend: BackendObject,
  policies: readonly PolicyObject[],
  secrets: SecretSource,
  problems: string[],
  warnings: string[],
): CompiledBackend | undefined {
  const where = describeObject(backend);
  const ai = backend.spec.ai;
  if (!ai) return undefined; // only AI backends exist past validation; kept for type narrowing

  // A single `provider` is a group of one, named after the backend (agentgateway calls it
  // `backend` internally; the backend's own name reads better in logs and served-by headers).
  const groups: Array<Array<{ spec: NamedProviderSpec | SingleProviderSpec; name: string; path: string }>> = ai.provider
    ? [[{ spec: ai.provider, name: backend.metadata.name, path: 'spec.ai.provider' }]]
    : (ai.groups ?? []).map((g, gi) => g.providers.map((p, pi) => ({ spec: p, name: p.name, path: `spec.ai.groups[${gi}].providers[${pi}]` })));

  const compiledGroups = groups.map((group, gi) =>
    group.map(({ spec, name, path }) => {
      const providerPolicies = 'policies' in spec ? spec.policies : undefined;
      const layers: SourcedLayer[] = [
        ...attachedBackendPolicies(policies, backend, undefined),
        ...attachedBackendPolicies(policies, backend, name),
        { layer: backend.spec.policies ?? {}, at: `${where}: spec.policies` },
        { layer: providerPolicies ?? {}, at: `${where}: ${path}.policies` },
      ];
      return compileProvider({ backend, spec, name, group: gi, layers, secrets, problems, warnings, where: `${where}: ${path}` });
    }),
  );
  const providers = compiledGroups.flat();
  // The path is mapped before a provider is chosen, so the first provider's `ai.routes` decide (engine/transformations.ts).
  if (new Set(providers.map((p) => JSON.stringify(p.ai.routes ?? null))).size > 1) {
    warnings.push(`${where}: providers have different ai.routes; requests to this backend use those of provider ${providers.find((p) => p.ai.routes)?.name}`);
  }
  const hedging = compileHedging(backend.metadata.annotations, where, problems);
  const compiled: CompiledBackend = { id: idOf(backend), name: backend.metadata.name, namespace: ns(backend), groups: compiledGroups, providers, ...(hedging && { hedging }) };
  // Embedding models that disagree serve /v1/embeddings from one of them only: said at load (embedding-spaces.ts).
  warnings.push(...embeddingSpaceWarnings(compiled));
  return compiled;
}

/**
 * One layer of backend policy and where it was written (`<object>: <path of the block>`), so a
 * problem in a merged field (a missing Secret, bad CEL) names the object and field that set it.
 */
interface SourcedLayer {
  layer: PolicyLayer;
  at: string;
}

/** `spec.backend` of the AgentgatewayPolicies that target this backend (and, with `section`, this provider). */
function attachedBackendPolicies(policies: readonly PolicyObject[], backend: BackendObject, section: string | undefined): SourcedLayer[] {
  return (
    policies
      .filter((p) => p.spec.backend && ns(p) === ns(backend))
      .filter((p) => (p.spec.targetRefs ?? []).some((r) => r.kind === 'AgentgatewayBackend' && r.name === backend.metadata.name && r.sectionName === section))
      // Gateway API conflict rule: the oldest policy wins, then the alphabetically first. Manifests carry
      // no creation time, so names decide; layers merge with later entries overriding, hence reversed.
      .reverse()
      .map((p) => ({ layer: p.spec.backend as PolicyLayer, at: `${describeObject(p)}: spec.backend` }))
  );
}

/** The merged policy, and for each field the `at` of the layer it came from. */
function mergeLayers(layers: readonly SourcedLayer[]): { merged: PolicyLayer; from: Partial<Record<(typeof BACKEND_POLICY_FIELDS)[number], string>> } {
  const merged: PolicyLayer = {};
  const from: Partial<Record<(typeof BACKEND_POLICY_FIELDS)[number], string>> = {};
  for (const { layer, at } of layers) {
    for (const field of BACKEND_POLICY_FIELDS) {
      if (layer[field] !== undefined) {
        (merged as Record<string, unknown>)[field] = layer[field];
        from[field] = at;
      }
    }
  }
  return { merged, from };
}

interface ProviderInput {
  backend: BackendObject;
  spec: NamedProviderSpec | SingleProviderSpec;
  name: string;
  group: number;
  layers: SourcedLayer[];
  secrets: SecretSource;
  problems: string[];
  warnings: string[];
  /** `<object>: <path of the provider>`, for messages. */
  where: string;
}

function compileProvider(input: ProviderInput): CompiledProvider {
  const { backend, spec, name, group, secrets, problems, warnings, where } = input;
  const { merged: policy, from } = mergeLayers(input.layers);
  const kind = kindOf(spec);
  const target: ProviderTarget = { name, kind, ...kindTarget(spec, kind, where, warnings) };
  // A key, or a credential minted per request (gcp, azure), signed with (aws) or taken from the client (passthrough): compile-backend-auth.ts.
  const auth = compileBackendAuth({ auth: policy.auth, kind, namespace: ns(backend), where: `${from.auth}.auth`, provider: name, secrets, problems, warnings });
  if (auth.apiKey !== undefined) target.apiKey = auth.apiKey;
  if (auth.credential) target.credential = auth.credential;
  if (kind === 'vertexai' && !policy.auth) {
    warnings.push(
      `${where}: vertexai provider ${name} has no auth: Vertex AI needs an OAuth access token (policies.auth.gcp mints one from a service-account key or application default credentials)`,
    );
  }

  const requestTimeoutMs = policy.http?.requestTimeout ? parseDuration(policy.http.requestTimeout) : undefined;
  const connectTimeoutMs = policy.tcp?.connectTimeout ? parseDuration(policy.tcp.connectTimeout) : undefined;
  return {
    id: `${idOf(backend)}/${name}`,
    name,
    backendId: idOf(backend),
    group,
    target,
    health: compileHealth(policy.health, `${from.health}.health.unhealthyCondition`, problems),
    ai: compileAi(policy.ai, `${from.ai}.ai`, problems, ns(backend), secrets),
    ...(requestTimeoutMs !== undefined && { requestTimeoutMs }),
    ...(connectTimeoutMs !== undefined && { connectTimeoutMs }),
  };
}

export function compileHealth(health: HealthSpec | undefined, where: string, problems: string[]): HealthSettings {
  const out: HealthSettings = {};
  if (health?.unhealthyCondition !== undefined) {
    try {
      out.condition = compileCondition(health.unhealthyCondition);
    } catch (error) {
      if (!(error instanceof CelSyntaxError)) throw error;
      problems.push(`${where}: ${error.message}`);
    }
  }
  const ev = health?.eviction;
  if (ev) {
    out.eviction = {
      ...(ev.duration !== undefined && { durationMs: parseDuration(ev.duration)! }),
      ...(ev.consecutiveFailures !== undefined && { consecutiveFailures: ev.consecutiveFailures }),
      ...(ev.healthThreshold !== undefined && { healthThreshold: ev.healthThreshold / 100 }),
      ...(ev.restoreHealth !== undefined && { restoreHealth: ev.restoreHealth / 100 }),
    };
  }
  return out;
}

function compileAi(ai: AiPolicySpec | undefined, where: string, problems: string[], namespace?: string, secrets?: SecretSource): AiSettings {
  if (!ai) return {};
  const transformations = compileTransformations(ai.transformations, `${where}.transformations`, problems);
  const finalTransformations = compileTransformations(ai.finalTransformations, `${where}.finalTransformations`, problems);
  const routes = compileAiRoutes(ai.routes, `${where}.routes`, problems);
  const promptGuard = compilePromptGuard(ai.promptGuard, `${where}.promptGuard`, problems, namespace, secrets);
  return {
    ...(promptGuard && { promptGuard }),
    ...(transformations && { transformations }),
    ...(finalTransformations && { finalTransformations }),
    ...(routes && { routes }),
    ...(ai.modelAliases && { modelAliases: ai.modelAliases }),
    ...(ai.overrides && { overrides: ai.overrides }),
    ...(ai.defaults && { defaults: ai.defaults }),
    ...(ai.prompt && { prompt: { prepend: ai.prompt.prepend ?? [], append: ai.prompt.append ?? [] } }),
  };
}
