/**
 * A provider's AI policy applied to one request, in agentgateway's order: `transformations`
 * (fields computed with CEL over the request), then the API's own policy (aliases, defaults,
 * overrides, prompts: ai-policy.ts), then `finalTransformations`, which therefore win over an
 * override of the same field. The client's object is never changed.
 */
import type { AiSettings } from '../model/config.js';
import { toCel, type CompiledTransformation } from '../model/compile-ai-transformations.js';
import type { ClientApiSpec } from './client-api.js';
import type { GatewayRequest } from './types.js';

export function applyProviderPolicy<Req>(api: ClientApiSpec<Req>, parsed: Req, ai: AiSettings, req: GatewayRequest): Req {
  const transformed = ai.transformations ? applyTransformations(parsed, ai.transformations, req) : parsed;
  const applied = api.applyAiPolicy(transformed, ai);
  return ai.finalTransformations ? applyTransformations(applied, ai.finalTransformations, req) : applied;
}

/**
 * Each transformation in order, each seeing the body as the ones before it left it (agentgateway:
 * "evaluated against the current request body"). An expression that fails to evaluate (a field the
 * request lacks, a header that is not a number) leaves its field as it was, as a failed condition
 * counts as false. The body is turned into CEL values once; each result joins both copies.
 */
export function applyTransformations<Req>(body: Req, transformations: readonly CompiledTransformation[], req: GatewayRequest): Req {
  const out = { ...(body as Record<string, unknown>) };
  const llmRequest = toCel(out) as Record<string, unknown>;
  const request = { method: req.method, path: req.path, host: req.headers.host ?? '', headers: { ...req.headers } };
  for (const t of transformations) {
    const value = t.evaluate({ request, llmRequest });
    if (value === undefined) continue;
    // defineProperty: a field named __proto__ is a field, never the object's prototype.
    Object.defineProperty(out, t.field, { value, enumerable: true, writable: true, configurable: true });
    Object.defineProperty(llmRequest, t.field, { value: toCel(value), enumerable: true, writable: true, configurable: true });
  }
  return out as Req;
}
