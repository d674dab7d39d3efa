/**
 * OpenAI Responses request -> OpenAI chat completions request, for Responses clients of a
 * provider served through its chat completions adapter (Anthropic, Gemini, Vertex AI, Bedrock,
 * Azure OpenAI's dated API, custom hosts that do not speak Responses). Follows agentgateway's
 * translation (its golden cases are the conformance suite). Every field is carried or refused:
 * what chat completions cannot say (hosted tools, stored prompts, files by id, encrypted
 * reasoning, ...) is a `RequestNotExpressible` naming the parameter and the provider, never dropped.
 */
import type { ChatCompletionRequest, ChatMessage, ContentPart, FunctionTool, ToolCall, ToolChoice } from '../openai/wire.js';
import type { ResponsesContentPart, ResponsesInputItem, ResponsesRequest, ResponsesTool } from '../openai/responses-wire.js';
import { RequestNotExpressible } from '../types.js';
import { isRecord } from '../../core/json.js';

/**
 * Fields carried to a chat field of the same meaning, or that say nothing a chat request must
 * carry (`store: false` is what modelgate does anyway; `stream_options` only holds obfuscation
 * padding). Anything else present and not null is refused.
 */
const CARRIED = new Set([
  'model',
  'input',
  'instructions',
  'stream',
  'stream_options',
  'store',
  'max_output_tokens',
  'temperature',
  'top_p',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'text',
  'reasoning',
  'user',
  'metadata',
  'service_tier',
  'prompt_cache_key',
  'safety_identifier',
  'truncation',
  'include',
]);

/** Builds the refusals: `who` names the provider (`provider "x" (anthropic)`). */
class Refuse {
  constructor(private readonly who: string) {}
  because(param: string, what: string): never {
    throw new RequestNotExpressible(`'${param}' ${what}, which ${this.who} cannot be sent: it is served through chat completions, which have no equivalent.`, param);
  }
}

function dataUrlOf(value: string, mediaType: string): string {
  return value.startsWith('data:') ? value : `data:${mediaType};base64,${value}`;
}

function contentPart(part: ResponsesContentPart, at: string, refuse: Refuse): ContentPart {
  switch (part.type) {
    case 'input_text':
    case 'output_text':
      return { type: 'text', text: part.text ?? '' };
    case 'refusal':
      // An earlier refusal is what the assistant said: carried as its text.
      return { type: 'text', text: typeof part.refusal === 'string' ? part.refusal : (part.text ?? '') };
    case 'input_image':
      if (typeof part.image_url !== 'string') refuse.because(`${at}.file_id`, 'names an uploaded file (images are carried by URL or data URL only)');
      return { type: 'image_url', image_url: { url: part.image_url, ...(typeof part.detail === 'string' && { detail: part.detail }) } };
    case 'input_file': {
      const name = typeof part.filename === 'string' ? { filename: part.filename } : {};
      if (typeof part.file_data === 'string') return { type: 'file', file: { file_data: dataUrlOf(part.file_data, 'application/pdf'), ...name } };
      if (typeof part.file_url === 'string' && part.file_url.startsWith('data:')) return { type: 'file', file: { file_data: part.file_url, ...name } };
      if (typeof part.file_id === 'string') return { type: 'file', file: { file_id: part.file_id, ...name } };
      return refuse.because(`${at}.file_url`, 'is a file by URL');
    }
    default:
      return refuse.because(`${at}.type`, `is a '${part.type}' content part`);
  }
}

function parts(content: string | ResponsesContentPart[], at: string, refuse: Refuse): string | ContentPart[] {
  return typeof content === 'string' ? content : content.map((p, j) => contentPart(p, `${at}[${j}]`, refuse));
}

/** A function call's output: its text (chat tool messages carry text). */
function toolOutput(output: string | ResponsesContentPart[], at: string, refuse: Refuse): string | ContentPart[] {
  if (typeof output === 'string') return output;
  return output.map((p, j) =>
    p.type === 'input_text' || p.type === 'output_text'
      ? { type: 'text', text: p.text ?? '' }
      : refuse.because(`${at}[${j}].type`, `is a '${p.type}' part of a function call output`),
  );
}

/** The assistant message that function calls (and reasoning) at the end of `messages` belong to, opened when there is none. */
function openAssistant(messages: ChatMessage[]): ChatMessage {
  const last = messages.at(-1);
  if (last?.role === 'assistant') return last;
  const message: ChatMessage = { role: 'assistant' };
  messages.push(message);
  return message;
}

function translateInput(input: ResponsesRequest['input'], refuse: Refuse): ChatMessage[] {
  // A bare string is one user turn (agentgateway sends it as one text part).
  if (typeof input === 'string') return [{ role: 'user', content: [{ type: 'text', text: input }] }];
  const messages: ChatMessage[] = [];
  // Reasoning from an earlier turn travels on the assistant message that follows it.
  let reasoning: string | undefined;
  input.forEach((item: ResponsesInputItem, i) => {
    const at = `input[${i}]`;
    switch (item.type ?? 'message') {
      case 'message': {
        const role = item.role!;
        const message: ChatMessage = { role, content: parts(item.content!, `${at}.content`, refuse) };
        if (role === 'assistant' && reasoning !== undefined) {
          message.reasoning_content = reasoning;
          reasoning = undefined;
        }
        messages.push(message);
        return;
      }
      case 'function_call': {
        const assistant = openAssistant(messages);
        const call: ToolCall = { id: item.call_id!, type: 'function', function: { name: item.name!, arguments: item.arguments! } };
        assistant.tool_calls = [...(assistant.tool_calls ?? []), call];
        if (reasoning !== undefined) {
          assistant.reasoning_content = reasoning;
          reasoning = undefined;
        }
        return;
      }
      case 'function_call_output':
        messages.push({ role: 'tool', tool_call_id: item.call_id!, content: toolOutput(item.output!, `${at}.output`, refuse) });
        return;
      case 'reasoning': {
        if (typeof item.encrypted_content === 'string' && item.encrypted_content !== '') refuse.because(`${at}.encrypted_content`, "is OpenAI's encrypted reasoning");
        const summary = Array.isArray(item.summary) ? item.summary : [];
        const text = summary.flatMap((s) => (isRecord(s) && typeof s.text === 'string' ? [s.text] : [])).join('\n');
        if (text !== '') reasoning = reasoning === undefined ? text : `${reasoning}\n${text}`;
        return;
      }
      default:
        refuse.because(`${at}.type`, `is a '${String(item.type)}' item`);
    }
  });
  return messages;
}

function translateTool(tool: ResponsesTool, i: number, refuse: Refuse): FunctionTool {
  if (tool.type !== 'function') return refuse.because(`tools[${i}]`, `is a hosted '${tool.type}' tool`);
  const { name, description, parameters, strict } = tool as Extract<ResponsesTool, { type: 'function' }>;
  return {
    type: 'function',
    function: {
      name,
      ...(typeof description === 'string' && { description }),
      parameters: isRecord(parameters) ? parameters : { type: 'object', properties: {} },
      ...(typeof strict === 'boolean' && { strict }),
    },
  };
}

function translateToolChoice(choice: ResponsesRequest['tool_choice'], refuse: Refuse): ToolChoice | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (typeof choice === 'string') return choice === 'none' || choice === 'auto' || choice === 'required' ? choice : refuse.because('tool_choice', `is '${choice}'`);
  if (choice.type === 'function' && typeof choice.name === 'string') return { type: 'function', function: { name: choice.name } };
  return refuse.because('tool_choice', `chooses a '${choice.type}' tool`);
}

function responseFormat(req: ResponsesRequest, refuse: Refuse): Pick<ChatCompletionRequest, 'response_format'> {
  const format = req.text?.format;
  if (!format || format.type === 'text') return {};
  if (format.type === 'json_object') return { response_format: { type: 'json_object' } };
  if (format.type === 'json_schema') {
    return {
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: format.name,
          ...(typeof format.description === 'string' && { description: format.description }),
          ...(format.schema && { schema: format.schema }),
          ...(typeof format.strict === 'boolean' && { strict: format.strict }),
        },
      },
    };
  }
  return refuse.because('text.format.type', `is '${format.type}'`);
}

/** Fields with no chat equivalent, refused when set to anything but their neutral value. */
function refuseUncarried(req: ResponsesRequest, refuse: Refuse): void {
  for (const [field, value] of Object.entries(req)) {
    if (value === undefined || value === null || CARRIED.has(field)) continue;
    refuse.because(field, 'is set');
  }
  if (req.truncation !== undefined && req.truncation !== null && req.truncation !== 'disabled') refuse.because('truncation', `is '${String(req.truncation)}'`);
  // Encrypted reasoning is what OpenAI hands out for a stateless next turn; providers behind chat
  // completions have none to hand out (their reasoning comes back as a summary), so asking for it
  // is satisfied by its absence. Every other `include` asks for data chat completions cannot return.
  const included = Array.isArray(req.include) ? req.include.filter((v) => v !== 'reasoning.encrypted_content') : [];
  if (included.length > 0) refuse.because('include', `asks for ${JSON.stringify(included[0])}`);
  for (const key of Object.keys(req.text ?? {})) {
    if (key !== 'format' && key !== 'verbosity' && req.text![key] !== null && req.text![key] !== undefined) refuse.because(`text.${key}`, 'is set');
  }
  for (const key of Object.keys(req.reasoning ?? {})) {
    // A summary is asked for, and given from whatever reasoning text the provider returns.
    if (key !== 'effort' && key !== 'summary' && req.reasoning![key] !== null && req.reasoning![key] !== undefined) refuse.because(`reasoning.${key}`, 'is set');
  }
}

/**
 * `who` names the provider in refusals. Throws `RequestNotExpressible` for what chat completions
 * cannot carry.
 */
export function responsesToChatRequest(req: ResponsesRequest, who = 'this provider'): ChatCompletionRequest {
  const refuse = new Refuse(who);
  refuseUncarried(req, refuse);
  const messages: ChatMessage[] = [];
  if (typeof req.instructions === 'string' && req.instructions !== '') messages.push({ role: 'system', content: req.instructions });
  messages.push(...translateInput(req.input, refuse));

  const tools = (req.tools ?? []).map((t, i) => translateTool(t, i, refuse));
  const toolChoice = translateToolChoice(req.tool_choice, refuse);
  const stream = req.stream === true;
  const effort = req.reasoning?.effort;
  const verbosity = req.text?.verbosity;

  return {
    messages,
    ...(req.model !== undefined && { model: req.model }),
    ...(typeof req.max_output_tokens === 'number' && { max_completion_tokens: req.max_output_tokens }),
    stream,
    // Without it a chat stream carries no usage, and `response.completed` reports it.
    ...(stream && { stream_options: { include_usage: true } }),
    ...(typeof req.temperature === 'number' && { temperature: req.temperature }),
    ...(typeof req.top_p === 'number' && { top_p: req.top_p }),
    ...(tools.length > 0 && { tools }),
    ...(toolChoice !== undefined && { tool_choice: toolChoice }),
    ...(typeof req.parallel_tool_calls === 'boolean' && { parallel_tool_calls: req.parallel_tool_calls }),
    ...responseFormat(req, refuse),
    ...(typeof effort === 'string' && { reasoning_effort: effort }),
    ...(typeof verbosity === 'string' && { verbosity }),
    ...(typeof req.user === 'string' && { user: req.user }),
    ...(isRecord(req.metadata) && Object.keys(req.metadata).length > 0 && { metadata: req.metadata }),
    ...(typeof req.service_tier === 'string' && { service_tier: req.service_tier }),
    ...(typeof req.prompt_cache_key === 'string' && { prompt_cache_key: req.prompt_cache_key }),
    ...(typeof req.safety_identifier === 'string' && { safety_identifier: req.safety_identifier }),
  };
}
