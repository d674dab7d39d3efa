/**
 * `traffic.rateLimit`, compiled: each `local` entry becomes agentgateway's token bucket (its
 * controller's translation: max_tokens = requests|tokens + burst, tokens_per_fill = requests|tokens,
 * fill_interval = one unit), and `conditional` becomes a list of (condition, policy) choices, the
 * first whose condition holds deciding. Conditions are CEL over `request` (the request phase: no
 * `llm`, no `response` yet), parsed, type-checked and cost-bounded at load as every other
 * expression (cel.ts).
 */
import { createHash } from 'node:crypto';
import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import { boundContext, CEL_PARSE_LIMITS, CONTEXT_BOUND, CONTEXT_SHAPE } from './cel-bounds.js';
import type { CostModel } from './cel-cost.js';
import { LINEAR_MATCHES, programSize, registerLinearMatches } from './cel-matches.js';
import { CEL_VARIABLES, unknownNames } from './cel-names.js';
import { checkCost, CelSyntaxError, lazyEnvironment, parse, type CelContext } from './cel.js';
import type { LocalRateLimitSpec, RateLimitSpec } from './schema/rate-limit.js';
import type { BucketLimit } from '../state/store.js';

const UNIT_MS: Record<LocalRateLimitSpec['unit'], number> = { Seconds: 1_000, Minutes: 60_000, Hours: 3_600_000 };

/** One policy's limits: `id` names its buckets in the store (policy, choice, and a fingerprint of the limits, so an edited limit starts afresh). */
export interface CompiledRateLimitPolicy {
  id: string;
  limits: readonly BucketLimit[];
}

/** A condition over the request alone; the program is private, so the config dump shows the source only. */
export class RequestCondition {
  readonly #program: ParseResult;

  constructor(
    readonly source: string,
    program: ParseResult,
  ) {
    this.#program = program;
  }

  /** True only when the expression evaluates to `true`; an evaluation error is false (agentgateway's rule). */
  test(request: CelContext['request']): boolean {
    try {
      return this.#program({ request: boundContext({ request, llm: { provider: '', streaming: false } }).request }) === true;
    } catch {
      return false;
    }
  }
}

export interface CompiledRateLimit {
  /** In order; the first whose condition holds (or that has none) applies; none applying means no limit. */
  choices: ReadonlyArray<{ condition?: RequestCondition; policy: CompiledRateLimitPolicy }>;
}

const env = lazyEnvironment(() => registerLinearMatches(new Environment({ limits: CEL_PARSE_LIMITS }).registerVariable({ name: 'request', schema: CEL_VARIABLES.request })));

const COST_MODEL: CostModel = {
  variables: { request: CONTEXT_SHAPE.request! },
  unknownSize: CONTEXT_BOUND,
  matchFunctions: new Set([LINEAR_MATCHES]),
  programSize,
};

const NOT_YET = new Set(['llm', 'response']);

/** The policy's limits, or undefined (and a problem) when a condition does not compile. `policyId` is `namespace/name`. */
export function compileRateLimit(spec: RateLimitSpec, policyId: string, where: string, problems: string[]): CompiledRateLimit | undefined {
  if (spec.local) return { choices: [{ policy: compilePolicy(spec.local, `${policyId}#local`) }] };
  const choices: CompiledRateLimit['choices'][number][] = [];
  let ok = true;
  (spec.conditional ?? []).forEach((entry, i) => {
    // `global` alone is refused by the schema; a policy with both keeps its local limits.
    const policy = compilePolicy(entry.policy.local ?? [], `${policyId}#${i}`);
    if (entry.condition === undefined) {
      choices.push({ policy });
      return;
    }
    try {
      choices.push({ condition: compileRequestCondition(entry.condition), policy });
    } catch (error) {
      if (!(error instanceof CelSyntaxError)) throw error;
      problems.push(`${where}.conditional[${i}].condition: ${error.message}`);
      ok = false;
    }
  });
  return ok ? { choices } : undefined;
}

function compilePolicy(local: readonly LocalRateLimitSpec[], id: string): CompiledRateLimitPolicy {
  const limits: BucketLimit[] = local.map((l) => ({
    kind: l.requests !== undefined ? 'requests' : 'tokens',
    perUnit: l.requests ?? l.tokens!,
    burst: l.burst ?? 0,
    unitMs: UNIT_MS[l.unit],
  }));
  const fingerprint = createHash('sha256').update(JSON.stringify(limits)).digest('hex').slice(0, 8);
  return { id: `${id}#${fingerprint}`, limits };
}

export function compileRequestCondition(source: string): RequestCondition {
  const program = parse(env(), source);
  const unknown = unknownNames(program.ast, (name) => env().hasVariable(name) || NOT_YET.has(name));
  if (unknown.length > 0) throw new CelSyntaxError(unknown.join('; '));
  const checked = program.check();
  if (!checked.valid) {
    const missing = [...NOT_YET].find((name) => checked.error?.summary === `Unknown variable: ${name}`);
    throw new CelSyntaxError(
      missing
        ? `${missing} is not available in a rate limit condition: it is evaluated before the request is sent (it has request)`
        : `invalid CEL expression: ${checked.error?.summary ?? 'does not type-check'}`,
    );
  }
  if (checked.type !== 'bool' && checked.type !== 'dyn') throw new CelSyntaxError(`CEL condition must evaluate to a bool, not ${checked.type}`);
  checkCost(program, COST_MODEL);
  return new RequestCondition(source, program);
}

/** Compiled once per policy and config (a Gateway's policy covers many rules), so its problems are reported once. */
const compiled = new WeakMap<string[], Map<string, CompiledRateLimit | undefined>>();

/** `compileRateLimit`, memoised per compile run (keyed by that run's `problems` list) and policy id. */
export function rateLimitOf(spec: RateLimitSpec, policyId: string, where: string, problems: string[]): CompiledRateLimit | undefined {
  let byPolicy = compiled.get(problems);
  if (!byPolicy) {
    byPolicy = new Map();
    compiled.set(problems, byPolicy);
  }
  if (!byPolicy.has(policyId)) byPolicy.set(policyId, compileRateLimit(spec, policyId, where, problems));
  return byPolicy.get(policyId);
}

const UNIT_WORDS: Record<number, string> = { 1000: 'second', 60000: 'minute', 3600000: 'hour' };

/** For the start-up summary: ` (rate limit: 2 requests/minute + burst 1, 10000 tokens/hour)`; a condition shows as `if <source>: ...; else ...`. */
export function rateLimitText(rateLimit: CompiledRateLimit | undefined): string {
  if (!rateLimit) return '';
  const policy = (p: CompiledRateLimitPolicy) =>
    p.limits.map((l) => `${l.perUnit} ${l.kind}/${UNIT_WORDS[l.unitMs] ?? `${l.unitMs}ms`}${l.burst > 0 ? ` + burst ${l.burst}` : ''}`).join(', ');
  const choices = rateLimit.choices.map((c) => (c.condition ? `if ${c.condition.source.slice(0, 80)}: ${policy(c.policy)}` : policy(c.policy)));
  return ` (rate limit${rateLimit.choices.length > 1 || rateLimit.choices[0]?.condition ? 's' : ''}: ${choices.join('; else ')})`;
}
