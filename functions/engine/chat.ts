/** `POST .../chat/completions`: an OpenAI chat completions request, through the failover path. */
import type { CompiledRule } from '../model/config.js';
import { chatApi } from './client-api.js';
import type { EngineContext } from './context.js';
import { handleApiRequest } from './failover.js';
import type { RequestOutcome } from './outcome.js';
import type { GatewayRequest, GatewayResponse } from './types.js';

export { SERVED_BY } from './failover.js';

export function handleChat(ctx: EngineContext, req: GatewayRequest, rule: CompiledRule, outcome: RequestOutcome): Promise<GatewayResponse> {
  return handleApiRequest(chatApi, ctx, req, rule, outcome);
}
