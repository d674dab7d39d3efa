/**
 * First-token deadlines and hedged requests, read from annotations on an AgentgatewayBackend or an
 * AgentgatewayModel. They go beyond agentgateway's CRDs, so they are annotations: the object stays
 * valid for agentgateway, which ignores them. A `modelgate.dev/` annotation modelgate does not know
 * is refused, naming it, so a typo (`hedge-afer`) never silently turns hedging off.
 */
import { parseDuration } from '../core/duration.js';

export const HEDGING_ANNOTATIONS = {
  firstTokenTimeout: 'modelgate.dev/first-token-timeout',
  hedgeAfter: 'modelgate.dev/hedge-after',
  maxHedges: 'modelgate.dev/max-hedges',
  hedgeBudget: 'modelgate.dev/hedge-budget',
} as const;

/** `auto` hedges after the provider's recent p95 time to first content, kept within these bounds. */
export const AUTO_HEDGE_BOUNDS_MS = { min: 200, max: 10_000 } as const;
/** Extra attempts running at once, at most: each one is a provider billed for the same prompt. */
export const MAX_HEDGES_LIMIT = 3;
const DEFAULT_HEDGE_BUDGET = 0.1;

export interface HedgingSettings {
  /** An attempt with no first content (streamed) or no answer (buffered) by then fails as a `timeout`. */
  firstTokenTimeoutMs?: number;
  /** When to start the next candidate as well: a fixed delay, or `auto` (the provider's recent p95). */
  hedgeAfter?: { ms: number } | 'auto';
  /** Extra attempts running at once. */
  maxHedges: number;
  /** Share of requests (per backend, over a sliding window) allowed to hedge. */
  budget: number;
}

/** The `modelgate.dev/` annotations a backend or model may carry. */
const KNOWN: ReadonlySet<string> = new Set(Object.values(HEDGING_ANNOTATIONS));

/** The hedging settings of one object, or undefined when it has none; problems name the annotation. */
export function compileHedging(annotations: Readonly<Record<string, string>> | undefined, where: string, problems: string[]): HedgingSettings | undefined {
  if (!annotations) return undefined;
  const at = (name: string) => `${where}: metadata.annotations["${name}"]`;
  for (const name of Object.keys(annotations)) {
    if (name.startsWith('modelgate.dev/') && !KNOWN.has(name)) {
      problems.push(`${at(name)}: unknown modelgate annotation; known: ${[...KNOWN].join(', ')}`);
    }
  }
  const text = (name: string) => annotations[name]?.trim();
  const firstToken = text(HEDGING_ANNOTATIONS.firstTokenTimeout);
  const after = text(HEDGING_ANNOTATIONS.hedgeAfter);
  const max = text(HEDGING_ANNOTATIONS.maxHedges);
  const budget = text(HEDGING_ANNOTATIONS.hedgeBudget);
  if (firstToken === undefined && after === undefined) {
    // max-hedges and hedge-budget tune hedging; alone they would do nothing, which reads as a mistake.
    for (const name of [HEDGING_ANNOTATIONS.maxHedges, HEDGING_ANNOTATIONS.hedgeBudget]) {
      if (text(name) !== undefined) problems.push(`${at(name)}: has no effect without ${HEDGING_ANNOTATIONS.hedgeAfter}`);
    }
    return undefined;
  }
  const settings: HedgingSettings = { maxHedges: 1, budget: DEFAULT_HEDGE_BUDGET };
  if (firstToken !== undefined) {
    const ms = parseDuration(firstToken);
    if (ms === undefined || ms < 1) problems.push(`${at(HEDGING_ANNOTATIONS.firstTokenTimeout)}: "${firstToken}" is not a duration of at least 1ms (like 5s or 800ms)`);
    else settings.firstTokenTimeoutMs = ms;
  }
  if (after !== undefined) {
    const ms = after === 'auto' ? undefined : parseDuration(after);
    if (after === 'auto') settings.hedgeAfter = 'auto';
    else if (ms === undefined || ms < 1) problems.push(`${at(HEDGING_ANNOTATIONS.hedgeAfter)}: "${after}" is neither "auto" nor a duration of at least 1ms (like 800ms)`);
    else settings.hedgeAfter = { ms };
    if (ms !== undefined && settings.firstTokenTimeoutMs !== undefined && ms >= settings.firstTokenTimeoutMs) {
      problems.push(`${at(HEDGING_ANNOTATIONS.hedgeAfter)}: ${after} is not before the first-token timeout (${firstToken}), so no hedge would ever start`);
    }
  } else if (max !== undefined || budget !== undefined) {
    problems.push(`${at(max !== undefined ? HEDGING_ANNOTATIONS.maxHedges : HEDGING_ANNOTATIONS.hedgeBudget)}: has no effect without ${HEDGING_ANNOTATIONS.hedgeAfter}`);
  }
  if (max !== undefined) {
    const n = /^[0-9]{1,3}$/.test(max) ? Number(max) : Number.NaN;
    if (!(n >= 1 && n <= MAX_HEDGES_LIMIT)) problems.push(`${at(HEDGING_ANNOTATIONS.maxHedges)}: "${max}" is not a whole number from 1 to ${MAX_HEDGES_LIMIT}`);
    else settings.maxHedges = n;
  }
  if (budget !== undefined) {
    const m = /^([0-9]{1,3}(?:\.[0-9]{1,2})?)%$/.exec(budget);
    const share = m ? Number(m[1]) / 100 : Number.NaN;
    if (!(share >= 0 && share <= 1)) problems.push(`${at(HEDGING_ANNOTATIONS.hedgeBudget)}: "${budget}" is not a percentage from 0% to 100% (like 10%)`);
    else settings.budget = share;
  }
  return settings;
}
