/**
 * `POST .../messages`: an Anthropic Messages request, through the same failover path as chat
 * completions — passed straight through to Anthropic providers, translated for the others — with
 * the same served-by headers, and errors in Anthropic's shape.
 */
import type { CompiledRule } from '../model/config.js';
import { messagesApi } from './client-api.js';
import type { EngineContext } from './context.js';
import { handleApiRequest } from './failover.js';
import type { RequestOutcome } from './outcome.js';
import type { GatewayRequest, GatewayResponse } from './types.js';

export function handleMessages(ctx: EngineContext, req: GatewayRequest, rule: CompiledRule, outcome: RequestOutcome): Promise<GatewayResponse> {
  return handleApiRequest(messagesApi, ctx, req, rule, outcome);
}
