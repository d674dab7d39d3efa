/**
 * A webhook guard's call: agentgateway's (and Gloo AI Gateway's) guardrail webhook API. The prompt
 * goes as `POST <url>/request` with `{"body":{"messages":[{"role","content"}]}}`, an answer as
 * `POST <url>/response` with `{"body":{"choices":[{"message":{"role","content"}}]}}`. The webhook
 * answers `{"action":{...}}`: a pass (`{}` or just `reason`), a mask (`body` with the same number
 * of messages or choices, their content rewritten), or a reject (`body`: the message for the
 * client, `status_code`; on an answer too, as agentgateway's ResponseAction has it). The call is bounded: WEBHOOK_TIMEOUT_MS (and the request's own
 * deadline), and at most MAX_WEBHOOK_ANSWER_BYTES of answer read.
 */
import type { WebhookGuard } from '../model/compile-prompt-guard.js';
import { isRecord } from '../core/json.js';
import type { RemoteVerdict } from './prompt-guard-remote-verdict.js';

export const WEBHOOK_TIMEOUT_MS = 5_000;
export const MAX_WEBHOOK_ANSWER_BYTES = 1024 * 1024;

export interface WebhookText {
  role: string;
  content: string;
}

/** The webhook's verdict: pass, the texts masked (same count, same order), reject (with its status and message), or the call failed (with why, for the log). */
export type WebhookVerdict = RemoteVerdict;

/** Thrown inside the call for an answer that breaks the protocol; becomes a `failed` verdict. */
class WebhookProtocolError extends Error {}

export async function callWebhook(
  guard: WebhookGuard,
  side: 'request' | 'response',
  texts: readonly WebhookText[],
  clientHeaders: Readonly<Record<string, string>>,
  signal: AbortSignal,
): Promise<WebhookVerdict> {
  const body = side === 'request' ? { body: { messages: texts } } : { body: { choices: texts.map((t) => ({ message: t })) } };
  try {
    const res = await fetch(`${guard.url}/${side}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...forwardedHeaders(guard, clientHeaders) },
      body: JSON.stringify(body),
      signal: AbortSignal.any([signal, AbortSignal.timeout(WEBHOOK_TIMEOUT_MS)]),
      redirect: 'error',
    });
    const text = await readBounded(res);
    if (!res.ok) throw new WebhookProtocolError(`answered ${res.status}`);
    return verdictOf(JSON.parse(text) as unknown, side, texts.length);
  } catch (error) {
    const reason =
      error instanceof WebhookProtocolError || error instanceof SyntaxError
        ? error.message
        : (error as Error).name === 'TimeoutError'
          ? 'timed out'
          : `unreachable (${(error as Error).message})`;
    return { kind: 'failed', reason: reason.slice(0, 200) };
  }
}

/** The client's headers that `forwardHeaderMatches` selects. */
function forwardedHeaders(guard: WebhookGuard, clientHeaders: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of guard.forwardHeaders) {
    const value = clientHeaders[m.name];
    if (value === undefined || m.name in out) continue;
    if (m.exact !== undefined ? value === m.exact : m.re!.matcher(value).find()) out[m.name] = value;
  }
  return out;
}

async function readBounded(res: Response): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_WEBHOOK_ANSWER_BYTES) {
      await res.body.cancel().catch(() => undefined);
      throw new WebhookProtocolError(`answer larger than ${MAX_WEBHOOK_ANSWER_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function verdictOf(answer: unknown, side: 'request' | 'response', count: number): WebhookVerdict {
  if (!isRecord(answer) || !isRecord(answer.action)) throw new WebhookProtocolError('answer has no action object');
  const action = answer.action;
  if (typeof action.body === 'string' && typeof action.status_code === 'number') {
    const status = Number.isInteger(action.status_code) && action.status_code >= 200 && action.status_code <= 599 ? action.status_code : 403;
    return { kind: 'reject', status, message: action.body.slice(0, 4096) };
  }
  if (action.body === undefined) return { kind: 'pass' };
  if (!isRecord(action.body)) throw new WebhookProtocolError('mask body is not an object');
  const items = side === 'request' ? action.body.messages : action.body.choices;
  if (!Array.isArray(items) || items.length !== count) throw new WebhookProtocolError(`mask body must have ${count} ${side === 'request' ? 'messages' : 'choices'}`);
  const contents = items.map((item: unknown) => {
    const message = side === 'request' ? item : isRecord(item) ? item.message : undefined;
    if (!isRecord(message) || typeof message.content !== 'string') throw new WebhookProtocolError('mask body has an entry without string content');
    return message.content;
  });
  return { kind: 'mask', contents };
}
