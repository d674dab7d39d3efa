/**
 * Token counting on Bedrock: the `CountTokens` API (`POST /model/{modelId}/count-tokens`,
 * SigV4-signed as the chat adapter signs), given the InvokeModel body the same Messages request
 * would have — base64 in `input.invokeModel.body` — and answering `{"inputTokens": N}`.
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_CountTokens.html
 *
 * The InvokeModel body of a Claude model is Anthropic's Messages body without `model` (it is in
 * the path), with `max_tokens` (required there; 1, as agentgateway sends) and Bedrock's
 * `anthropic_version`; the client's `anthropic-beta` header becomes the body's `anthropic_beta`.
 */
import { DEFAULT_BEDROCK_REGION } from '../../core/endpoints.js';
import { anthropicErrorFromOpenAI } from '../shared/error-body.js';
import { pathSegment, requireModel, vendorUrl } from '../shared/target.js';
import { clientBeta, noCountTokensStream, readInputTokens, type CountTokensAdapter, type CountTokensRequest } from '../anthropic/count-tokens.js';
import { translateBedrockError } from './errors.js';
import { awsAuthOf, signBedrockCall } from './sign.js';

/** What InvokeModel takes for Claude models (Anthropic's own `2023-06-01` is the direct API's). */
export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';

/** The InvokeModel body the request would have: the Messages body, model out, `max_tokens` and the version in. */
export function invokeModelBody(req: CountTokensRequest, beta: string | undefined): Record<string, unknown> {
  const { model: _model, ...rest } = req;
  const betas = beta
    ?.split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  return { ...rest, max_tokens: 1, anthropic_version: BEDROCK_ANTHROPIC_VERSION, ...(betas && betas.length > 0 && { anthropic_beta: betas }) };
}

export const bedrockCountTokens: CountTokensAdapter = {
  streamFormat: 'sse',
  buildRequest(req, target, context) {
    const model = requireModel(target, req.model);
    const inner = JSON.stringify(invokeModelBody(req, clientBeta(context?.headers)));
    return {
      url: vendorUrl({ ...target, path: undefined }, `/model/${pathSegment(model)}/count-tokens`),
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ input: { invokeModel: { body: Buffer.from(inner, 'utf8').toString('base64') } } }),
    };
  },
  authorize: (call, target) => signBedrockCall(call, target.region ?? DEFAULT_BEDROCK_REGION, undefined, awsAuthOf(target)),
  translateResponse(body, sentModel) {
    return { body: { input_tokens: readInputTokens(body, 'inputTokens') }, model: sentModel };
  },
  streamTranslator: noCountTokensStream,
  translateError: (status, body, headers) => anthropicErrorFromOpenAI(status, translateBedrockError(status, body, headers)),
};
