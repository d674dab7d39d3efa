/**
 * Routing by the requested model (AgentgatewayModel): a request to one of the client APIs whose
 * body names a model that a Public model's `match.model` matches is served by that model's rule,
 * before any HTTPRoute is looked at. The model is read with the API's own parser (the one the
 * request is served with), so what is matched is what the client asked for. Precedence: an exact
 * name, then the wildcard with the longest fixed part (`gpt-4o-*` before `gpt-*`), then `*`; among
 * equals, config order. A conditional model serves through its first target whose `when` holds;
 * when none holds the model does not match, and HTTPRoutes decide.
 */
import { toCel } from '../model/compile-ai-transformations.js';
import type { CompiledConfig, CompiledProvider, CompiledRule } from '../model/config.js';
import type { CompiledModel, ModelAuthorization } from '../model/model-config.js';
import type { ClientApiSpec } from './client-api.js';
import { BadRequest } from './errors.js';
import { endpointOf } from './endpoints.js';
import { findRule } from './route.js';
import type { GatewayRequest } from './types.js';

/** Larger bodies are answered 413 by dispatch; they are not parsed here. */
const MAX_PARSED_BODY = 6 * 1024 * 1024;

/** The rule a model serves the request with, and the body as the API's parser read it (dispatch reuses it). */
export interface ModelRouting {
  rule: CompiledRule;
  parsed: { api: ClientApiSpec<unknown>; value: unknown };
}

export function findModelRule(config: CompiledConfig, req: GatewayRequest): ModelRouting | undefined {
  const models = config.models;
  if (!models || models.length === 0) return undefined;
  const endpoint = endpointOf(req.path);
  if (!endpoint?.api || req.method !== endpoint.method || req.body.length > MAX_PARSED_BODY) return undefined;
  let parsed: unknown;
  try {
    parsed = endpoint.api.parse(req.body);
  } catch (error) {
    // A body the API refuses: the HTTPRoute that serves the path answers it, as without models;
    // with none, the parser's 400 (in the API's shape, from the engine) says what to fix, not a 404.
    if (findRule(config, req)) return undefined;
    throw error;
  }
  const asked = endpoint.api.model(parsed);
  if (asked === undefined) return undefined;
  const model = matchingModel(models, asked);
  const rule = model && routeOf(model, req, parsed);
  return rule && { rule, parsed: { api: endpoint.api, value: parsed } };
}

/** The Public model that serves `asked`, by the precedence above. */
export function matchingModel(models: readonly CompiledModel[], asked: string): CompiledModel | undefined {
  let best: CompiledModel | undefined;
  let bestRank = -1;
  for (const m of models) {
    if (m.visibility !== 'Public') continue;
    const rank = matchRank(m.match, asked);
    if (rank > bestRank) {
      best = m;
      bestRank = rank;
    }
  }
  return best;
}

/** -1: no match; an exact name outranks every wildcard; a wildcard ranks by its fixed part's length. */
function matchRank(pattern: string, asked: string): number {
  if (!pattern.includes('*')) return pattern === asked ? Number.MAX_SAFE_INTEGER : -1;
  if (pattern === '*') return 0;
  const fixed = pattern.replace('*', '');
  const ok = pattern.startsWith('*') ? asked.endsWith(fixed) : asked.startsWith(fixed);
  return ok ? fixed.length : -1;
}

function routeOf(model: CompiledModel, req: GatewayRequest, parsed: unknown): CompiledRule | undefined {
  const only = model.routes.length === 1 && !model.routes[0]!.when ? model.routes[0] : undefined;
  if (only && !only.authorization) return only.rule;
  const input = {
    request: { method: req.method, path: req.path, host: req.headers.host ?? '', headers: { ...req.headers } },
    llmRequest: toCel(parsed) as Record<string, unknown>,
  };
  // A `when` that fails to evaluate (a field the body lacks) does not hold, as a failed condition is false.
  const route = only ?? model.routes.find((r) => !r.when || r.when.evaluate(input) === true);
  if (!route) return undefined;
  return route.authorization ? authorizedRule(route.rule, route.authorization, input) : route.rule;
}

type AuthInput = Parameters<ModelAuthorization['expressions'][number]['evaluate']>[0];

/** Whether a concrete model's `policies.authorization` admits the request (model-config.ts says how each action reads). */
function admits(auth: ModelAuthorization, input: AuthInput): boolean {
  const holds = (e: ModelAuthorization['expressions'][number]) => e.evaluate(input) === true;
  if (auth.action === 'Require') return auth.expressions.every(holds);
  const any = auth.expressions.some(holds);
  return auth.action === 'Deny' ? !any : any;
}

/**
 * The rule without the providers whose concrete model's authorization refuses this request: a
 * virtual model fails over only among targets the client may use. None left: 403 in the client
 * API's shape (the engine answers a thrown BadRequest), before any upstream call.
 */
function authorizedRule(rule: CompiledRule, authorization: ReadonlyMap<string, ModelAuthorization>, input: AuthInput): CompiledRule {
  const allowed = (p: CompiledProvider) => {
    const auth = authorization.get(p.id);
    return !auth || admits(auth, input);
  };
  if (rule.backends.every(({ backend }) => backend.providers.every(allowed))) return rule;
  const backends = rule.backends.flatMap(({ backend, weight }) => {
    const groups = backend.groups.map((g) => g.filter(allowed)).filter((g) => g.length > 0);
    return groups.length > 0 ? [{ backend: { ...backend, groups, providers: groups.flat() }, weight }] : [];
  });
  if (backends.length === 0) throw new BadRequest('This model is not available to this request (its authorization policy does not allow it).', undefined, 403, 'permission_denied');
  return { ...rule, backends };
}

/**
 * GET /v1/models on a config with models and no HTTPRoute that serves the path: answered with the
 * rule of the first Public model, so the Gateway's client keys guard the list as they guard the models.
 */
export function modelListRule(config: CompiledConfig, req: GatewayRequest): CompiledRule | undefined {
  const endpoint = endpointOf(req.path);
  if (!config.models || !endpoint || endpoint.api || req.method !== endpoint.method) return undefined;
  return config.models.find((m) => m.visibility === 'Public' && m.routes.length > 0)?.routes[0]?.rule;
}
