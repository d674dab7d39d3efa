/**
 * The guards' two hooks in the failover path (failover.ts): on the request before an attempt, and
 * on the answer that will be the client's. A rejection is answered in the client API's error shape,
 * never counted against a provider: the request guard runs before any upstream call, the answer's
 * after the attempt was recorded as the success it was.
 */
import type { PromptGuardSettings } from '../model/compile-prompt-guard.js';
import type { AttemptResult } from './attempt.js';
import { errorResponseFor, type ClientApiSpec } from './client-api.js';
import { guardBufferedAnswer, type GuardCall, type GuardRejection } from './prompt-guard.js';
import { guardStream } from './prompt-guard-stream.js';
import type { GatewayRequest, GatewayResponse } from './types.js';
import type { EngineContext } from './context.js';
import type { CompiledProvider } from '../model/config.js';

/** The request's side of a webhook call; a failed call is logged (a warning: the guard did not run as configured). */
export function guardCallFor(ctx: Pick<EngineContext, 'logger'>, req: GatewayRequest, signal: AbortSignal, provider: CompiledProvider): GuardCall {
  return {
    headers: req.headers,
    signal,
    onWebhookFailure: (guard, side, reason, failOpen) =>
      ctx.logger.log(
        'warn',
        'prompt_guard_webhook',
        `prompt guard webhook ${guard.url}/${side} for ${provider.name} failed: ${reason}; ${failOpen ? 'passed (FailOpen)' : 'rejected (FailClosed)'}`,
        {
          requestId: req.id,
          provider: provider.name,
          reason,
        },
      ),
  };
}

/** The configured rejection (`promptGuard.*[].response`) as the client API's error. */
export function rejectionResponse(api: Pick<ClientApiSpec<unknown>, 'errorBody'>, rejected: GuardRejection, headers: Record<string, string> = {}): GatewayResponse {
  return errorResponseFor(api, rejected.status, rejected.message, 'invalid_request_error', 'prompt_guard', headers);
}

/** The successful attempt's reply with the response guards applied: masked, or replaced by the rejection. */
export async function guardAnswer(
  api: Pick<ClientApiSpec<unknown>, 'name' | 'errorBody' | 'streamError'>,
  result: AttemptResult,
  settings: PromptGuardSettings | undefined,
  call: GuardCall,
): Promise<AttemptResult> {
  if (!settings || settings.response.length === 0 || !result.ok) return result;
  const body = result.reply.body;
  if (typeof body === 'string') {
    const guarded = await guardBufferedAnswer(api.name, body, settings, call);
    if ('body' in guarded) return { ...result, reply: { ...result.reply, body: guarded.body } };
    const res = rejectionResponse(api, guarded.rejected);
    return { ...result, reply: { status: res.status, body: res.body as string, contentType: 'application/json' } };
  }
  // agentgateway leaves streamed answers alone unless `streaming: Enabled`.
  if (!settings.streaming) return result;
  return { ...result, reply: { ...result.reply, body: guardStream(api, body, settings) } };
}
