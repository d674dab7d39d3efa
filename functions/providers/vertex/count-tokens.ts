/**
 * Token counting for Claude on Vertex AI: `publishers/anthropic/models/count-tokens:rawPredict`
 * (one address for every Claude model), given the Messages body with the model named in it — in
 * Vertex's spelling (`claude-sonnet-4-5`, `claude-3-5-sonnet@20241022`) — and Vertex's
 * `anthropic_version`. It answers Anthropic's `{"input_tokens": N}`, and errors in Anthropic's
 * shape or Google's. Gemini models on Vertex have no Anthropic-shaped token counting: the
 * registry does not offer this adapter for them.
 * https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/count-tokens
 */
import { DEFAULT_VERTEX_REGION } from '../../core/endpoints.js';
import { RequestNotExpressible } from '../types.js';
import { pathSegment, requireModel, vendorUrl } from '../shared/target.js';
import { clientBeta, noCountTokensStream, readInputTokens, type CountTokensAdapter } from '../anthropic/count-tokens.js';
import { VERTEX_ANTHROPIC_VERSION, vertexAnthropicModel, vertexMessages } from './adapter.js';

export const vertexCountTokens: CountTokensAdapter = {
  streamFormat: 'sse',
  buildRequest(req, target, context) {
    const requested = requireModel(target, req.model);
    const model = vertexAnthropicModel(requested) ?? requested;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (target.apiKey) headers.authorization = `Bearer ${target.apiKey}`;
    const beta = clientBeta(context?.headers);
    if (beta !== undefined) headers['anthropic-beta'] = beta;
    const project = pathSegment(target.projectId ?? '');
    const region = pathSegment(target.region ?? DEFAULT_VERTEX_REGION);
    // Vertex refuses the deprecated `output_format`; dropping it would count fewer tokens than the request has.
    if (req.output_format !== undefined) {
      throw new RequestNotExpressible(
        `output_format: provider "${target.name}" (vertexai) does not take the deprecated \`output_format\`; send \`output_config.format\``,
        'output_format',
      );
    }
    const rest = req;
    return {
      url: vendorUrl({ ...target, path: undefined }, `/v1/projects/${project}/locations/${region}/publishers/anthropic/models/count-tokens:rawPredict`),
      headers,
      body: JSON.stringify({ ...rest, model, anthropic_version: VERTEX_ANTHROPIC_VERSION }),
    };
  },
  translateResponse(body, sentModel) {
    readInputTokens(body);
    return { body: body as { input_tokens: number }, model: sentModel };
  },
  streamTranslator: noCountTokensStream,
  translateError: (status, body) => vertexMessages.translateError(status, body),
};
