/**
 * Vendors' default addresses and settings, in a module with no dependencies, so the config
 * compiler (which the Pulumi components load too) can use them without loading the adapters.
 */

export const DEFAULT_BEDROCK_REGION = 'us-east-1';
export const DEFAULT_VERTEX_REGION = 'global';
/** Azure OpenAI's v1 API (the CRD's default): the model is named in the body, no dated version. */
export const DEFAULT_AZURE_API_VERSION = 'v1';

export function bedrockHost(region: string): string {
  return `bedrock-runtime.${region}.amazonaws.com`;
}

/** Vertex's host for a location: the global endpoint, the `us`/`eu` multi-region ones, or a regional one. */
export function vertexHost(region: string): string {
  if (region === 'global') return 'aiplatform.googleapis.com';
  if (region === 'us' || region === 'eu') return `aiplatform.${region}.rep.googleapis.com`;
  return `${region}-aiplatform.googleapis.com`;
}
