/**
 * Parses and checks an OpenAI embeddings body (`POST /v1/embeddings`) at the edge, so a malformed
 * request is a 400 in OpenAI's error shape and never reaches a provider. The bounds are OpenAI's
 * own: at most 2048 inputs, no empty ones, `dimensions` a positive integer; the whole body is
 * bounded by the engine's request size limit. Vendor extensions pass on to the translation, which
 * carries them or refuses them by name.
 */
import type { EmbeddingInput, EmbeddingsRequest } from '../providers/openai/embeddings-wire.js';
import { checkModelName, parseJsonBody } from './chat-request.js';
import { BadRequest } from './errors.js';
import { isRecord } from '../core/json.js';

/** Inputs per request, as OpenAI allows. */
export const MAX_EMBEDDING_INPUTS = 2048;
/** Longest vector a client may ask for (the largest models answer 3072; Gemini 3072, Nova 3072). */
export const MAX_EMBEDDING_DIMENSIONS = 65_536;

function bad(message: string, param: string, code = 'invalid_value'): never {
  throw new BadRequest(message, param, 400, code);
}

const isToken = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;

/** A string, a non-empty list of strings, a token array, or a non-empty list of token arrays; nothing empty. */
function checkInput(input: unknown): EmbeddingInput {
  if (input === undefined || input === null) bad("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
  if (typeof input === 'string') {
    if (input === '') bad("Invalid 'input': empty string. Expected a non-empty string.", 'input');
    return input;
  }
  if (!Array.isArray(input)) bad("Invalid type for 'input': expected a string, an array of strings, an array of tokens or an array of token arrays.", 'input', 'invalid_type');
  if (input.length === 0) bad("Invalid 'input': empty array. Expected an array with minimum length 1.", 'input');
  if (input.length > MAX_EMBEDDING_INPUTS) bad(`Invalid 'input': ${input.length} inputs; at most ${MAX_EMBEDDING_INPUTS} per request.`, 'input');
  if (input.every((item) => typeof item === 'string')) {
    const empty = input.indexOf('');
    if (empty >= 0) bad(`Invalid 'input[${empty}]': empty string. Expected a non-empty string.`, `input[${empty}]`);
    return input as string[];
  }
  if (input.every(isToken)) return input as number[];
  if (input.every((item) => Array.isArray(item))) {
    input.forEach((tokens: unknown[], i) => {
      if (tokens.length === 0) bad(`Invalid 'input[${i}]': empty array. Expected an array with minimum length 1.`, `input[${i}]`);
      if (!tokens.every(isToken)) bad(`Invalid 'input[${i}]': expected an array of tokens (non-negative integers).`, `input[${i}]`, 'invalid_type');
    });
    return input as number[][];
  }
  return bad("Invalid 'input': expected a string, an array of strings, an array of tokens or an array of token arrays (not a mix).", 'input', 'invalid_type');
}

export function parseEmbeddingsRequest(body: Uint8Array): EmbeddingsRequest {
  const raw = parseJsonBody(body);
  if (!isRecord(raw)) throw new BadRequest('The request body must be a JSON object.', undefined, 400, 'invalid_json');
  raw.input = checkInput(raw.input);

  // `null` would reach an upstream as null: absent or a value, nothing else.
  for (const field of ['model', 'dimensions', 'encoding_format', 'user'] as const) if (raw[field] === null) delete raw[field];
  if (raw.model !== undefined && typeof raw.model !== 'string') bad(`Invalid type for 'model': expected a string.`, 'model', 'invalid_type');
  checkModelName(raw.model);
  if (raw.dimensions !== undefined && !(Number.isInteger(raw.dimensions) && (raw.dimensions as number) >= 1 && (raw.dimensions as number) <= MAX_EMBEDDING_DIMENSIONS)) {
    bad(`Invalid 'dimensions': expected an integer from 1 to ${MAX_EMBEDDING_DIMENSIONS}.`, 'dimensions');
  }
  if (raw.encoding_format !== undefined && raw.encoding_format !== 'float' && raw.encoding_format !== 'base64') {
    bad("Invalid value for 'encoding_format': expected 'float' or 'base64'.", 'encoding_format');
  }
  if (raw.user !== undefined && typeof raw.user !== 'string') bad(`Invalid type for 'user': expected a string.`, 'user', 'invalid_type');
  if (raw.stream !== undefined) bad("Invalid parameter 'stream': embeddings are not streamed.", 'stream', 'unknown_parameter');
  return raw as EmbeddingsRequest;
}
