/**
 * CEL expressions from the config (`unhealthyCondition`, `retry.condition`), parsed once at load
 * with a real CEL implementation and evaluated per response. agentgateway's rule holds: an
 * expression that fails to evaluate (a missing header, a wrong type) counts as false. A name that
 * does not exist (`response.status`, `llm.model`) can only ever fail, so it is refused at load
 * instead (cel-names.ts), and a well-typed condition is checked against CelContext's types.
 *
 * An expression runs on every judged answer, over headers a client (or an upstream) chose, so it
 * cannot be allowed to block the event loop: `matches()` runs on RE2 (cel-matches.ts), and an
 * expression is refused at load when cel-js's parse limits or the cost estimate (cel-cost.ts) say
 * it is too large, with `test()` bounding the context so the estimate holds (cel-bounds.ts).
 */
import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import { boundContext, CEL_CONTEXT_LIMITS, CEL_COST_LIMIT, CEL_PARSE_LIMITS, CONTEXT_BOUND, CONTEXT_SHAPE } from './cel-bounds.js';
import { CelEstimateError, estimateCost, type CostModel } from './cel-cost.js';
import { LINEAR_MATCHES, MatchesPatternError, programSize, registerLinearMatches, useLinearMatches } from './cel-matches.js';
import { CEL_VARIABLES, unknownNames } from './cel-names.js';

export interface CelContext {
  request: { method: string; path: string; host: string; headers: Record<string, string> };
  response?: { code: number; headers: Record<string, string> };
  llm: {
    provider: string;
    requestModel?: string;
    responseModel?: string;
    streaming: boolean;
    inputTokens?: number;
    outputTokens?: number;
    totalTokens?: number;
  };
}

export interface CelCondition {
  source: string;
  /** True only when the expression evaluates to boolean true. */
  test(context: CelContext): boolean;
}

/** The expression is refused at load: bad syntax, a name modelgate does not provide, a `matches()` pattern RE2 refuses, or too costly. */
export class CelSyntaxError extends Error {}

/**
 * An Environment made on first use, not at module load: most configs hold no CEL expression, and
 * the Lambda bundle then never loads cel-js (scripts/build.mjs requires it on first use), which
 * keeps it out of the cold start.
 */
export function lazyEnvironment(make: () => Environment): () => Environment {
  let env: Environment | undefined;
  return () => (env ??= make());
}

/**
 * The variables of CelContext, declared with their CEL types, so a condition is type-checked at
 * load: a name that does not exist is refused then, and a well-typed condition is evaluated with
 * CEL's types (integers as `int`).
 */
const typedEnv = lazyEnvironment(() =>
  registerLinearMatches(Object.entries(CEL_VARIABLES).reduce((env, [name, schema]) => env.registerVariable({ name, schema }), new Environment({ limits: CEL_PARSE_LIMITS }))),
);

/**
 * Where a condition names only what exists but does not type-check (`request.path + 1 == 2`,
 * `response.code == 404.0`), it is evaluated as modelgate always did: every variable dyn, numbers
 * as JavaScript numbers, an operation CEL does not define an evaluation error (so false).
 */
const dynEnv = lazyEnvironment(() => registerLinearMatches(new Environment({ unlistedVariablesAreDyn: true, limits: CEL_PARSE_LIMITS })));

const COST_MODEL: CostModel = {
  variables: CONTEXT_SHAPE,
  unknownSize: CONTEXT_BOUND,
  matchFunctions: new Set([LINEAR_MATCHES]),
  programSize,
};

/** cel-js's codes for a name it cannot resolve (a field of a declared type, a variable). */
const NAME_ERRORS = new Set(['no_such_key', 'unknown_variable']);

export function compileCondition(source: string): CelCondition {
  const typed = parse(typedEnv(), source);
  const unknown = unknownNames(typed.ast, (name) => typedEnv().hasVariable(name));
  if (unknown.length > 0) throw new CelSyntaxError(unknown.join('; '));
  const checked = typed.check();
  let program = typed;
  let values: (context: CelContext) => Record<string, unknown> = celValues;
  if (checked.valid) {
    // `test()` is true only for `true`: a condition of another type could never fire. (cel-js
    // names a declared variable's type `$response`; the `$` would only puzzle.)
    if (checked.type !== 'bool' && checked.type !== 'dyn') throw new CelSyntaxError(`CEL condition must evaluate to a bool, not ${checked.type?.replaceAll('$', '')}`);
  } else if (checked.error && NAME_ERRORS.has(checked.error.code)) {
    // A name the walk in cel-names.ts did not see (inside a construct it does not follow).
    throw new CelSyntaxError(`invalid CEL expression: ${checked.error.summary}`);
  } else {
    program = parse(dynEnv(), source);
    values = (context) => context as unknown as Record<string, unknown>;
  }
  checkCost(program);
  return {
    source,
    test(context) {
      try {
        return program(values(boundContext(context))) === true;
      } catch {
        return false;
      }
    },
  };
}

/** Parsed, with `matches()` on RE2 (before any type check: that is when cel-js resolves calls). */
/**
 * Parses `source` in `env` with RE2 behind matches(); a syntax error or a pattern RE2 refuses is
 * thrown as `fail(message)` (a CelSyntaxError unless the caller has its own error).
 */
export function parse(env: Environment, source: string, fail: (message: string) => Error = (message) => new CelSyntaxError(message)): ParseResult {
  let program: ParseResult;
  try {
    program = env.parse(source);
  } catch (error) {
    // cel-js's parse limits land here too ("Exceeded maxListElements (256)").
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw fail(`invalid CEL expression: ${detail}`);
  }
  try {
    useLinearMatches(program.ast);
  } catch (error) {
    if (!(error instanceof MatchesPatternError)) throw error;
    throw fail(`invalid regular expression in matches(): ${error.message}`);
  }
  return program;
}

/**
 * The context as the typed environment takes it: CEL integers are BigInt in cel-js, and a declared
 * `int` field refuses a JavaScript number. A count that is not a safe integer is left out, so
 * reading it is an evaluation error (false), as reading an unknown count is.
 */
function celValues(context: CelContext): Record<string, unknown> {
  const { request, response, llm } = context;
  const { inputTokens, outputTokens, totalTokens, ...rest } = llm;
  return {
    request,
    ...(response && { response: { headers: response.headers, ...int('code', response.code) } }),
    llm: { ...rest, ...int('inputTokens', inputTokens), ...int('outputTokens', outputTokens), ...int('totalTokens', totalTokens) },
  };
}

function int(name: string, value: number | undefined): Record<string, bigint> {
  return value !== undefined && Number.isSafeInteger(value) ? { [name]: BigInt(value) } : {};
}

/**
 * Refuses an expression whose estimated cost under `model` is past CEL_COST_LIMIT, saying what the
 * estimate assumed (`assumed`); thrown as `fail(message)`.
 */
export function checkCost(
  program: ParseResult,
  model: CostModel = COST_MODEL,
  assumed = `a comprehension costs the size of its range times its body; headers count as ${CEL_CONTEXT_LIMITS.headers} values of ${CEL_CONTEXT_LIMITS.valueChars} characters`,
  fail: (message: string) => Error = (message) => new CelSyntaxError(message),
): void {
  let cost: number;
  try {
    cost = estimateCost(program.ast, model);
  } catch (error) {
    if (!(error instanceof CelEstimateError)) throw error;
    throw fail(`CEL expression cost cannot be bounded: ${error.message}`);
  }
  if (cost <= CEL_COST_LIMIT) return;
  throw fail(`CEL expression too costly: estimated cost ${format(cost)} exceeds the limit of ${format(CEL_COST_LIMIT)} (${assumed})`);
}

const format = (n: number): string => Math.round(n).toLocaleString('en-US');
