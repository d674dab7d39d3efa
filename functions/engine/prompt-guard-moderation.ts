/**
 * An `openAIModeration` guard's call: OpenAI's `POST https://api.openai.com/v1/moderations` with the
 * prompt's texts as `input` (agentgateway sends every message's content) and the guard's model.
 * Any result `flagged` rejects with the guard's `response`; otherwise the prompt passes unchanged
 * (moderation never masks).
 */
import type { ModerationGuard } from '../model/compile-prompt-guard.js';
import { isRecord } from '../core/json.js';
import { GuardServiceError, postGuardService, withKey } from './prompt-guard-service-call.js';
import type { RemoteVerdict } from './prompt-guard-remote-verdict.js';

export const OPENAI_MODERATION_URL = 'https://api.openai.com/v1/moderations';

export async function callModeration(guard: ModerationGuard, texts: readonly string[], signal: AbortSignal): Promise<RemoteVerdict> {
  const call = withKey(
    { url: OPENAI_MODERATION_URL, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ input: texts, model: guard.model }) },
    guard.key,
  );
  try {
    const answer = await postGuardService(call, guard.timeoutMs, signal);
    if (!isRecord(answer) || !Array.isArray(answer.results)) throw new GuardServiceError('answer has no results');
    return answer.results.some((r) => isRecord(r) && r.flagged === true) ? { kind: 'reject' } : { kind: 'pass' };
  } catch (error) {
    if (error instanceof GuardServiceError) return { kind: 'failed', reason: error.message };
    throw error;
  }
}
