/**
 * OpenAI's embeddings API (`POST /v1/embeddings`), the shape modelgate's embeddings clients speak:
 * https://platform.openai.com/docs/api-reference/embeddings. Every other vendor's embeddings are
 * translated to and from it.
 */

/** One text, several texts, one token array, or several token arrays. */
export type EmbeddingInput = string | string[] | number[] | number[][];

export interface EmbeddingsRequest {
  model?: string;
  input: EmbeddingInput;
  /** Length of the vectors, for models that can shorten them (text-embedding-3-*, Titan v2, Nova, Gemini). */
  dimensions?: number;
  /** `float` (the default) or `base64`: the vector's little-endian float32 bytes. The openai SDK asks for base64 unless told otherwise. */
  encoding_format?: 'float' | 'base64';
  user?: string;
  /** Vendor extensions (Vertex's `task_type`, Cohere's `input_type`, ...): passed to OpenAI-shaped hosts, read by the translations that know them. */
  [field: string]: unknown;
}

export interface EmbeddingObject {
  object: 'embedding';
  index: number;
  embedding: number[] | string;
}

export interface EmbeddingsResponse {
  object: 'list';
  data: EmbeddingObject[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}
