/**
 * `policies.ai` applied to a chat request before it is translated for a provider: model aliases,
 * defaults (set when absent), overrides (always set), and prompts prepended / appended. The
 * client's object is never changed; a copy is made only when a policy applies.
 */
import type { AiSettings } from '../model/config.js';
import type { MessagesApiBlock, MessagesApiMessage, MessagesApiRequest } from '../providers/anthropic/wire.js';
import type { ChatCompletionRequest, ChatMessage, ChatRole } from '../providers/openai/wire.js';

type Prompt = { role: string; content: string };

/**
 * What both APIs share: aliases, defaults and overrides on a copy, or the request itself when no
 * policy applies. The prompts differ per API and are left to `withPrompts`.
 */
function applyFields<T extends { model?: string | undefined; [field: string]: unknown }>(
  req: T,
  ai: AiSettings,
  withPrompts: (out: T, prompt: { prepend: readonly Prompt[]; append: readonly Prompt[] }) => void,
): T {
  const alias = req.model !== undefined ? ai.modelAliases?.[req.model] : undefined;
  if (alias === undefined && !ai.defaults && !ai.overrides && !ai.prompt) return req;
  const out: T = { ...req };
  if (alias !== undefined) out.model = alias;
  for (const { field, value } of ai.defaults ?? []) if (out[field] === undefined) (out as Record<string, unknown>)[field] = value;
  for (const { field, value } of ai.overrides ?? []) (out as Record<string, unknown>)[field] = value;
  if (ai.prompt) withPrompts(out, ai.prompt);
  return out;
}

export function applyAiPolicy(req: ChatCompletionRequest, ai: AiSettings): ChatCompletionRequest {
  return applyFields(req, ai, (out, prompt) => {
    const toMessage = (m: Prompt): ChatMessage => ({ role: m.role as ChatRole, content: m.content });
    out.messages = [...prompt.prepend.map(toMessage), ...req.messages, ...prompt.append.map(toMessage)];
  });
}

/**
 * The same policy for an Anthropic Messages request. Prompts with the `system` role join the
 * request's `system` prompt (Messages has no system turns); the others become turns.
 */
export function applyMessagesAiPolicy(req: MessagesApiRequest, ai: AiSettings): MessagesApiRequest {
  return applyFields(req, ai, (out, prompt) => {
    const turns = (prompts: readonly Prompt[]): MessagesApiMessage[] =>
      prompts.filter((p) => p.role !== 'system').map((p) => ({ role: p.role === 'assistant' ? 'assistant' : 'user', content: p.content }));
    const systemOf = (prompts: readonly Prompt[]): MessagesApiBlock[] => prompts.filter((p) => p.role === 'system').map((p) => ({ type: 'text', text: p.content }));
    const before = systemOf(prompt.prepend);
    const after = systemOf(prompt.append);
    if (before.length > 0 || after.length > 0) {
      const current: MessagesApiBlock[] = typeof req.system === 'string' ? (req.system === '' ? [] : [{ type: 'text', text: req.system }]) : (req.system ?? []);
      out.system = [...before, ...current, ...after];
    }
    out.messages = [...turns(prompt.prepend), ...req.messages, ...turns(prompt.append)];
  });
}
