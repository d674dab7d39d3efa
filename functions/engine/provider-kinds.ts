/**
 * The provider kinds a config routes to, so the engine can load their adapters when it takes the
 * config (providers/registry.ts), and those a rule's request may reach, which it waits for.
 */
import type { ProviderKind } from '../core/provider-target.js';
import type { CompiledConfig, CompiledRule } from '../model/config.js';

const byRule = new WeakMap<CompiledRule, readonly ProviderKind[]>();

/** The kinds of a rule's backends' providers, worked out once per rule (the request path asks on every request). */
export function ruleProviderKinds(rule: CompiledRule): readonly ProviderKind[] {
  let kinds = byRule.get(rule);
  if (!kinds) {
    const set = new Set<ProviderKind>();
    for (const { backend } of rule.backends) for (const p of backend.providers) set.add(p.target.kind);
    kinds = [...set];
    byRule.set(rule, kinds);
  }
  return kinds;
}

/** Every kind a request could reach: those of the config's backends (which include its models' backends, compile.ts). */
export function providerKindsOf(config: CompiledConfig): ProviderKind[] {
  const kinds = new Set<ProviderKind>();
  for (const backend of config.backends) for (const p of backend.providers) kinds.add(p.target.kind);
  return [...kinds];
}
