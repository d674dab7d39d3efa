/**
 * Bedrock errors -> the client's error shapes, and the status each error stands for. Bedrock
 * names the error in the `x-amzn-errortype` header (`ThrottlingException:http://...`) and puts
 * `{"message": "..."}` (sometimes with `__type`) in the body. Inside a ConverseStream an error is
 * an exception message whose `:exception-type` is the same name in camelCase (`throttlingException`).
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 */
import type { OpenAIErrorBody } from '../openai/wire.js';
import type { StreamFailure } from '../types.js';
import { errorTypeForStatus, genericUpstreamError, openAIError } from '../shared/error-body.js';
import { scrubSecrets } from '../shared/scrub.js';

interface Mapping {
  status: number;
  type: string;
  code: string | null;
}

/**
 * | Bedrock exception               | HTTP | OpenAI `type`         | OpenAI `code`       |
 * |---------------------------------|------|-----------------------|---------------------|
 * | ValidationException             | 400  | invalid_request_error | null                |
 * | ServiceQuotaExceededException   | 400  | invalid_request_error | quota_exceeded      |
 * | UnrecognizedClientException     | 403  | authentication_error  | invalid_api_key     |
 * | AccessDeniedException           | 403  | permission_error      | null                |
 * | ResourceNotFoundException       | 404  | not_found_error       | model_not_found     |
 * | ModelTimeoutException           | 408  | server_error          | timeout             |
 * | ModelErrorException             | 424  | server_error          | model_error         |
 * | ThrottlingException             | 429  | rate_limit_error      | rate_limit_exceeded |
 * | ModelNotReadyException          | 429  | server_error          | model_not_ready     |
 * | InternalServerException         | 500  | server_error          | null                |
 * | ModelStreamErrorException       | 500* | server_error          | model_stream_error  |
 * | ServiceUnavailableException     | 503  | server_error          | service_unavailable |
 *
 * *AWS documents 424 ("retry your request"); it only ever arrives inside a stream, where it means
 * what Anthropic's in-stream `api_error` means, so it counts as a 500 and fails over.
 */
const BY_NAME: Readonly<Record<string, Mapping>> = {
  validationexception: { status: 400, type: 'invalid_request_error', code: null },
  servicequotaexceededexception: { status: 400, type: 'invalid_request_error', code: 'quota_exceeded' },
  unrecognizedclientexception: { status: 403, type: 'authentication_error', code: 'invalid_api_key' },
  invalidsignatureexception: { status: 403, type: 'authentication_error', code: 'invalid_api_key' },
  expiredtokenexception: { status: 403, type: 'authentication_error', code: 'invalid_api_key' },
  accessdeniedexception: { status: 403, type: 'permission_error', code: null },
  resourcenotfoundexception: { status: 404, type: 'not_found_error', code: 'model_not_found' },
  modeltimeoutexception: { status: 408, type: 'server_error', code: 'timeout' },
  modelerrorexception: { status: 424, type: 'server_error', code: 'model_error' },
  throttlingexception: { status: 429, type: 'rate_limit_error', code: 'rate_limit_exceeded' },
  modelnotreadyexception: { status: 429, type: 'server_error', code: 'model_not_ready' },
  internalserverexception: { status: 500, type: 'server_error', code: null },
  modelstreamerrorexception: { status: 500, type: 'server_error', code: 'model_stream_error' },
  serviceunavailableexception: { status: 503, type: 'server_error', code: 'service_unavailable' },
};

/** `ThrottlingException:http://internal.amazon.com/...` or `com.amazon.coral#ThrottlingException` -> `throttlingexception`. */
function normalise(name: string): string {
  return name.split(':')[0]!.split('#').pop()!.trim().toLowerCase();
}

function bedrockErrorMapping(name: string | undefined): Mapping | undefined {
  return name ? BY_NAME[normalise(name)] : undefined;
}

function parse(body: string): { message?: string; type?: string } {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const message = typeof parsed.message === 'string' ? parsed.message : typeof parsed.Message === 'string' ? parsed.Message : undefined;
    const type = typeof parsed.__type === 'string' ? parsed.__type : undefined;
    return { ...(message !== undefined && { message }), ...(type !== undefined && { type }) };
  } catch {
    return {};
  }
}

export function translateBedrockError(status: number, body: string, headers?: Readonly<Record<string, string>>): OpenAIErrorBody {
  const { message, type } = parse(body);
  if (message === undefined) return genericUpstreamError(status);
  const name = headers?.['x-amzn-errortype'] ?? type;
  const mapping = bedrockErrorMapping(name);
  return mapping ? openAIError(message, mapping.type, mapping.code) : openAIError(message, errorTypeForStatus(status), null);
}

/** An exception message inside a ConverseStream -> the failure the engine reports. */
export function bedrockStreamFailure(exception: string, data: string): StreamFailure {
  const mapping = bedrockErrorMapping(exception);
  const message = parse(data).message ?? `Bedrock reported ${exception} in the stream.`;
  return { status: mapping?.status ?? 500, type: exception, message: scrubSecrets(message) };
}
