/**
 * OpenAI chat completions answer -> OpenAI Responses answer, for Responses clients of a provider
 * served through its chat completions adapter (buffered; the streamed answer is
 * completions-to-responses-stream.ts). Follows agentgateway's translation (its golden cases are
 * the conformance suite).
 */
import { randomUUID } from 'node:crypto';
import type { ChatCompletion, Usage } from '../openai/wire.js';
import type { ResponsesOutputContent, ResponsesOutputItem, ResponsesResponse, ResponsesUsage } from '../openai/responses-wire.js';

/** Ids in OpenAI's forms (`resp_…`, `msg_…`, `fc_…`, `rs_…`): modelgate keeps none, so they only need to be unique. */
export function newId(prefix: 'resp' | 'msg' | 'fc' | 'rs'): string {
  return `${prefix}_${randomUUID().replace(/-/g, '')}`;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** Chat usage -> Responses usage: the same counts under Responses' names; `prompt_tokens` include cached ones in both. */
export function responsesUsage(usage: Usage | null | undefined): ResponsesUsage {
  const input = num(usage?.prompt_tokens) ?? 0;
  const output = num(usage?.completion_tokens) ?? 0;
  const promptDetails = (usage?.prompt_tokens_details ?? {}) as Record<string, unknown>;
  const completionDetails = (usage?.completion_tokens_details ?? {}) as Record<string, unknown>;
  const cacheWrite = num(promptDetails.cache_write_tokens) ?? num(usage?.cache_creation_input_tokens);
  return {
    input_tokens: input,
    input_tokens_details: {
      cached_tokens: num(promptDetails.cached_tokens) ?? num(usage?.cache_read_input_tokens) ?? 0,
      // Not OpenAI's own (its caching writes nothing billable), but what Anthropic and Bedrock bill as cache writes.
      ...(cacheWrite !== undefined && { cache_write_tokens: cacheWrite }),
    },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: num(completionDetails.reasoning_tokens) ?? 0 },
    total_tokens: num(usage?.total_tokens) ?? input + output,
  };
}

/** A chat finish reason -> the response's status and, when it stopped short, why (OpenAI's words). */
export function statusOf(finish: string | null | undefined): Pick<ResponsesResponse, 'status' | 'incomplete_details'> {
  if (finish === 'length') return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finish === 'content_filter') return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed' };
}

export function outputText(text: string): ResponsesOutputContent {
  return { type: 'output_text', text, annotations: [] };
}

export function chatToResponsesResponse(completion: ChatCompletion): ResponsesResponse {
  const choice = completion.choices[0];
  const message = (choice?.message ?? {}) as ChatCompletion['choices'][number]['message'];
  const output: ResponsesOutputItem[] = [];
  if (typeof message.reasoning_content === 'string' && message.reasoning_content !== '') {
    output.push({ type: 'reasoning', id: newId('rs'), summary: [{ type: 'summary_text', text: message.reasoning_content }] });
  }
  const content: ResponsesOutputContent[] = [];
  if (typeof message.content === 'string' && message.content !== '') content.push(outputText(message.content));
  if (typeof message.refusal === 'string' && message.refusal !== '') content.push({ type: 'refusal', refusal: message.refusal });
  if (content.length > 0) output.push({ type: 'message', id: newId('msg'), status: 'completed', role: 'assistant', content });
  for (const call of message.tool_calls ?? []) {
    output.push({ type: 'function_call', id: newId('fc'), call_id: call.id, name: call.function.name, arguments: call.function.arguments, status: 'completed' });
  }
  return {
    id: newId('resp'),
    object: 'response',
    created_at: typeof completion.created === 'number' ? completion.created : Math.floor(Date.now() / 1000),
    ...statusOf(choice?.finish_reason),
    model: completion.model,
    output,
    ...(completion.usage && { usage: responsesUsage(completion.usage) }),
  };
}
