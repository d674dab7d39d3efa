/**
 * `traffic.directResponse`: the gateway answers with the configured status, body and headers, and
 * no upstream is called. In the conditional form the first entry whose condition holds answers (an
 * entry without one is the last, the fallback); when none holds, the request goes on as usual.
 * As in agentgateway: a body expression's string (or bytes) is the body as it is, any other value
 * its JSON; a header expression that fails, or is not a string, sets no header; the answer has no
 * Content-Type unless a header sets one.
 */
import { fromCel } from '../model/compile-ai-transformations.js';
import type { CompiledDirectResponse, DirectAnswer, RequestView } from '../model/compile-direct-response.js';
import { errorResponseFor, type ClientApiSpec } from './client-api.js';
import type { GatewayRequest, GatewayResponse } from './types.js';

/** What Node sends in a header value: tab, visible ASCII, space, Latin-1; a value with anything else is not set. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** The direct answer to `req`, or undefined when the policy's conditions all fail. */
export function directAnswer(policy: CompiledDirectResponse, req: GatewayRequest, api: Pick<ClientApiSpec<unknown>, 'errorBody'>): GatewayResponse | undefined {
  const view: RequestView = { method: req.method, path: req.path, host: req.headers.host ?? '', headers: req.headers };
  const entry = policy.find((e) => !e.when || e.when.evaluate(view) === true);
  return entry && answer(entry, view, api);
}

function answer(entry: DirectAnswer, view: RequestView, api: Pick<ClientApiSpec<unknown>, 'errorBody'>): GatewayResponse {
  let body = entry.body ?? '';
  if (entry.bodyExpression) {
    const value = entry.bodyExpression.evaluate(view);
    // agentgateway answers a body that cannot be computed with an error, not with an empty 200.
    if (value === undefined) return errorResponseFor(api, 500, 'The gateway could not compute its direct response body.', 'server_error', 'direct_response_failed');
    body = typeof value === 'string' ? value : value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : JSON.stringify(fromCel(value));
  }
  const headers: Record<string, string> = {};
  for (const { name, value } of entry.headers) {
    const v = value.evaluate(view);
    const text = typeof v === 'string' ? v : v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : undefined;
    if (text !== undefined && HEADER_VALUE.test(text)) headers[name] = text;
  }
  return { status: entry.status, headers, body };
}
