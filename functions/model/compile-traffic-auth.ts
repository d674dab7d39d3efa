/**
 * `traffic.jwtAuthentication`, `traffic.basicAuthentication` and `traffic.authorization` compiled
 * for one route rule, from the traffic policies that cover it (least specific first, as
 * compile-policies.ts orders them). As agentgateway merges them: a more specific policy's JWT or
 * basic authentication replaces a less specific one; authorization rules of every level are kept.
 *
 * Authorization expressions are CEL over `request` (as a condition sees it), `jwt` (the verified
 * token's claims), `basicAuth` (`username`) and — a modelgate addition, as a model's
 * `policies.authorization` has it — `llmRequest`, the request body, so a rule can name the model.
 * Parsed, name-checked and cost-bounded at load with the machinery of cel.ts.
 */
import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import type { JWK } from 'jose';
import { parseDuration } from '../core/duration.js';
import { boundContext, CEL_CONTEXT_LIMITS, CEL_PARSE_LIMITS, CONTEXT_SHAPE } from './cel-bounds.js';
import type { CostModel } from './cel-cost.js';
import { LINEAR_MATCHES, programSize, registerLinearMatches } from './cel-matches.js';
import { CEL_VARIABLES, unknownNames } from './cel-names.js';
import { checkCost, lazyEnvironment, parse } from './cel.js';
import type { SecretSource } from './compile-secrets.js';
import { compileCredentialLocation, CREDENTIAL_CHARS, type CredentialLocationSpec } from './credential-location.js';
import { parseHtpasswd } from './htpasswd.js';
import type { BasicAuthenticationSpec, JwtAuthenticationSpec, JwtProviderSpec, TrafficAuthorizationSpec } from './schema/traffic-auth.js';
import type { AuthorizationRuleSet, BasicAuthConfig, JwtAuthConfig, JwtProviderConfig, TrafficAuth } from './traffic-auth-config.js';

/** The largest request body (engine.ts's MAX_REQUEST_BODY): the bound on anything in `llmRequest`. */
const BODY_BOUND = 6 * 1024 * 1024;
/** agentgateway's default `cacheDuration` for a remote JWKS. */
const DEFAULT_JWKS_CACHE_MS = 5 * 60_000;
/** The Secret key agentgateway reads an htpasswd file from (the CRD's `secretRef` description). */
const HTPASSWD_SECRET_KEY = '.htaccess';
/** Key types agentgateway accepts (jwt.rs: RSA, EC, OKP Ed25519); `oct` (HMAC) keys are refused. */
const KEY_TYPES = new Set(['RSA', 'EC', 'OKP']);

/** What an authorization expression is evaluated over. */
export interface AuthorizationInput {
  request: { method: string; path: string; host: string; headers: Record<string, string> };
  /** The verified token's claims (CEL values: integers as BigInt); empty without a token. */
  jwt: Record<string, unknown>;
  /** `{ username }` after basic authentication; empty without. */
  basicAuth: Record<string, unknown>;
  /** The request body as CEL values; empty when it is not a JSON object. */
  llmRequest: Record<string, unknown>;
}

/** A class with the program in a private field, so a dump of the config shows the source only. */
export class AuthorizationExpression {
  readonly #program: ParseResult;
  readonly #readsBody: boolean;

  constructor(
    readonly source: string,
    program: ParseResult,
  ) {
    this.#program = program;
    this.#readsBody = source.includes('llmRequest');
  }

  /** Whether the expression reads the body (only then does the engine parse it for authorization); found at load. */
  get readsBody(): boolean {
    return this.#readsBody;
  }

  /** True only for `true`: an expression that fails to evaluate does not match (agentgateway's rule). */
  matches(input: AuthorizationInput): boolean {
    try {
      return this.#program(boundInput(input)) === true;
    } catch {
      return false;
    }
  }
}

const env = lazyEnvironment(() =>
  registerLinearMatches(
    new Environment({ limits: CEL_PARSE_LIMITS, homogeneousAggregateLiterals: false })
      .registerVariable({ name: 'request', schema: CEL_VARIABLES.request })
      .registerVariable('jwt', 'map')
      .registerVariable({ name: 'basicAuth', schema: { username: 'string' } })
      .registerVariable('llmRequest', 'map'),
  ),
);

const COST_MODEL: CostModel = {
  variables: {
    request: CONTEXT_SHAPE.request!,
    // Claims come from a token of at most CREDENTIAL_CHARS characters: nothing in them is larger.
    jwt: { size: CREDENTIAL_CHARS, bound: CREDENTIAL_CHARS },
    basicAuth: { size: 1, fields: { username: { size: CREDENTIAL_CHARS } } },
    llmRequest: { size: BODY_BOUND, bound: BODY_BOUND, fields: { model: { size: CEL_CONTEXT_LIMITS.valueChars } } },
  },
  unknownSize: BODY_BOUND,
  matchFunctions: new Set([LINEAR_MATCHES]),
  programSize,
};

export function compileAuthorizationExpression(source: string): AuthorizationExpression {
  const program = parse(env(), source);
  const unknown = unknownNames(program.ast, (name) => env().hasVariable(name));
  if (unknown.length > 0) throw new Error(unknown.join('; '));
  const checked = program.check();
  if (!checked.valid) throw new Error(`invalid CEL expression: ${checked.error?.summary ?? 'does not type-check'}`);
  if (checked.type !== 'bool' && checked.type !== 'dyn') throw new Error(`an authorization expression must evaluate to a bool, not ${checked.type}`);
  checkCost(program, COST_MODEL, `jwt counts as a token of up to ${CREDENTIAL_CHARS} characters, llmRequest as a body of up to ${BODY_BOUND} bytes`);
  return new AuthorizationExpression(source, program);
}

/** What merging needs from the compile: Secrets, and where problems go. */
export interface TrafficAuthContext {
  secrets: SecretSource;
  problems: string[];
}

/** The traffic block's own auth, compiled once per compile (one policy covers many rules, and its JWKS cache must be one). */
const compiled = new WeakMap<string[], WeakMap<object, TrafficAuth>>();

/** `into` with the auth of one more traffic block (more specific than everything in `into`). */
export function mergeTrafficAuth(
  into: TrafficAuth | undefined,
  traffic: {
    jwtAuthentication?: JwtAuthenticationSpec | undefined;
    basicAuthentication?: BasicAuthenticationSpec | undefined;
    authorization?: TrafficAuthorizationSpec | undefined;
  },
  at: string,
  namespace: string,
  ctx: TrafficAuthContext,
): TrafficAuth | undefined {
  if (!traffic.jwtAuthentication && !traffic.basicAuthentication && !traffic.authorization) return into;
  let perCompile = compiled.get(ctx.problems);
  if (!perCompile) {
    perCompile = new WeakMap();
    compiled.set(ctx.problems, perCompile);
  }
  let own = perCompile.get(traffic);
  if (!own) {
    own = compileBlock(traffic, at, namespace, ctx);
    perCompile.set(traffic, own);
  }
  const authorization = [...(into?.authorization ?? []), ...(own.authorization ?? [])];
  return {
    ...into,
    ...(own.jwt && { jwt: own.jwt }),
    ...(own.basic && { basic: own.basic }),
    ...(authorization.length > 0 && { authorization }),
  };
}

function compileBlock(traffic: Parameters<typeof mergeTrafficAuth>[1], at: string, namespace: string, ctx: TrafficAuthContext): TrafficAuth {
  const jwt = traffic.jwtAuthentication && compileJwt(traffic.jwtAuthentication, `${at}.jwtAuthentication`, ctx.problems);
  const basic = traffic.basicAuthentication && compileBasic(traffic.basicAuthentication, `${at}.basicAuthentication`, namespace, ctx);
  const rules = traffic.authorization && compileAuthorization(traffic.authorization, `${at}.authorization.policy.matchExpressions`, ctx.problems);
  return { ...(jwt && { jwt }), ...(basic && { basic }), ...(rules && { authorization: [rules] }) };
}

function compileJwt(spec: JwtAuthenticationSpec, where: string, problems: string[]): JwtAuthConfig {
  const location = compileCredentialLocation(spec.location as CredentialLocationSpec | undefined, `${where}.location`, problems);
  const providers = spec.providers.flatMap((p, i) => compileProvider(p, `${where}.providers[${i}]`, problems) ?? []);
  return { mode: spec.mode, ...(location && { location }), providers };
}

function compileProvider(p: JwtProviderSpec, where: string, problems: string[]): JwtProviderConfig | undefined {
  const audiences = p.audiences && p.audiences.length > 0 ? { audiences: p.audiences } : {};
  const remote = p.jwks.remote;
  if (remote?.url) {
    return { issuer: p.issuer, ...audiences, jwks: { url: remote.url, cacheDurationMs: remote.cacheDuration ? parseDuration(remote.cacheDuration)! : DEFAULT_JWKS_CACHE_MS } };
  }
  const keys = inlineKeys(p.jwks.inline ?? '', `${where}.jwks.inline`, problems);
  return keys && { issuer: p.issuer, ...audiences, jwks: { keys } };
}

/** An inline JWKS, checked as agentgateway checks it at load: JSON with `keys`, each with a `kid` and an RSA, EC or OKP key. */
function inlineKeys(text: string, where: string, problems: string[]): JWK[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    problems.push(`${where}: not JSON`);
    return undefined;
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) {
    problems.push(`${where}: a JWKS is an object with a "keys" array`);
    return undefined;
  }
  const bad = keys.findIndex((k) => !isUsableKey(k));
  if (bad >= 0) {
    problems.push(`${where}: keys[${bad}] needs a "kid" and an RSA, EC or OKP (Ed25519) key (kty); HMAC (oct) keys are not accepted`);
    return undefined;
  }
  return keys as JWK[];
}

/** A key agentgateway would load: it has a kid and a public-key type. */
export function isUsableKey(k: unknown): k is JWK {
  if (typeof k !== 'object' || k === null) return false;
  const { kid, kty } = k as { kid?: unknown; kty?: unknown };
  return typeof kid === 'string' && kid.length > 0 && typeof kty === 'string' && KEY_TYPES.has(kty);
}

function compileBasic(spec: BasicAuthenticationSpec, where: string, namespace: string, ctx: TrafficAuthContext): BasicAuthConfig | undefined {
  const location = compileCredentialLocation(spec.location as CredentialLocationSpec | undefined, `${where}.location`, ctx.problems);
  let lines: readonly string[] | undefined = spec.users;
  if (spec.secretRef) {
    const key = spec.secretRef.key ?? HTPASSWD_SECRET_KEY;
    const text = ctx.secrets.get(namespace, spec.secretRef.name, key);
    if (text === undefined) {
      ctx.problems.push(`${where}.secretRef: key "${key}" of Secret ${namespace}/${spec.secretRef.name} not found`);
      return undefined;
    }
    lines = text.split('\n');
  }
  const users = parseHtpasswd(lines ?? [], spec.secretRef ? `${where}.secretRef` : `${where}.users`, ctx.problems);
  if (users.size === 0) ctx.problems.push(`${where}: no user`);
  return { mode: spec.mode, realm: spec.realm ?? 'Restricted', ...(location && { location }), users };
}

function compileAuthorization(spec: TrafficAuthorizationSpec, where: string, problems: string[]): AuthorizationRuleSet | undefined {
  const expressions = spec.policy.matchExpressions.flatMap((source, i) => {
    try {
      return [compileAuthorizationExpression(source)];
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      problems.push(`${where}[${i}]: ${error.message}`);
      return [];
    }
  });
  return expressions.length === spec.policy.matchExpressions.length ? { action: spec.action, expressions } : undefined;
}

/** The input within what the cost estimate assumed: `request` as a condition sees it, `llmRequest.model` clipped. */
function boundInput(input: AuthorizationInput): Record<string, unknown> {
  const request = boundContext({ request: input.request, llm: { provider: '', streaming: false } }).request;
  const model = input.llmRequest.model;
  const max = CEL_CONTEXT_LIMITS.valueChars;
  const llmRequest = typeof model === 'string' && model.length > max ? { ...input.llmRequest, model: model.slice(0, max) } : input.llmRequest;
  return { request, jwt: input.jwt, basicAuth: input.basicAuth, llmRequest };
}
