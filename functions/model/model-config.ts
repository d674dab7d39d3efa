/**
 * AgentgatewayModels as the engine reads them (compile-models.ts builds them): each is matched by
 * the model a client asks for, and serves through ordinary route rules and backends, so a virtual
 * model's failover, eviction and served-by headers are the engine's usual ones.
 */
import type { CompiledTransformation } from './compile-ai-transformations.js';
import type { CompiledRule } from './config.js';

/**
 * A concrete model's `policies.authorization`, read as agentgateway's translator reads it (each
 * `matchExpressions` entry becomes one rule of the action; the traffic policy's authorization reads
 * the same, engine/traffic-authorization.ts): `Allow` admits a request that one expression matches,
 * `Require` one that every expression matches, `Deny` refuses one that any expression matches. An
 * expression that fails to evaluate does not match, so it fails to deny, as agentgateway warns.
 * (The CRD's description says the expressions "must all evaluate to true"; the proxy ORs them.)
 */
export interface ModelAuthorization {
  action: 'Allow' | 'Deny' | 'Require';
  expressions: readonly CompiledTransformation[];
}

export interface ModelRoute {
  /** `conditional` targets: the CEL `when` (evaluated like a transformation, over `request` and `llmRequest`); absent: always. */
  when?: CompiledTransformation;
  rule: CompiledRule;
  /** The authorization of the concrete models behind the rule's providers, by provider id; providers without one are absent. */
  authorization?: ReadonlyMap<string, ModelAuthorization>;
}

export interface CompiledModel {
  /** `namespace/name`. */
  id: string;
  name: string;
  namespace: string;
  /** `match.model`, or the object's name: exact, `prefix-*`, `*-suffix` or `*`. */
  match: string;
  /** `Internal` models are reached only through virtual models: never matched directly, never listed. */
  visibility: 'Public' | 'Internal';
  kind: 'concrete' | 'failover' | 'weighted' | 'conditional';
  /** One route (concrete, failover, weighted), or the conditional targets in order: the first whose `when` holds serves. */
  routes: readonly ModelRoute[];
  /** What GET /v1/models says owns it: the provider kind, or `modelgate` for a virtual model. */
  ownedBy: string;
}
