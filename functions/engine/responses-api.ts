/**
 * The OpenAI Responses API (`POST /v1/responses`): not served yet. A placeholder so the endpoint table is complete; its implementation replaces it.
 */
import { chatApi, type ClientApiSpec } from './client-api.js';
import { BadRequest } from './errors.js';

export const responsesApi: ClientApiSpec<unknown> = {
  ...(chatApi as unknown as ClientApiSpec<unknown>),
  name: 'responses',
  parse() {
    throw new BadRequest('modelgate does not serve /v1/responses yet.', undefined, 404, 'unknown_endpoint');
  },
};
