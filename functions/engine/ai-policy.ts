/**
 * `policies.ai` applied to a chat request before it is translated for a provider: model aliases,
 * defaults (set when absent), overrides (always set), and prompts prepended / appended. The
 * client's object is never changed; a copy is made only when a policy applies.
 */
import type { AiSettings } from '../model/config.js';
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
