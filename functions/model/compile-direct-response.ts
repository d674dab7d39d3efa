/**
 * `traffic.directResponse`, compiled: a status, a body (text, or a CEL expression) and headers (CEL
 * expressions), or, in the conditional form, a list of those behind CEL conditions where the first
 * that holds answers. The expressions see what agentgateway's direct response sees: the request
 * (`request.method`, `path`, `host`, `headers`). There is no answer, model or body yet, so naming
 * `response`, `llm` or `llmRequest` is refused at load, as an unknown name is. Parsed once with the
 * CEL machinery of cel.ts (RE2 behind `matches()`, parse limits, the cost estimate).
 */
import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import { boundContext, CEL_CONTEXT_LIMITS, CEL_PARSE_LIMITS, CONTEXT_BOUND, CONTEXT_SHAPE } from './cel-bounds.js';
import type { CostModel } from './cel-cost.js';
import { LINEAR_MATCHES, programSize, registerLinearMatches } from './cel-matches.js';
import { CEL_VARIABLES, unknownNames } from './cel-names.js';
import { checkCost, lazyEnvironment, parse } from './cel.js';
import type { DirectResponseSpec } from './schema/traffic-http.js';

/** The request as a direct response's expressions see it. */
export interface RequestView {
  method: string;
  path: string;
  host: string;
  headers: Readonly<Record<string, string>>;
}

// Mixed literals (`{"error": request.path, "code": 1}`) make a JSON body, as in agentgateway's CEL.
const env = lazyEnvironment(() =>
  registerLinearMatches(new Environment({ limits: CEL_PARSE_LIMITS, homogeneousAggregateLiterals: false }).registerVariable({ name: 'request', schema: CEL_VARIABLES.request })),
);

const COST_MODEL: CostModel = { variables: { request: CONTEXT_SHAPE.request! }, unknownSize: CONTEXT_BOUND, matchFunctions: new Set([LINEAR_MATCHES]), programSize };

const NOT_HERE: Record<string, string> = {
  response: 'response is not available in a directResponse: it answers before any upstream (it has request)',
  llm: 'llm is not available in a directResponse: it answers before any model is chosen (it has request)',
  llmRequest: 'llmRequest is not available in a directResponse: it answers before the body is read (it has request)',
};

/** An expression refused at load; the message says why, the caller names the field. */
export class DirectResponseError extends Error {}

/** A parsed expression; the program in a private field, so a config dump shows the source only. */
export class RequestExpression {
  readonly #program: ParseResult;

  constructor(
    readonly source: string,
    program: ParseResult,
  ) {
    this.#program = program;
  }

  /** The value, or `undefined` when it failed to evaluate (a missing header, a wrong type). */
  evaluate(request: RequestView): unknown {
    try {
      const bounded = boundContext({ request: { ...request, headers: request.headers as Record<string, string> }, llm: { provider: '', streaming: false } }).request;
      return this.#program({ request: bounded });
    } catch {
      return undefined;
    }
  }
}

export function compileRequestExpression(source: string, kind: 'condition' | 'value'): RequestExpression {
  const program = parse(env(), source, (message) => new DirectResponseError(message));
  const problems = unknownNames(program.ast, (name) => env().hasVariable(name) || Object.hasOwn(NOT_HERE, name));
  if (problems.length > 0) throw new DirectResponseError(problems.join('; '));
  const checked = program.check();
  if (!checked.valid) {
    const missing = Object.keys(NOT_HERE).find((name) => checked.error?.summary === `Unknown variable: ${name}`);
    throw new DirectResponseError(missing ? NOT_HERE[missing]! : `invalid CEL expression: ${checked.error?.summary ?? 'does not type-check'}`);
  }
  if (kind === 'condition' && checked.type !== 'bool' && checked.type !== 'dyn') throw new DirectResponseError(`CEL condition must evaluate to a bool, not ${checked.type}`);
  checkCost(
    program,
    COST_MODEL,
    `headers count as ${CEL_CONTEXT_LIMITS.headers} values of ${CEL_CONTEXT_LIMITS.valueChars} characters`,
    (message) => new DirectResponseError(message),
  );
  return new RequestExpression(source, program);
}

/** One answer: the plain form's, or one entry of the conditional form (with its condition, except a last fallback). */
export interface DirectAnswer {
  when?: RequestExpression;
  status: number;
  body?: string;
  bodyExpression?: RequestExpression;
  headers: ReadonlyArray<{ name: string; value: RequestExpression }>;
}

/** The answers in order; the first whose `when` holds (or that has none) answers. */
export type CompiledDirectResponse = readonly DirectAnswer[];

export function compileDirectResponse(spec: DirectResponseSpec, where: string, problems: string[]): CompiledDirectResponse | undefined {
  const entries = spec.conditional
    ? spec.conditional.map((e, i) => ({ condition: e.condition, policy: e.policy, at: `${where}.conditional[${i}]` }))
    : [{ condition: undefined, policy: spec, at: where }];
  const out: DirectAnswer[] = [];
  let failed = false;
  const compile = (source: string, kind: 'condition' | 'value', at: string): RequestExpression | undefined => {
    try {
      return compileRequestExpression(source, kind);
    } catch (error) {
      if (!(error instanceof DirectResponseError)) throw error;
      problems.push(`${at}: ${error.message}`);
      failed = true;
      return undefined;
    }
  };
  for (const { condition, policy, at } of entries) {
    const policyAt = spec.conditional ? `${at}.policy` : at;
    const when = condition === undefined ? undefined : compile(condition, 'condition', `${at}.condition`);
    const bodyExpression = policy.bodyExpression === undefined ? undefined : compile(policy.bodyExpression, 'value', `${policyAt}.bodyExpression`);
    const headers = (policy.headers ?? []).flatMap((h, i) => {
      const value = compile(h.value, 'value', `${policyAt}.headers[${i}].value`);
      return value ? [{ name: h.name.toLowerCase(), value }] : [];
    });
    out.push({
      ...(when && { when }),
      status: policy.status!,
      ...(policy.body !== undefined && { body: policy.body }),
      ...(bodyExpression && { bodyExpression }),
      headers,
    });
  }
  return failed ? undefined : out;
}
