/**
 * Where the HTTP traffic policies of a rule (`cors`, `headerModifiers`, `directResponse`) meet the
 * request, in agentgateway's order (proxy/httpproxy.rs, apply_request_policies):
 * 1. CORS first, before authentication: a preflight is answered by the gateway;
 * 2. authentication, authorization, rate limits (engine.ts);
 * 3. past them, the direct response, if any, answers without an upstream; the request's
 *    header changes apply to each upstream call (failover.ts -> attempt.ts);
 * 4. on the way out, the response header changes, for any answer from step 3 on (an upstream's,
 *    streamed or not, a gateway error, a direct response; not a preflight or an auth refusal,
 *    which agentgateway answers before it selects them), then the CORS headers over them, on every
 *    answer (a 401 included, so the browser can read it).
 */
import type { CompiledConfig, CompiledRule } from '../model/config.js';
import type { ClientApiSpec } from './client-api.js';
import { corsAnswerHeaders, corsPreflightAnswer, isPreflight } from './cors.js';
import { directAnswer } from './direct-response.js';
import { withHeaderChanges } from './header-modifiers.js';
import type { RequestOutcome } from './outcome.js';
import type { GatewayRequest, GatewayResponse } from './types.js';

/** Requests past the request policies (step 3), by their outcome (one per request). */
const pastRequestPolicies = new WeakSet<RequestOutcome>();

/** Step 1: the answer to a CORS preflight, before authentication. */
export function preflightAnswer(rule: CompiledRule, req: GatewayRequest): GatewayResponse | undefined {
  return rule.http?.cors && corsPreflightAnswer(rule.http.cors, req);
}

/** Step 3: marks the request as past the request policies; the direct response, if the rule has one that applies. */
export function directAnswerPastPolicies(
  rule: CompiledRule,
  req: GatewayRequest,
  api: Pick<ClientApiSpec<unknown>, 'errorBody'>,
  outcome: RequestOutcome,
): GatewayResponse | undefined {
  if (!rule.http) return undefined;
  pastRequestPolicies.add(outcome);
  return rule.http.directResponse && directAnswer(rule.http.directResponse, req, api);
}

/** Step 4: the answer as the client gets it (a new response; `res` is left as the engine logs it). */
export function answerWithHttpTraffic(rule: CompiledRule | undefined, req: GatewayRequest, res: GatewayResponse, outcome: RequestOutcome): GatewayResponse {
  const http = rule?.http;
  if (!http) return res;
  let headers = res.headers;
  if (http.responseHeaders && pastRequestPolicies.has(outcome)) headers = withHeaderChanges(headers, http.responseHeaders);
  // An OPTIONS with an allowed Origin was answered as a preflight, with its own headers.
  const cors = http.cors && req.method !== 'OPTIONS' ? corsAnswerHeaders(http.cors, req) : undefined;
  if (cors) {
    const { vary, ...rest } = cors;
    headers = { ...headers, ...rest };
    if (vary) headers.vary = withVary(headers.vary, vary);
  }
  return headers === res.headers ? res : { ...res, headers };
}

function withVary(current: string | undefined, name: string): string {
  if (!current) return name;
  const names = current.split(',').map((s) => s.trim().toLowerCase());
  return names.includes(name.toLowerCase()) || names.includes('*') ? current : `${current}, ${name}`;
}

/**
 * A preflight on a path no HTTPRoute serves, in a config with AgentgatewayModels: a preflight
 * names no model (it has no body), so it is answered with the CORS policy of the first Public
 * model that has one (the Gateway policies a model is served with), as GET /v1/models is served
 * with the first Public model's rule.
 */
export function preflightModelRule(config: CompiledConfig, req: GatewayRequest): CompiledRule | undefined {
  if (!config.models || !isPreflight(req)) return undefined;
  for (const m of config.models) {
    if (m.visibility !== 'Public') continue;
    const route = m.routes.find((r) => r.rule.http?.cors);
    if (route) return route.rule;
  }
  return undefined;
}

/**
 * The rule's HTTP policies as `/config_dump` shows them: CEL by its source. Request header values
 * are left out (names only): one may carry a credential for a provider without a key of its own.
 */
export function httpTrafficDump(http: NonNullable<CompiledRule['http']>): Record<string, unknown> {
  const { cors, requestHeaders: req, responseHeaders: res, directResponse } = http;
  return {
    ...(cors && {
      cors: {
        origins: cors.origins === 'any' ? ['*'] : cors.origins.map((o) => `${o.scheme}://${o.host}:${o.port}`),
        ...(cors.methods !== undefined && { methods: cors.methods }),
        ...(cors.headers !== undefined && { headers: cors.headers }),
        ...(cors.expose !== undefined && { expose: cors.expose }),
        credentials: cors.credentials,
        maxAge: cors.maxAge,
      },
    }),
    ...(req && { requestHeaders: { add: req.add.map(([n]) => n), set: req.set.map(([n]) => n), remove: [...req.remove] } }),
    ...(res && { responseHeaders: { add: res.add.map(([n, v]) => ({ name: n, value: v })), set: res.set.map(([n, v]) => ({ name: n, value: v })), remove: [...res.remove] } }),
    ...(directResponse && {
      directResponse: directResponse.map((e) => ({
        ...(e.when && { when: e.when.source }),
        status: e.status,
        ...(e.body !== undefined && { body: e.body }),
        ...(e.bodyExpression && { bodyExpression: e.bodyExpression.source }),
        headers: e.headers.map((h) => ({ name: h.name, value: h.value.source })),
      })),
    }),
  };
}
