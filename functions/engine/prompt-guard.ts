/**
 * `ai.promptGuard` guards on a request's prompt and a buffered answer: a regex `Reject` guard that
 * matches ends the request with its configured status and message (in the client API's error
 * shape), a `Mask` guard replaces each match with its placeholder (`<SSN>`, `<EMAIL_ADDRESS>`, ...);
 * guard services (webhook, OpenAI moderation, Bedrock guardrails: prompt-guard-remote.ts) pass,
 * mask or reject. Guards run in list order; a rejection is the guard's answer, not a provider
 * failure (failover.ts returns it without failover or eviction). Streamed answers:
 * prompt-guard-stream.ts and prompt-guard-stream-remote.ts.
 */
import type { Guard, PromptGuardSettings, RegexGuard, RemoteGuard } from '../model/compile-prompt-guard.js';
import type { ClientApiName } from './client-api.js';
import { mapAnswerText, mapRequestText, type PromptPart } from './prompt-guard-text.js';
import { askRemoteGuard, type VerdictMemo } from './prompt-guard-remote.js';
import type { WebhookText } from './prompt-guard-webhook.js';

export interface GuardRejection {
  status: number;
  message: string;
  /** The error's `type` and `code` in the client API's shape; by default `invalid_request_error` / `prompt_guard`. */
  type?: string;
  code?: string;
}

export interface Span {
  start: number;
  end: number;
}

/** Non-empty matches of `guard`'s patterns in `text`, pattern by pattern, each left to right. Linear time (RE2). */
export function matchSpans(guard: RegexGuard, text: string): Span[] {
  const spans: Span[] = [];
  for (const { re } of guard.patterns) {
    const m = re.matcher(text);
    while (m.find()) if (m.end() > m.start()) spans.push({ start: m.start(), end: m.end() });
  }
  return spans;
}

/** `text` with every match of `guard` replaced by its pattern's placeholder (patterns in order, each on the result of the last). */
export function maskWith(guard: RegexGuard, text: string): string {
  let out = text;
  for (const { re, placeholder } of guard.patterns) {
    const m = re.matcher(out);
    let masked = '';
    let from = 0;
    while (m.find()) {
      if (m.end() === m.start()) continue;
      masked += out.slice(from, m.start()) + placeholder;
      from = m.end();
    }
    out = from === 0 ? out : masked + out.slice(from);
  }
  return out;
}

/**
 * Runs the regex `guards` on one text: the first Reject guard that matches rejects; Mask guards
 * mask. `part` limits request guards to their scope; answers pass none.
 */
export function applyGuards(guards: readonly Guard[], text: string, part?: PromptPart): { text: string; rejected?: RegexGuard } {
  let out = text;
  for (const guard of guards) {
    if (guard.kind !== 'regex' || (part !== undefined && !inScope(guard, part))) continue;
    if (guard.action === 'Reject') {
      if (matchSpans(guard, out).length > 0) return { text: out, rejected: guard };
    } else out = maskWith(guard, out);
  }
  return { text: out };
}

/**
 * What a guard service call needs from the request: the client's headers (for a webhook's
 * `forwardHeaderMatches`), its deadline, the verdicts already given during this request (one per
 * guard and texts, shared by the providers a failover tries), and where to report a failed call.
 */
export interface GuardCall {
  headers: Readonly<Record<string, string>>;
  signal: AbortSignal;
  memo: VerdictMemo;
  onGuardFailure(guard: RemoteGuard, side: 'request' | 'response', reason: string, failOpen: boolean): void;
}

/** Visits every text of a request or answer with a function that may rewrite it (prompt-guard-text.ts). */
type Visit = (fn: (text: string, part: PromptPart, role: string) => string) => void;

const inScope = (guard: Guard, part: PromptPart) => (part === 'system' ? guard.systemPrompt : guard.messages);

/** One guard over every text `visit` reaches: its rejection, and whether a text changed. */
async function runGuard(guard: Guard, visit: Visit, side: 'request' | 'response', call: GuardCall): Promise<{ rejected?: GuardRejection; changed: boolean }> {
  let changed = false;
  if (guard.kind === 'regex') {
    let rejected = false;
    visit((text, part) => {
      if (rejected || (side === 'request' && !inScope(guard, part))) return text;
      const result = applyGuards([guard], text);
      rejected = result.rejected !== undefined;
      if (result.text !== text) changed = true;
      return result.text;
    });
    return rejected ? { rejected: guard.reject, changed } : { changed };
  }
  const texts: WebhookText[] = [];
  visit((text, part, role) => {
    if (side === 'response' || inScope(guard, part)) texts.push({ role, content: text });
    return text;
  });
  if (texts.length === 0) return { changed };
  const outcome = await askRemoteGuard(guard, side, texts, call);
  if (outcome.rejected) return { rejected: outcome.rejected, changed };
  const contents = outcome.contents;
  if (contents) {
    let i = 0;
    visit((text, part) => {
      if (side === 'request' && !inScope(guard, part)) return text;
      const masked = contents[i++]!;
      if (masked !== text) changed = true;
      return masked;
    });
  }
  return { changed };
}

/**
 * The request guards on `req`, in order: the request to send (a masked copy, or `req` itself when
 * nothing changed), or the rejection to answer with. The client's object is never changed.
 */
export async function guardRequest<Req>(
  api: ClientApiName,
  req: Req,
  settings: PromptGuardSettings | undefined,
  call: GuardCall,
): Promise<{ request: Req } | { rejected: GuardRejection }> {
  if (!settings || settings.request.length === 0) return { request: req };
  const copy = structuredClone(req) as Record<string, unknown>;
  let changed = false;
  for (const guard of settings.request) {
    const result = await runGuard(guard, (fn) => mapRequestText(api, copy, fn), 'request', call);
    if (result.rejected) return { rejected: result.rejected };
    changed ||= result.changed;
  }
  return { request: changed ? (copy as Req) : req };
}

/** The response guards on a buffered answer's JSON body: the body to send, or the rejection. A body that is not JSON is passed as is. */
export async function guardBufferedAnswer(
  api: ClientApiName,
  body: string,
  settings: PromptGuardSettings,
  call: GuardCall,
): Promise<{ body: string } | { rejected: GuardRejection }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { body };
  }
  if (typeof parsed !== 'object' || parsed === null) return { body };
  let changed = false;
  for (const guard of settings.response) {
    const result = await runGuard(guard, (fn) => mapAnswerText(api, parsed as Record<string, unknown>, (text) => fn(text, 'messages', 'assistant')), 'response', call);
    if (result.rejected) return { rejected: result.rejected };
    changed ||= result.changed;
  }
  return { body: changed ? JSON.stringify(parsed) : body };
}
