/**
 * Function calling in the simulated provider, as the real vendors do it: when a request offers
 * tools and its last turn is the user's, the model calls one of them (the one `tool_choice` names,
 * else the first), with arguments that satisfy the tool's JSON schema (its required string,
 * number, integer, boolean, array and object fields filled); when the last turn carries a tool's
 * result, the model answers in text that uses it. Each vendor's request shape is read here; the
 * answers are written in each vendor's wire format by wire.ts and vendors.ts.
 */
import { isRecord } from '../core/json.js';

/** What the simulated model does with this request, beyond a plain text answer. */
export type ToolTurn = { kind: 'call'; name: string; args: Record<string, unknown> } | { kind: 'use-result'; name: string; result: string };

interface Offered {
  name: string;
  schema: unknown;
}

/** Bedrock's placeholder, offered by translations when the history holds tool calls but the request no tools. */
const PLACEHOLDER_TOOL = 'placeholder_tool_do_not_call';

/** The user's words that name something (`Paris` in "What's the weather in Paris?"), for string arguments. */
function subject(prompt: string): string {
  const words =
    prompt
      .slice(0, 2_000)
      .match(/\b[A-Z][\p{L}-]+/gu)
      ?.slice(1) ?? [];
  return words.at(-1) ?? 'example';
}

/** How many schema nodes one tool call's arguments may visit: a hostile schema cannot make the simulator work without end. */
const MAX_SCHEMA_NODES = 1_000;

/** A value that satisfies `schema` (the subset models are offered: type, enum, required, properties, items). Bounded by depth and nodes. */
export function valueFor(schema: unknown, prompt: string, depth = 0, budget = { nodes: MAX_SCHEMA_NODES }): unknown {
  if (!isRecord(schema) || depth > 8 || --budget.nodes < 0) return {};
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'string':
      return subject(prompt);
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? Math.max(schema.minimum, 1) : 1;
    case 'boolean':
      return true;
    case 'array':
      return typeof schema.minItems === 'number' && schema.minItems > 0 ? [valueFor(schema.items, prompt, depth + 1, budget)] : [];
    case 'null':
      return null;
    default: {
      const properties = isRecord(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
      const out: Record<string, unknown> = {};
      for (const name of required.slice(0, 64)) out[name] = valueFor(properties[name], prompt, depth + 1, budget);
      return out;
    }
  }
}

function call(offered: readonly Offered[], forced: string | undefined, prompt: string): ToolTurn | undefined {
  const usable = offered.filter((t) => t.name !== PLACEHOLDER_TOOL);
  const tool = usable.find((t) => t.name === forced) ?? usable[0];
  if (!tool) return undefined;
  const args = valueFor(tool.schema, prompt);
  return { kind: 'call', name: tool.name, args: isRecord(args) ? args : {} };
}

/** The text answer to a tool's result. */
export function resultAnswer(model: string, turn: Extract<ToolTurn, { kind: 'use-result' }>): string {
  const result = turn.result.length > 200 ? `${turn.result.slice(0, 197)}...` : turn.result;
  return `The ${turn.name} tool answered: ${result}. (modelgate's simulated provider, playing ${model}, used the tool's result.)`;
}

const textOf = (content: unknown): string => {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return content === undefined ? '' : JSON.stringify(content);
  return content
    .map((p) => (isRecord(p) && typeof p.text === 'string' ? p.text : isRecord(p) && p.json !== undefined ? JSON.stringify(p.json) : ''))
    .join(' ')
    .trim();
};

// ---------------------------------------------------------------- per vendor

/** OpenAI chat completions: `tools[].function`, a last `tool` message, `tool_choice`. */
export function openaiToolTurn(body: Record<string, unknown>, prompt: string): ToolTurn | undefined {
  const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
  const last = messages.at(-1);
  if (last?.role === 'tool') {
    const id = last.tool_call_id;
    const calls = messages.flatMap((m) => (m.role === 'assistant' && Array.isArray(m.tool_calls) ? m.tool_calls.filter(isRecord) : []));
    const fn = calls.find((c) => c.id === id)?.function;
    return { kind: 'use-result', name: isRecord(fn) && typeof fn.name === 'string' ? fn.name : 'tool', result: textOf(last.content) };
  }
  if (last?.role !== 'user' || body.tool_choice === 'none') return undefined;
  const offered = (Array.isArray(body.tools) ? body.tools.filter(isRecord) : []).flatMap((t) =>
    isRecord(t.function) && typeof t.function.name === 'string' ? [{ name: t.function.name, schema: t.function.parameters }] : [],
  );
  const choice = body.tool_choice;
  const forced = isRecord(choice) && isRecord(choice.function) && typeof choice.function.name === 'string' ? choice.function.name : undefined;
  return call(offered, forced, prompt);
}

/** Anthropic Messages: `tools[]` with `input_schema`, `tool_result` blocks in the last user turn, `tool_choice`. */
export function anthropicToolTurn(body: Record<string, unknown>, prompt: string): ToolTurn | undefined {
  const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
  const last = messages.at(-1);
  if (last?.role !== 'user') return undefined;
  const results = Array.isArray(last.content) ? (last.content.filter((b) => isRecord(b) && b.type === 'tool_result') as Array<Record<string, unknown>>) : [];
  if (results.length > 0) {
    const result = results.at(-1)!;
    const uses = messages.flatMap((m) => (m.role === 'assistant' && Array.isArray(m.content) ? m.content.filter(isRecord) : []));
    const use = uses.find((b) => b.type === 'tool_use' && b.id === result.tool_use_id);
    return { kind: 'use-result', name: typeof use?.name === 'string' ? use.name : 'tool', result: textOf(result.content) };
  }
  const choice = isRecord(body.tool_choice) ? body.tool_choice : {};
  if (choice.type === 'none') return undefined;
  const offered = (Array.isArray(body.tools) ? body.tools.filter(isRecord) : []).flatMap((t) =>
    typeof t.name === 'string' && (t.type === undefined || t.type === 'custom') ? [{ name: t.name, schema: t.input_schema }] : [],
  );
  return call(offered, choice.type === 'tool' && typeof choice.name === 'string' ? choice.name : undefined, prompt);
}

/** Gemini: `tools[].functionDeclarations`, `functionResponse` parts in the last user turn, `toolConfig.functionCallingConfig`. */
export function geminiToolTurn(body: Record<string, unknown>, prompt: string): ToolTurn | undefined {
  const contents = Array.isArray(body.contents) ? body.contents.filter(isRecord) : [];
  const last = contents.at(-1);
  if (last?.role !== 'user') return undefined;
  const parts = Array.isArray(last.parts) ? last.parts.filter(isRecord) : [];
  const response = parts
    .map((p) => p.functionResponse ?? p.function_response)
    .filter(isRecord)
    .at(-1);
  if (response) {
    const content = isRecord(response.response) ? (response.response.content ?? response.response) : response.response;
    return { kind: 'use-result', name: typeof response.name === 'string' ? response.name : 'tool', result: typeof content === 'string' ? content : JSON.stringify(content ?? {}) };
  }
  const config = isRecord(body.toolConfig) && isRecord(body.toolConfig.functionCallingConfig) ? body.toolConfig.functionCallingConfig : {};
  if (config.mode === 'NONE') return undefined;
  const offered = (Array.isArray(body.tools) ? body.tools.filter(isRecord) : []).flatMap((t) =>
    (Array.isArray(t.functionDeclarations) ? t.functionDeclarations.filter(isRecord) : []).flatMap((d) =>
      typeof d.name === 'string' ? [{ name: d.name, schema: d.parameters ?? d.parametersJsonSchema }] : [],
    ),
  );
  const allowed = Array.isArray(config.allowedFunctionNames) ? config.allowedFunctionNames : [];
  return call(offered, typeof allowed[0] === 'string' ? allowed[0] : undefined, prompt);
}

/** Bedrock Converse: `toolConfig.tools[].toolSpec`, `toolResult` blocks in the last user turn, `toolConfig.toolChoice`. */
export function bedrockToolTurn(body: Record<string, unknown>, prompt: string): ToolTurn | undefined {
  const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
  const last = messages.at(-1);
  if (last?.role !== 'user') return undefined;
  const blocks = Array.isArray(last.content) ? last.content.filter(isRecord) : [];
  const result = blocks
    .map((b) => b.toolResult)
    .filter(isRecord)
    .at(-1);
  if (result) {
    const uses = messages
      .flatMap((m) => (m.role === 'assistant' && Array.isArray(m.content) ? m.content.filter(isRecord) : []))
      .map((b) => b.toolUse)
      .filter(isRecord);
    const use = uses.find((u) => u.toolUseId === result.toolUseId);
    return { kind: 'use-result', name: typeof use?.name === 'string' ? use.name : 'tool', result: textOf(result.content) };
  }
  const config = isRecord(body.toolConfig) ? body.toolConfig : {};
  const offered = (Array.isArray(config.tools) ? config.tools.filter(isRecord) : []).flatMap((t) =>
    isRecord(t.toolSpec) && typeof t.toolSpec.name === 'string'
      ? [{ name: t.toolSpec.name, schema: isRecord(t.toolSpec.inputSchema) ? t.toolSpec.inputSchema.json : undefined }]
      : [],
  );
  const choice = isRecord(config.toolChoice) && isRecord(config.toolChoice.tool) ? config.toolChoice.tool.name : undefined;
  return call(offered, typeof choice === 'string' ? choice : undefined, prompt);
}
