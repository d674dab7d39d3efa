/**
 * OpenAI chat completions request -> Anthropic Messages request. Fields Anthropic has no
 * equivalent for (n, logit_bias, presence/frequency_penalty, seed, stream_options, the legacy
 * functions/function_call, ...) are dropped, as agentgateway does.
 */
import type { ProviderTarget, UpstreamRequest } from '../types.js';
import type { ChatCompletionRequest, FunctionTool, ToolChoice as OpenAIToolChoice } from '../openai/wire.js';
import { resolveModel, upstreamUrl } from '../shared/target.js';
import { RequestNotExpressible } from '../types.js';
import { translateMessages } from './messages.js';
import type { MessagesRequest, Tool, ToolChoice } from './wire.js';

export const ANTHROPIC_VERSION = '2023-06-01';

/** Anthropic requires `max_tokens`; OpenAI does not. agentgateway's default, seen in its goldens. */
export const DEFAULT_MAX_TOKENS = 4096;

/** `reasoning_effort` -> thinking budget, agentgateway's table (`none` and unknown values: no thinking). */
const THINKING_BUDGET_BY_EFFORT: Readonly<Record<string, number>> = {
  minimal: 1024,
  low: 1024,
  medium: 2048,
  high: 4096,
  xhigh: 8192,
  max: 16384,
};

/** Anthropic's smallest thinking budget; the budget must also stay below `max_tokens`. */
const MIN_THINKING_BUDGET = 1024;

function thinkingBudget(effort: string | undefined, maxTokens: number): number | undefined {
  const budget = effort === undefined ? undefined : THINKING_BUDGET_BY_EFFORT[effort];
  if (budget === undefined || budget < MIN_THINKING_BUDGET || maxTokens <= MIN_THINKING_BUDGET) return undefined;
  return Math.min(budget, maxTokens - 1);
}

function stopSequences(stop: ChatCompletionRequest['stop']): string[] {
  if (typeof stop === 'string') return [stop];
  return Array.isArray(stop) ? stop : [];
}

function translateTool(tool: FunctionTool): Tool {
  const { name, description, parameters } = tool.function;
  // Anthropic requires a schema; a parameterless OpenAI function takes an empty object.
  const input_schema = parameters ?? { type: 'object', properties: {} };
  return description === undefined ? { name, input_schema } : { name, description, input_schema };
}

/**
 * `parallel_tool_calls: false` lives on Anthropic's tool_choice, so it can create one (`auto`)
 * when the client set no tool_choice. `none` takes no such flag.
 */
function translateToolChoice(
  choice: OpenAIToolChoice | undefined,
  parallelToolCalls: boolean | undefined,
  hasTools: boolean,
): ToolChoice | undefined {
  const serial = parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...serial };
  if (choice === 'required') return { type: 'any', ...serial };
  if (typeof choice === 'object' && choice !== null) return { type: 'tool', name: choice.function.name, ...serial };
  return parallelToolCalls === false && hasTools ? { type: 'auto', ...serial } : undefined;
}

/**
 * Anthropic has no JSON mode; `json_object` becomes a schema that accepts any object, as
 * agentgateway does. A `json_schema` without a schema is treated the same way.
 */
function outputFormat(format: ChatCompletionRequest['response_format']): MessagesRequest['output_config'] {
  if (format?.type === 'json_schema' && format.json_schema?.schema) {
    return { format: { type: 'json_schema', schema: format.json_schema.schema } };
  }
  if (format?.type === 'json_schema' || format?.type === 'json_object') {
    return { format: { type: 'json_schema', schema: { type: 'object', additionalProperties: true } } };
  }
  return undefined;
}

export function toMessagesRequest(req: ChatCompletionRequest, model: string): MessagesRequest {
  const { system, messages } = translateMessages(req.messages);
  const maxTokens = req.max_completion_tokens ?? req.max_tokens ?? DEFAULT_MAX_TOKENS;
  const stop = stopSequences(req.stop);
  const tools = (req.tools ?? []).filter((tool) => tool.type === 'function').map(translateTool);
  const toolChoice = translateToolChoice(req.tool_choice, req.parallel_tool_calls, tools.length > 0);
  const budget = thinkingBudget(req.reasoning_effort, maxTokens);
  const output = outputFormat(req.response_format);

  // Extended thinking rejects a non-default temperature and a top_p below 0.95; a client that
  // asked for reasoning gets it rather than a 400.
  const temperature = typeof req.temperature === 'number' && (budget === undefined || req.temperature === 1) ? req.temperature : undefined;
  const topP = typeof req.top_p === 'number' && (budget === undefined || req.top_p >= 0.95) ? req.top_p : undefined;

  // Keys in agentgateway's order, so a diff against its goldens reads naturally.
  return {
    messages,
    ...(system !== undefined ? { system } : {}),
    model,
    max_tokens: maxTokens,
    ...(stop.length > 0 ? { stop_sequences: stop } : {}),
    ...(req.stream === true ? { stream: true as const } : {}),
    ...(temperature !== undefined ? { temperature } : {}),
    ...(topP !== undefined ? { top_p: topP } : {}),
    ...(tools.length > 0 ? { tools } : {}),
    ...(toolChoice ? { tool_choice: toolChoice } : {}),
    ...(typeof req.user === 'string' && req.user !== '' ? { metadata: { user_id: req.user } } : {}),
    ...(budget !== undefined ? { thinking: { type: 'enabled' as const, budget_tokens: budget } } : {}),
    ...(output ? { output_config: output } : {}),
  };
}

export function buildAnthropicRequest(req: ChatCompletionRequest, target: ProviderTarget): UpstreamRequest {
  const model = resolveModel(target, req.model);
  if (model === undefined || model === '') {
    throw new RequestNotExpressible(
      `provider "${target.name}" (anthropic) needs a model: set one on the provider or send \`model\` in the request`,
      'model',
    );
  }
  const headers: Record<string, string> = {
    'anthropic-version': ANTHROPIC_VERSION,
    'content-type': 'application/json',
  };
  if (target.apiKey) headers['x-api-key'] = target.apiKey;
  if (req.stream === true) headers.accept = 'text/event-stream';
  return {
    url: upstreamUrl(target, '/messages'),
    headers,
    body: JSON.stringify(toMessagesRequest(req, model)),
  };
}
