/**
 * Which Anthropic Messages fields a translation to another vendor carries, and a 400 for any it
 * cannot, naming the field, before anything goes upstream (the Anthropic passthrough carries all).
 * Hints that do not change the answer (`service_tier`, `inference_geo`) go where the target has a
 * place for them, else without a word, as `cache_control` does.
 */
import type { MessagesApiBlock, MessagesApiRequest } from '../anthropic/wire.js';
import { RequestNotExpressible } from '../types.js';
import { isRecord } from '../../core/json.js';

/** Read by every translation, in the target's form. */
const TRANSLATED = new Set([
  'messages',
  'model',
  'max_tokens',
  'system',
  'stop_sequences',
  'stream',
  'temperature',
  'top_p',
  'tools',
  'tool_choice',
  'metadata',
  'thinking',
  'output_config',
]);
const HINTS = new Set(['service_tier', 'inference_geo']);

const WHAT: Readonly<Record<string, string>> = {
  top_k: '`top_k`',
  container: 'a code execution container (`container`)',
  mcp_servers: 'MCP servers run by Anthropic (`mcp_servers`)',
  context_management: 'context management (`context_management`)',
};

export function refuseUncarriedMessagesFields(req: MessagesApiRequest, vendor: string, carried: ReadonlySet<string> = new Set()): void {
  for (const [field, value] of Object.entries(req)) {
    if (value === undefined || value === null || TRANSLATED.has(field) || HINTS.has(field) || carried.has(field)) continue;
    const what = WHAT[field] ?? `the parameter '${field.length > 60 ? `${field.slice(0, 60)}…` : field}'`;
    throw new RequestNotExpressible(`${vendor} cannot carry ${what}; remove '${field}' or route this request to a provider that supports it.`, field);
  }
  // Server tools (web search, code execution, ...) run at Anthropic; another vendor has no such tool to run.
  (req.tools ?? []).forEach((tool, i) => {
    if (tool.type !== undefined && tool.type !== 'custom') {
      throw new RequestNotExpressible(
        `${vendor} cannot run Anthropic's server tool ${JSON.stringify(String(tool.type))} (tools.${i}); remove it or route this request to Anthropic.`,
        `tools.${i}`,
      );
    }
  });
}

/** Refuses one content block, naming it in Anthropic's path style (`messages.2.content.1`). */
export function refuseBlock(vendor: string, what: string, at: string): never {
  throw new RequestNotExpressible(`${vendor} cannot carry ${what} (${at}); remove it or route this request to a provider that supports it.`, at);
}

/** A `document` block's inline data as a media type and base64 (a text source is encoded), or undefined for one by URL or file id. */
export function inlineDocument(block: MessagesApiBlock): { mediaType: string; data: string; title?: string } | undefined {
  const source = isRecord(block.source) ? block.source : {};
  const title = typeof block.title === 'string' && block.title !== '' ? block.title : undefined;
  if (source.type === 'base64' && typeof source.media_type === 'string' && typeof source.data === 'string') {
    return { mediaType: source.media_type.toLowerCase(), data: source.data, ...(title && { title }) };
  }
  if (source.type === 'text' && typeof source.data === 'string') {
    return { mediaType: 'text/plain', data: Buffer.from(source.data, 'utf8').toString('base64'), ...(title && { title }) };
  }
  return undefined;
}
