/**
 * What every embeddings translation shares: the texts a vendor that takes only text can be sent
 * (token arrays are OpenAI's alone), the refusal of fields a vendor cannot carry (never dropped
 * quietly), and the OpenAI list the client gets back, as floats or as base64 float32 bytes.
 */
import type { ProviderTarget } from '../../core/provider-target.js';
import type { TokenUsage } from '../types.js';
import { RequestNotExpressible } from '../types.js';
import type { EmbeddingsRequest, EmbeddingsResponse } from '../openai/embeddings-wire.js';

/** The fields of OpenAI's own request: every translation reads `model`, `input`, `encoding_format`. */
const OPENAI_FIELDS = new Set(['model', 'input', 'encoding_format', 'dimensions', 'user']);

const label = (target: ProviderTarget, what: string) => `provider "${target.name}" (${what})`;

/** The request's texts, for a vendor that embeds text only. Token arrays are a 400 naming the provider. */
export function textInputs(req: EmbeddingsRequest, target: ProviderTarget, what: string): string[] {
  const input = req.input;
  if (typeof input === 'string') return [input];
  if (input.every((item): item is string => typeof item === 'string')) return input;
  throw new RequestNotExpressible(`input: ${label(target, what)} embeds text only; token arrays can be sent to OpenAI-compatible providers`, 'input');
}

/** The one text of a vendor that embeds one text per call (Titan, Nova). */
export function singleText(req: EmbeddingsRequest, target: ProviderTarget, what: string): string {
  const texts = textInputs(req, target, what);
  if (texts.length !== 1) throw new RequestNotExpressible(`input: ${label(target, what)} embeds one text per request; send a string (got ${texts.length} texts)`, 'input');
  return texts[0]!;
}

/**
 * A 400 for any field this vendor's translation does not carry: `user`, and vendor extensions it
 * does not know. `carried` are the extensions (and OpenAI fields) it does carry.
 */
export function refuseUncarried(req: EmbeddingsRequest, target: ProviderTarget, what: string, carried: readonly string[]): void {
  for (const field of Object.keys(req)) {
    if (field === 'model' || field === 'input' || field === 'encoding_format') continue;
    if (req[field] === undefined || carried.includes(field)) continue;
    const kind = OPENAI_FIELDS.has(field) ? 'is not carried by' : 'is not a field known to';
    throw new RequestNotExpressible(`${field}: ${kind} ${label(target, what)}; remove it or route to a provider that takes it`, field);
  }
}

/**
 * A model whose vectors have one fixed length takes `dimensions` only when it asks for that length;
 * anything else is a 400 rather than vectors of another length than asked.
 */
export function fixedDimensions(req: EmbeddingsRequest, target: ProviderTarget, what: string, native: number): void {
  if (req.dimensions !== undefined && req.dimensions !== native) {
    throw new RequestNotExpressible(`dimensions: ${label(target, what)} returns ${native}-dimensional vectors only (asked for ${req.dimensions})`, 'dimensions');
  }
}

/** A vector as float32 little-endian bytes in base64, as OpenAI answers `encoding_format: base64`. */
export function base64Vector(vector: readonly number[]): string {
  const floats = Float32Array.from(vector);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString('base64');
}

/** Reads a vendor's vector: a list of finite numbers, or the body is not the vendor's shape. */
export function readVector(value: unknown, where: string): number[] {
  if (!Array.isArray(value) || !value.every((n) => typeof n === 'number' && Number.isFinite(n))) throw new Error(`${where} is not a list of numbers`);
  return value as number[];
}

/**
 * The OpenAI list for vectors from a vendor. The vendors' vectors are float32: each value is the
 * float32 it stands for (as agentgateway writes them), or those bytes in base64 when asked.
 */
export function embeddingsList(
  vectors: readonly number[][],
  model: string,
  promptTokens: number,
  encoding: EmbeddingsRequest['encoding_format'],
): { body: EmbeddingsResponse; model: string; usage: TokenUsage } {
  return {
    body: {
      object: 'list',
      data: vectors.map((v, index) => ({ object: 'embedding', index, embedding: encoding === 'base64' ? base64Vector(v) : v.map(Math.fround) })),
      model,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    },
    model,
    usage: { input: promptTokens, output: 0 },
  };
}

/** The input-token count Bedrock reports in a header for models whose body has none (Cohere, Nova). */
export function headerTokenCount(headers: Readonly<Record<string, string>> | undefined): number {
  const value = Number(headers?.['x-amzn-bedrock-input-token-count']);
  return Number.isSafeInteger(value) && value >= 0 ? value : 0;
}
