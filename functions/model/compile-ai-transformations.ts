/**
 * `ai.transformations` / `ai.finalTransformations` (a request field computed with CEL) and
 * `ai.routes` (which API a path suffix speaks), compiled at load. Each expression is parsed once
 * with the same CEL machinery as the conditions (cel-js with RE2 `matches`, cel-names' checks, the
 * cost estimate of cel-cost.ts), type-checked against the variables a transformation sees:
 * `request` (as in a condition) and `llmRequest` (the request body, a JSON map, as agentgateway
 * names it). `response` and `llm` do not exist yet when a request is being built, so naming them
 * is refused at load, as a name modelgate lacks is.
 */
import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import { boundContext, CEL_CONTEXT_LIMITS, CEL_PARSE_LIMITS, CONTEXT_SHAPE } from './cel-bounds.js';
import type { CostModel } from './cel-cost.js';
import { LINEAR_MATCHES, programSize, registerLinearMatches } from './cel-matches.js';
import { CEL_VARIABLES, unknownNames } from './cel-names.js';
import { checkCost as checkCelCost, lazyEnvironment, parse as parseCel } from './cel.js';

/** The largest body a request may carry (engine.ts's MAX_REQUEST_BODY): the bound on anything in `llmRequest`. */
const BODY_BOUND = 6 * 1024 * 1024;

/** What a transformation is evaluated over. */
export interface TransformationInput {
  request: { method: string; path: string; host: string; headers: Record<string, string> };
  /** The request body as CEL values (see `toCel`). */
  llmRequest: Record<string, unknown>;
}

/** A class with the program in a private field, so the config dump shows `field` and `source` and nothing else. */
export class CompiledTransformation {
  readonly #program: ParseResult;

  constructor(
    readonly field: string,
    readonly source: string,
    program: ParseResult,
  ) {
    this.#program = program;
  }

  /** The value to set, as JSON; `undefined` when the expression failed to evaluate (the field is then left as it was). */
  evaluate(input: TransformationInput): unknown {
    try {
      return fromCel(this.#program(boundInput(input)));
    } catch {
      return undefined;
    }
  }
}

/** agentgateway's `string.stripPrefix(prefix)` / `stripSuffix`, used in its docs to turn `openai/gpt-4o` into `gpt-4o`. */
function registerStringHelpers(env: Environment): Environment {
  return env
    .registerFunction('string.stripPrefix(string): string', (s: string, p: string) => (s.startsWith(p) ? s.slice(p.length) : s), { async: false })
    .registerFunction('string.stripSuffix(string): string', (s: string, p: string) => (p !== '' && s.endsWith(p) ? s.slice(0, -p.length) : s), { async: false });
}

// Mixed literals (`{"user_id": request.headers["x-user"], "n": 1}`) build JSON, as agentgateway's CEL allows.
const env = lazyEnvironment(() =>
  registerStringHelpers(
    registerLinearMatches(
      new Environment({ limits: CEL_PARSE_LIMITS, homogeneousAggregateLiterals: false })
        .registerVariable({ name: 'request', schema: CEL_VARIABLES.request })
        .registerVariable('llmRequest', 'map'),
    ),
  ),
);

/**
 * `llmRequest` as evaluation bounds it: `model` cut to CEL_CONTEXT_LIMITS.valueChars (as the
 * context's strings are), everything else at most the body's size. So `llmRequest.model` can be
 * rewritten cheaply, while a comprehension over `llmRequest.messages` is refused as too costly.
 */
const COST_MODEL: CostModel = {
  variables: {
    request: CONTEXT_SHAPE.request!,
    llmRequest: { size: BODY_BOUND, bound: BODY_BOUND, fields: { model: { size: CEL_CONTEXT_LIMITS.valueChars } } },
  },
  unknownSize: BODY_BOUND,
  matchFunctions: new Set([LINEAR_MATCHES]),
  programSize,
};

/** A transformation refused at load; the message names what is wrong, the caller names the field. */
export class TransformationError extends Error {}

const NOT_YET: Record<string, string> = {
  response: 'response is not available in a transformation: it runs before the request is sent (it has request, llmRequest)',
  llm: 'llm is not available in a transformation: read the request body as llmRequest (it has request, llmRequest)',
};

export function compileTransformation(field: string, source: string): CompiledTransformation {
  const program = parse(source);
  // `response` and `llm` pass this walk (their fields are checked as in a condition) and are refused by the type check below.
  const problems = unknownNames(program.ast, (name) => env().hasVariable(name) || Object.hasOwn(NOT_YET, name));
  if (problems.length > 0) throw new TransformationError(problems.join('; '));
  const checked = program.check();
  if (!checked.valid) {
    const missing = Object.keys(NOT_YET).find((name) => checked.error?.summary === `Unknown variable: ${name}`);
    throw new TransformationError(missing ? NOT_YET[missing]! : `invalid CEL expression: ${checked.error?.summary ?? 'does not type-check'}`);
  }
  checkCost(program);
  return new CompiledTransformation(field, source, program);
}

function parse(source: string): ParseResult {
  return parseCel(env(), source, (message) => new TransformationError(message));
}

function checkCost(program: ParseResult): void {
  checkCelCost(
    program,
    COST_MODEL,
    `llmRequest counts as a body of up to ${BODY_BOUND} bytes; only llmRequest.model is bounded, to ${CEL_CONTEXT_LIMITS.valueChars} characters`,
    (message) => new TransformationError(message),
  );
}

/** The input within what the cost estimate assumed: the request as a condition sees it, `llmRequest.model` clipped. */
function boundInput(input: TransformationInput): Record<string, unknown> {
  const request = boundContext({ request: input.request, llm: { provider: '', streaming: false } }).request;
  const model = input.llmRequest.model;
  const max = CEL_CONTEXT_LIMITS.valueChars;
  const llmRequest = typeof model === 'string' && model.length > max ? { ...input.llmRequest, model: model.slice(0, max) } : input.llmRequest;
  return { request, llmRequest };
}

/**
 * JSON as CEL values: integers become CEL `int`s (BigInt in cel-js), as agentgateway's JSON-to-CEL
 * conversion makes them, so `llmRequest.max_tokens * 2` is integer arithmetic. Objects are copied
 * with own properties only (a `__proto__` key stays a key).
 */
export function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  return value;
}

/** A CEL result as JSON: ints back to numbers, maps to objects; bytes, durations and timestamps as their strings. */
export function fromCel(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map(fromCel);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), fromCel(v)]));
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, fromCel(v)]));
  }
  return String(value);
}

/** Compiles a list of transformations, pushing one problem per refused expression, named by its field path. */
export function compileTransformations(
  list: ReadonlyArray<{ field: string; expression: string }> | undefined,
  where: string,
  problems: string[],
): CompiledTransformation[] | undefined {
  if (!list) return undefined;
  const out: CompiledTransformation[] = [];
  list.forEach(({ field, expression }, i) => {
    if (field === 'stream') {
      // Whether the answer streams is read from the client's request before any provider is tried.
      problems.push(`${where}[${i}].field: stream cannot be transformed: modelgate answers in the mode the client asked for`);
      return;
    }
    try {
      out.push(compileTransformation(field, expression));
    } catch (error) {
      if (!(error instanceof TransformationError)) throw error;
      problems.push(`${where}[${i}].expression (field ${field}): ${error.message}`);
    }
  });
  return out;
}

/** The route types of agentgateway's `ai.routes` that modelgate serves, by the API behind them. */
export type AiRouteType = 'Completions' | 'Messages' | 'Responses' | 'Embeddings' | 'Models' | 'AnthropicTokenCount';

/** The types modelgate does not serve, and why: refused at load rather than ignored. */
const UNSERVED_ROUTE_TYPES: Record<string, string> = {
  Passthrough: 'modelgate only forwards requests it parses and translates (failover needs to read and rewrite the body)',
  Realtime: 'the Realtime API is a WebSocket protocol; modelgate serves HTTP request/response and SSE',
  Rerank: 'modelgate has no rerank client API or provider adapters',
  Detect: "modelgate picks a request's API from its path; it does not guess it from the body",
  GenerateContent: "modelgate does not serve Gemini's client API (it calls Gemini as a provider)",
  GeminiCountTokens: "modelgate does not serve Gemini's client API (it calls Gemini as a provider)",
};

/** Path suffix -> route type, longest suffix first, `*` (any path) last. */
export type AiRoutes = ReadonlyArray<{ suffix: string; type: AiRouteType }>;

export function compileAiRoutes(routes: Readonly<Record<string, string>> | undefined, where: string, problems: string[]): AiRoutes | undefined {
  if (!routes) return undefined;
  const out: Array<{ suffix: string; type: AiRouteType }> = [];
  for (const [suffix, type] of Object.entries(routes)) {
    const why = UNSERVED_ROUTE_TYPES[type];
    if (why !== undefined) problems.push(`${where}["${suffix}"]: route type ${type} is not supported by modelgate: ${why}`);
    else out.push({ suffix, type: type as AiRouteType });
  }
  const rank = (suffix: string) => (suffix === '*' ? -1 : suffix.length);
  return out.sort((a, b) => rank(b.suffix) - rank(a.suffix));
}

/**
 * The `ai.routes` that decide which API a request to a rule with these backends speaks: those of
 * the first of their providers that has them. Routes are a backend-wide matter (the path is read
 * before a provider is chosen); compile-backends.ts warns when a backend's providers disagree.
 * Found once, when the rule is compiled.
 */
export function aiRoutesOf(backends: ReadonlyArray<{ backend: { providers: ReadonlyArray<{ ai: { routes?: AiRoutes } }> } }>): AiRoutes | undefined {
  for (const { backend } of backends) for (const p of backend.providers) if (p.ai.routes) return p.ai.routes;
  return undefined;
}
