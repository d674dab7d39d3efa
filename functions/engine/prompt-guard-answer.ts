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
import { guardStreamRemote } from './prompt-guard-stream-remote.js';
import { describeGuard, type VerdictMemo } from './prompt-guard-remote.js';
import type { GatewayRequest, GatewayResponse } from './types.js';
import type { EngineContext } from './context.js';
import type { CompiledProvider } from '../model/config.js';

/**
 * Each request's guard verdicts, kept as long as the request object lives: failover.ts makes a
 * GuardCall per provider tried, and they share this, so a request guard asks its service once.
 */
const memos = new WeakMap<GatewayRequest, VerdictMemo>();

/** The log event of a failed guard call, by guard kind. */
const FAILURE_EVENT = { webhook: 'prompt_guard_webhook', moderation: 'prompt_guard_moderation', bedrock: 'prompt_guard_bedrock' } as const;

/** The request's side of a guard service call; a failed call is logged (a warning: the guard did not run as configured). Reasons never hold a key. */
export function guardCallFor(ctx: Pick<EngineContext, 'logger'>, req: GatewayRequest, signal: AbortSignal, provider: CompiledProvider): GuardCall {
  let memo = memos.get(req);
  if (!memo) {
    memo = new Map();
    memos.set(req, memo);
  }
  return {
    headers: req.headers,
    signal,
    memo,
    onGuardFailure: (guard, side, reason, failOpen) =>
      ctx.logger.log(
        'warn',
        FAILURE_EVENT[guard.kind],
        `prompt guard ${describeGuard(guard, side)} for ${provider.name} failed: ${reason}; ${failOpen ? 'passed (FailOpen)' : 'rejected (FailClosed)'}`,
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
  return errorResponseFor(api, rejected.status, rejected.message, rejected.type ?? 'invalid_request_error', rejected.code ?? 'prompt_guard', headers);
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
  // Regex guards first (they are local and hold back little), then the guard services, each on what the last let through.
  const regexed = settings.response.some((g) => g.kind === 'regex') ? guardStream(api, body, settings) : body;
  const remote = settings.response.filter((g) => g.kind !== 'regex');
  return { ...result, reply: { ...result.reply, body: remote.length > 0 ? guardStreamRemote(api, regexed, remote, call) : regexed } };
}
