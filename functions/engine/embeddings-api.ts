/**
 * OpenAI embeddings (`POST /v1/embeddings`): not served yet. A placeholder so the endpoint table is complete; its implementation replaces it.
 */
import { chatApi, type ClientApiSpec } from './client-api.js';
import { BadRequest } from './errors.js';

export const embeddingsApi: ClientApiSpec<unknown> = {
  ...(chatApi as unknown as ClientApiSpec<unknown>),
  name: 'embeddings',
  parse() {
    throw new BadRequest('modelgate does not serve /v1/embeddings yet.', undefined, 404, 'unknown_endpoint');
  },
};
