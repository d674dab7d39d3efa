/**
 * `policies.ai` applied to a chat request before it is translated for a provider: model aliases,
 * defaults (set when absent), overrides (always set), and prompts prepended / appended. The
 * client's object is never changed; a copy is made only when a policy applies.
 */
import type { AiSettings } from '../model/config.js';
import type { MessagesApiBlock, MessagesApiMessage, MessagesApiRequest } from '../providers/anthropic/wire.js';
import type { ChatCompletionRequest, ChatMessage, ChatRole } from '../providers/openai/wire.js';

export function applyAiPolicy(req: ChatCompletionRequest, ai: AiSettings): ChatCompletionRequest {
  const alias = req.model !== undefined ? ai.modelAliases?.[req.model] : undefined;
  if (alias === undefined && !ai.defaults && !ai.overrides && !ai.prompt) return req;
  const out: ChatCompletionRequest = { ...req };
  if (alias !== undefined) out.model = alias;
  for (const { field, value } of ai.defaults ?? []) if (out[field] === undefined) out[field] = value;
  for (const { field, value } of ai.overrides ?? []) out[field] = value;
  if (ai.prompt) {
    const toMessage = (m: { role: string; content: string }): ChatMessage => ({ role: m.role as ChatRole, content: m.content });
    out.messages = [...ai.prompt.prepend.map(toMessage), ...req.messages, ...ai.prompt.append.map(toMessage)];
  }
  return out;
}

/**
 * The same policy for an Anthropic Messages request. Prompts with the `system` role join the
 * request's `system` prompt (Messages has no system turns); the others become turns.
 */
export function applyMessagesAiPolicy(req: MessagesApiRequest, ai: AiSettings): MessagesApiRequest {
  const alias = req.model !== undefined ? ai.modelAliases?.[req.model] : undefined;
  if (alias === undefined && !ai.defaults && !ai.overrides && !ai.prompt) return req;
  const out: MessagesApiRequest = { ...req };
  if (alias !== undefined) out.model = alias;
  for (const { field, value } of ai.defaults ?? []) if (out[field] === undefined) out[field] = value;
  for (const { field, value } of ai.overrides ?? []) out[field] = value;
  if (ai.prompt) {
    const turns = (prompts: ReadonlyArray<{ role: string; content: string }>): MessagesApiMessage[] =>
      prompts.filter((p) => p.role !== 'system').map((p) => ({ role: p.role === 'assistant' ? 'assistant' : 'user', content: p.content }));
    const systemOf = (prompts: ReadonlyArray<{ role: string; content: string }>): MessagesApiBlock[] =>
      prompts.filter((p) => p.role === 'system').map((p) => ({ type: 'text', text: p.content }));
    const before = systemOf(ai.prompt.prepend);
    const after = systemOf(ai.prompt.append);
    if (before.length > 0 || after.length > 0) {
      const current: MessagesApiBlock[] = typeof req.system === 'string' ? (req.system === '' ? [] : [{ type: 'text', text: req.system }]) : (req.system ?? []);
      out.system = [...before, ...current, ...after];
    }
    out.messages = [...turns(ai.prompt.prepend), ...req.messages, ...turns(ai.prompt.append)];
  }
  return out;
}
