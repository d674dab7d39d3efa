/**
 * Bedrock (the Converse API), from both client APIs: `/model/{modelId}/converse` for a buffered
 * answer and `/model/{modelId}/converse-stream` for a streamed one (a binary AWS event stream),
 * on `bedrock-runtime.{region}.amazonaws.com`, SigV4-signed with the AWS SDK's credential chain.
 */
import type { ChatCompletionsAdapter, MessagesAdapter, UpstreamRequest } from '../types.js';
import type { ProviderTarget } from '../../core/provider-target.js';
import { anthropicErrorFromOpenAI } from '../shared/error-body.js';
import { DEFAULT_BEDROCK_REGION } from '../../core/endpoints.js';
import { pathSegment, requireModel, vendorUrl } from '../shared/target.js';
import { translateBedrockError } from './errors.js';
import { chatToConverse, messagesToConverse } from './request.js';
import { translateConverseToChat, translateConverseToMessages } from './response.js';
import { awsAuthOf, signBedrockCall } from './sign.js';
import { BedrockChatStream, BedrockMessagesStream } from './stream.js';
import type { ConverseRequest } from './wire.js';

function call(target: ProviderTarget, model: string, stream: boolean, body: ConverseRequest): UpstreamRequest {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (stream) headers.accept = 'application/vnd.amazon.eventstream';
  // The model id is one path segment: `:` and the `/` of an inference profile ARN are escaped.
  const path = `/model/${pathSegment(model)}/${stream ? 'converse-stream' : 'converse'}`;
  return { url: vendorUrl(target, path), headers, body: JSON.stringify(body) };
}

const authorize = (upstream: UpstreamRequest, target: ProviderTarget) => signBedrockCall(upstream, target.region ?? DEFAULT_BEDROCK_REGION, undefined, awsAuthOf(target));

export const bedrockChat: ChatCompletionsAdapter = {
  streamFormat: 'aws-eventstream',
  buildRequest(req, target) {
    const model = requireModel(target, req.model);
    return call(target, model, req.stream === true, chatToConverse(req, target));
  },
  authorize,
  translateResponse: translateConverseToChat,
  streamTranslator: (sentModel, includeUsage) => new BedrockChatStream(sentModel, includeUsage),
  translateError: translateBedrockError,
};

export const bedrockMessages: MessagesAdapter = {
  streamFormat: 'aws-eventstream',
  buildRequest(req, target) {
    const model = requireModel(target, req.model);
    return call(target, model, req.stream === true, messagesToConverse(req, target));
  },
  authorize,
  translateResponse: translateConverseToMessages,
  streamTranslator: (sentModel) => new BedrockMessagesStream(sentModel),
  translateError: (status, body, headers) => anthropicErrorFromOpenAI(status, translateBedrockError(status, body, headers)),
};
