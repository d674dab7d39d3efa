/**
 * Who may call a route rule: JWT authentication, then basic authentication, then the
 * authorization rules (agentgateway's order: authorization runs after authentication, so a missing
 * or bad credential is a 401 before any rule is evaluated, and a refused one a 403). Every refusal
 * is answered in the client API's error shape, before any upstream call. Verified credentials are
 * taken out of the request that goes on; the client's identity is recorded (client-identity.ts).
 * What is logged names the problem, never the credential.
 */
import type { Logger } from '../core/log.js';
import { toCel } from '../model/compile-ai-transformations.js';
import type { TrafficAuth } from '../model/traffic-auth-config.js';
import { authenticateBasic } from './basic-auth.js';
import { errorResponseFor, type ClientApiSpec } from './client-api.js';
import { clientIdentityOf, setClientIdentity, type ClientIdentity } from './client-identity.js';
import { authenticateJwt, TOKEN_PROBLEM_TEXT } from './jwt-auth.js';
import { authorizes, readsBody } from './traffic-authorization.js';
import type { GatewayRequest, GatewayResponse } from './types.js';

/** The largest body parsed for `llmRequest` (engine.ts answers larger ones 413). */
const MAX_PARSED_BODY = 6 * 1024 * 1024;

export interface TrafficAuthContext {
  now: () => number;
  logger: Logger;
}

type ErrorApi = Pick<ClientApiSpec<unknown>, 'errorBody'>;

/** The request to go on with (without verified credentials), or the refusal. */
export async function checkTrafficAuth(
  auth: TrafficAuth,
  req: GatewayRequest,
  api: ErrorApi,
  ctx: TrafficAuthContext,
): Promise<{ req: GatewayRequest } | { response: GatewayResponse }> {
  let identity: ClientIdentity | undefined = clientIdentityOf(req);
  let current = req;
  let jwt: Record<string, unknown> = {};
  let basicAuth: Record<string, unknown> = {};
  const refuse = (response: GatewayResponse, why: string) => {
    ctx.logger.log('info', 'auth_refused', `${req.method} ${req.path}: ${why}`, { requestId: req.id, status: response.status, reason: why });
    return { response };
  };

  if (auth.jwt) {
    const r = await authenticateJwt(auth.jwt, current, ctx);
    if (r.kind === 'missing')
      return refuse(unauthorized(api, 'This gateway needs a JWT: send it in the Authorization header, as a Bearer token.', 'missing_token', 'Bearer'), 'jwt missing');
    if (r.kind === 'invalid') {
      const text = TOKEN_PROBLEM_TEXT[r.problem];
      return refuse(unauthorized(api, `The JWT is not valid: ${text}.`, 'invalid_token', `Bearer error="invalid_token", error_description="${text}"`), `jwt ${r.problem}`);
    }
    if (r.kind === 'unavailable') {
      return refuse(
        errorResponseFor(api, 503, 'The keys to verify the JWT cannot be fetched right now; try again shortly.', 'server_error', 'jwks_unavailable', { 'retry-after': '5' }),
        'jwks unavailable',
      );
    }
    if (r.kind === 'verified') {
      current = r.req;
      jwt = toCel(r.claims) as Record<string, unknown>;
      const id = typeof r.claims.sub === 'string' ? r.claims.sub : String(r.claims.iss ?? '');
      identity = { source: 'jwt', id, claims: r.claims, token: r.token };
    }
  }

  if (auth.basic) {
    const r = await authenticateBasic(auth.basic, current, ctx.now);
    const challenge = `Basic realm="${auth.basic.realm.replaceAll('"', "'")}"`;
    if (r.kind === 'missing')
      return refuse(unauthorized(api, 'This gateway needs a user name and password (HTTP basic authentication).', 'missing_credentials', challenge), 'basic missing');
    if (r.kind === 'invalid') return refuse(unauthorized(api, 'The user name or password is not valid.', 'invalid_credentials', challenge), 'basic invalid');
    if (r.kind === 'busy') {
      return refuse(errorResponseFor(api, 503, 'Too many password checks are waiting; try again shortly.', 'server_error', 'auth_busy', { 'retry-after': '1' }), 'basic busy');
    }
    if (r.kind === 'verified') {
      current = r.req;
      basicAuth = { username: r.username };
      if (identity?.source !== 'jwt') identity = { source: 'basic', id: r.username };
    }
  }

  if (auth.authorization) {
    const request = { method: current.method, path: current.path, host: current.headers.host ?? '', headers: { ...current.headers } };
    const llmRequest = readsBody(auth.authorization) ? bodyOf(current) : {};
    if (!authorizes(auth.authorization, { request, jwt, basicAuth, llmRequest })) {
      const refused = errorResponseFor(api, 403, "This request is not allowed by the gateway's authorization policy.", 'invalid_request_error', 'permission_denied');
      return refuse(refused, `authorization denied${identity ? ` (${identity.source} ${identity.id})` : ''}`);
    }
  }

  if (identity) {
    // Also as a plain field on the request, which rate-limit.ts reads today (`clientIdentityOf` is the typed way).
    if (identity.source !== 'apiKey') current = { ...current, clientIdentity: identity.id } as GatewayRequest;
    setClientIdentity(current, identity);
  }
  return { req: current };
}

function unauthorized(api: ErrorApi, message: string, code: string, challenge: string): GatewayResponse {
  return errorResponseFor(api, 401, message, 'authentication_error', code, { 'www-authenticate': challenge });
}

/** The JSON body as CEL values, or empty when it is not a JSON object (its parser will say why). */
function bodyOf(req: GatewayRequest): Record<string, unknown> {
  if (req.body.length === 0 || req.body.length > MAX_PARSED_BODY) return {};
  try {
    const parsed: unknown = JSON.parse(Buffer.from(req.body).toString('utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (toCel(parsed) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
