/**
 * Asking a guard service (webhook, OpenAI moderation, Bedrock guardrails) about some texts, and what
 * its verdict means for the request:
 *
 * - Once per request: a failover tries the next provider with the same request, so a request guard
 *   with the same configuration, seeing the same texts, would say the same again. Its verdict is
 *   kept in the request's memo (GuardCall.memo) under the guard's configuration, the side and the
 *   texts, and reused; a provider with another guard configuration (or other texts, after its own
 *   transformations) asks its own.
 * - A failed call: a webhook follows its `failureMode` (FailClosed, the default, answers the
 *   guard's `response`); moderation and Bedrock guards have no failure mode and fail closed as
 *   agentgateway does, with a 503 (agentgateway's PromptWebhookError) in the client API's shape.
 *   Either way the failure is logged once, and the rejection is the guard's, not the provider's.
 */
import { createHash } from 'node:crypto';
import type { RemoteGuard } from '../model/compile-prompt-guard.js';
import { callBedrockGuardrail } from './prompt-guard-bedrock.js';
import { callModeration } from './prompt-guard-moderation.js';
import type { RemoteVerdict } from './prompt-guard-remote-verdict.js';
import { callWebhook, type WebhookText } from './prompt-guard-webhook.js';
import type { GuardCall, GuardRejection } from './prompt-guard.js';

/** Verdicts of request guards already asked during one request (see the module's comment). */
export type VerdictMemo = Map<string, Promise<RemoteVerdict>>;

/** A request holds at most this many remembered verdicts (guards x distinct provider requests); past it, calls are just not remembered. */
const MAX_MEMO_ENTRIES = 64;

/** What the guard's answer means: nothing, masked texts (same count and order), or the rejection to answer with. */
export interface RemoteOutcome {
  rejected?: GuardRejection;
  contents?: string[];
}

/** The rejection of a guard service that could not answer (moderation, Bedrock): agentgateway's 503. */
export function unavailable(side: 'request' | 'response'): GuardRejection {
  return {
    status: 503,
    message:
      side === 'request' ? 'A prompt guard service could not check the request, so it was not sent.' : 'A prompt guard service could not check the answer, so it was withheld.',
    type: 'server_error',
    code: 'prompt_guard_unavailable',
  };
}

export async function askRemoteGuard(guard: RemoteGuard, side: 'request' | 'response', texts: readonly WebhookText[], call: GuardCall): Promise<RemoteOutcome> {
  const key = side === 'request' ? memoKey(guard, texts) : undefined;
  let pending = key !== undefined ? call.memo.get(key) : undefined;
  const fresh = pending === undefined;
  if (!pending) {
    pending = callService(guard, side, texts, call.headers, call.signal);
    if (key !== undefined && call.memo.size < MAX_MEMO_ENTRIES) call.memo.set(key, pending);
  }
  const verdict = await pending;
  switch (verdict.kind) {
    case 'pass':
      return {};
    case 'mask':
      return { contents: verdict.contents };
    case 'reject':
      return { rejected: { status: verdict.status ?? guard.reject.status, message: verdict.message ?? guard.reject.message } };
    case 'failed': {
      const failOpen = guard.kind === 'webhook' && guard.failOpen;
      if (fresh) call.onGuardFailure(guard, side, verdict.reason, failOpen);
      if (failOpen) return {};
      return { rejected: guard.kind === 'webhook' ? guard.reject : unavailable(side) };
    }
  }
}

function callService(guard: RemoteGuard, side: 'request' | 'response', texts: readonly WebhookText[], headers: Readonly<Record<string, string>>, signal: AbortSignal) {
  if (guard.kind === 'webhook') return callWebhook(guard, side, texts, headers, signal);
  const contents = texts.map((t) => t.content);
  return guard.kind === 'moderation' ? callModeration(guard, contents, signal) : callBedrockGuardrail(guard, side, contents, signal);
}

/** The guard's configuration (its key by digest: the key is not enumerable) and the texts, as one short string. */
function memoKey(guard: RemoteGuard, texts: readonly WebhookText[]): string {
  const hash = createHash('sha256').update(JSON.stringify(guard));
  if (guard.kind !== 'webhook' && guard.key) hash.update('\0key\0').update(guard.key.value);
  return hash.update('\0texts\0').update(JSON.stringify(texts)).digest('base64');
}

/** A readable name of the guard for the log: never its key. */
export function describeGuard(guard: RemoteGuard, side: 'request' | 'response'): string {
  if (guard.kind === 'webhook') return `webhook ${guard.url}/${side}`;
  if (guard.kind === 'moderation') return `OpenAI moderation (${guard.model})`;
  return `Bedrock guardrail ${guard.identifier} version ${guard.version} (${guard.region})`;
}
