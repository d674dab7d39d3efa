/**
 * CEL expressions from the config (`unhealthyCondition`, `retry.condition`), parsed once at load
 * with a real CEL implementation and evaluated per response. agentgateway's rule holds: an
 * expression that fails to evaluate (a missing header, a wrong type) counts as false.
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

/** The expression is refused at load: bad syntax, a `matches()` pattern RE2 refuses, or too costly. */
export class CelSyntaxError extends Error {}

// Undeclared variables are dyn, as with cel-js's global `parse`: the context is plain objects.
const env = registerLinearMatches(new Environment({ unlistedVariablesAreDyn: true, limits: CEL_PARSE_LIMITS }));

const COST_MODEL: CostModel = {
  variables: CONTEXT_SHAPE,
  unknownSize: CONTEXT_BOUND,
  matchFunctions: new Set([LINEAR_MATCHES]),
  programSize,
};

export function compileCondition(source: string): CelCondition {
  let program: ParseResult;
  try {
    program = env.parse(source);
  } catch (error) {
    // cel-js's parse limits land here too ("Exceeded maxListElements (256)").
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new CelSyntaxError(`invalid CEL expression: ${detail}`);
  }
  try {
    useLinearMatches(program.ast);
  } catch (error) {
    if (!(error instanceof MatchesPatternError)) throw error;
    throw new CelSyntaxError(`invalid regular expression in matches(): ${error.message}`);
  }
  checkCost(program);
  return {
    source,
    test(context) {
      try {
        return program(boundContext(context) as unknown as Record<string, unknown>) === true;
      } catch {
        return false;
      }
    },
  };
}

function checkCost(program: ParseResult): void {
  let cost: number;
  try {
    cost = estimateCost(program.ast, COST_MODEL);
  } catch (error) {
    if (!(error instanceof CelEstimateError)) throw error;
    throw new CelSyntaxError(`CEL expression cost cannot be bounded: ${error.message}`);
  }
  if (cost <= CEL_COST_LIMIT) return;
  const { headers, valueChars } = CEL_CONTEXT_LIMITS;
  throw new CelSyntaxError(
    `CEL expression too costly: estimated cost ${format(cost)} exceeds the limit of ${format(CEL_COST_LIMIT)} ` +
      `(a comprehension costs the size of its range times its body; headers count as ${headers} values of ${valueChars} characters)`,
  );
}

const format = (n: number): string => Math.round(n).toLocaleString('en-US');
