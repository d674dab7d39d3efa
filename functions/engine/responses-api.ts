/**
 * The OpenAI Responses API (`POST /v1/responses`), buffered and streamed, as a client API of the
 * failover path: parsed and checked at the edge (responses-request.ts), served by each provider
 * through the adapter responses-providers.ts picks (passthrough where the upstream speaks
 * Responses, chat completions otherwise), with OpenAI's error shape. Stateless: nothing is
 * stored, so `GET`/`DELETE /v1/responses/{id}` get a 404 saying so (`storedResponseAnswer`).
 */
import type { AiSettings } from '../model/config.js';
import type { ResponsesInputItem, ResponsesRequest } from '../providers/openai/responses-wire.js';
import { openAIError } from '../providers/shared/error-body.js';
import type { ProviderAdapter } from '../providers/types.js';
import { errorResponseFor, type ClientApiSpec } from './client-api.js';
import { parseResponsesRequest, STATELESS } from './responses-request.js';
import { responsesAdapterFor } from './responses-providers.js';
import type { GatewayRequest, GatewayResponse } from './types.js';

type Prompt = { role: string; content: string };

function promptItem(p: Prompt): ResponsesInputItem {
  const role = p.role === 'assistant' || p.role === 'system' || p.role === 'developer' ? p.role : 'user';
  return { type: 'message', role, content: p.role === 'assistant' ? p.content : [{ type: 'input_text', text: p.content }] };
}

/**
 * `policies.ai` for a Responses request: model aliases, defaults (set when absent), overrides
 * (always set), and prompts as input messages around the client's (a string input becomes its
 * one user message). The client's object is never changed; a copy is made only when a policy applies.
 */
export function applyResponsesAiPolicy(req: ResponsesRequest, ai: AiSettings): ResponsesRequest {
  const alias = req.model !== undefined ? ai.modelAliases?.[req.model] : undefined;
  if (alias === undefined && !ai.defaults && !ai.overrides && !ai.prompt) return req;
  const out: ResponsesRequest = { ...req };
  if (alias !== undefined) out.model = alias;
  for (const { field, value } of ai.defaults ?? []) if (out[field] === undefined) out[field] = value;
  for (const { field, value } of ai.overrides ?? []) out[field] = value;
  if (ai.prompt) {
    const input: ResponsesInputItem[] = typeof req.input === 'string' ? [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: req.input }] }] : req.input;
    out.input = [...ai.prompt.prepend.map(promptItem), ...input, ...ai.prompt.append.map(promptItem)];
  }
  return out;
}

export const responsesApi: ClientApiSpec<ResponsesRequest> = {
  name: 'responses',
  parse: parseResponsesRequest,
  applyAiPolicy: applyResponsesAiPolicy,
  model: (req) => req.model,
  stream: (req) => req.stream === true,
  // `response.completed` always carries usage.
  includeUsage: () => true,
  adapter: (target) => responsesAdapterFor(target) as ProviderAdapter<ResponsesRequest, unknown, unknown>,
  errorBody: (_status, message, type, code, param) => openAIError(message, type, code, param),
  // OpenAI's `error` event: the SDKs raise on it, and no `response.completed` follows. (Its
  // sequence number is unknown here; the SDKs do not read it.)
  streamError: (message, code) => {
    const { error } = openAIError(message, 'upstream_error', code);
    return `event: error\ndata: ${JSON.stringify({ type: 'error', code, message: error.message, param: null, error })}\n\n`;
  },
};

/** `/responses/{id}`, `/responses/{id}/cancel`, `/responses/{id}/input_items`: what a server that stores responses would serve. */
const STORED_RESPONSE_PATH = /\/responses\/([^/]+)(\/cancel|\/input_items)?$/;
/** Paths under `/responses/` that are endpoints, not stored responses. */
const NOT_AN_ID = new Set(['input_tokens', 'compact']);

/**
 * The answer to a request for a stored response (retrieve, delete, cancel, list input items):
 * modelgate stores none, so a 404 in OpenAI's shape that says so. Undefined for other paths.
 */
export function storedResponseAnswer(req: Pick<GatewayRequest, 'path' | 'method'>): GatewayResponse | undefined {
  const match = STORED_RESPONSE_PATH.exec(req.path);
  if (!match || NOT_AN_ID.has(match[1]!)) return undefined;
  const id = match[1]!.slice(0, 128);
  return errorResponseFor(
    responsesApi,
    404,
    `No response with id '${id}' is stored: ${STATELESS}, so there is no response to retrieve, delete, cancel or list the input items of (${req.method.slice(0, 16)} ${req.path.slice(0, 256)}).`,
    'invalid_request_error',
    'response_not_found',
    {},
    'response_id',
  );
}
