/**
 * `traffic.authorization`, evaluated as agentgateway's http/authorization.rs does over every
 * policy's rules merged: no rules, allowed; any `Deny` expression that matches, denied; any
 * `Require` expression that does not match, denied; then, when there are `Allow` expressions, one
 * of them must match. An expression that fails to evaluate does not match (so it fails to deny,
 * as agentgateway warns). Within one `Allow` block its expressions are alternatives, within a
 * `Require` block all must hold.
 */
import type { AuthorizationInput } from '../model/compile-traffic-auth.js';
import type { AuthorizationRuleSet } from '../model/traffic-auth-config.js';

export function authorizes(sets: readonly AuthorizationRuleSet[], input: AuthorizationInput): boolean {
  const of = (action: AuthorizationRuleSet['action']) => sets.filter((s) => s.action === action).flatMap((s) => s.expressions);
  if (of('Deny').some((e) => e.matches(input))) return false;
  if (!of('Require').every((e) => e.matches(input))) return false;
  const allow = of('Allow');
  return allow.length === 0 || allow.some((e) => e.matches(input));
}

/** Whether any expression reads `llmRequest` (the body is parsed for authorization only then). */
export function readsBody(sets: readonly AuthorizationRuleSet[]): boolean {
  return sets.some((s) => s.expressions.some((e) => e.readsBody));
}
