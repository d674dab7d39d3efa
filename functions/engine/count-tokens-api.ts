/**
 * Anthropic token counting (`POST /v1/messages/count_tokens`): not served yet. A placeholder so the endpoint table is complete; its implementation replaces it.
 */
import { messagesApi, type ClientApiSpec } from './client-api.js';
import { BadRequest } from './errors.js';

export const countTokensApi: ClientApiSpec<unknown> = {
  ...(messagesApi as unknown as ClientApiSpec<unknown>),
  name: 'count_tokens',
  parse() {
    throw new BadRequest('modelgate does not serve /v1/messages/count_tokens yet.', undefined, 404, 'unknown_endpoint');
  },
};
