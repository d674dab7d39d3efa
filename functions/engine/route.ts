/**
 * HTTPRoute matching, as Gateway API defines it: the first match in precedence order wins. This runs
 * before client auth on whatever a client sent, so regular expressions are RE2 (model/regex.ts):
 * linear in the input, never backtracking.
 */
import type { CompiledConfig, CompiledMatch, CompiledRule, ValueMatch } from '../model/config.js';
import type { GatewayRequest } from './types.js';

export function findRule(config: CompiledConfig, req: GatewayRequest): CompiledRule | undefined {
  let query: URLSearchParams | undefined;
  const host = hostOf(req);
  for (const { match, rule } of config.matchers) {
    if (rule.hostnames.length > 0 && !rule.hostnames.some((h) => hostMatches(h, host))) continue;
    if (!pathMatches(match, req.path)) continue;
    if (match.method && match.method !== req.method) continue;
    if (!match.headers.every((h) => valueMatches(h, req.headers[h.name]))) continue;
    if (match.queryParams.length > 0) {
      query ??= new URLSearchParams(req.query);
      if (!match.queryParams.every((q) => valueMatches(q, query!.get(q.name) ?? undefined))) continue;
    }
    return rule;
  }
  return undefined;
}

function hostOf(req: GatewayRequest): string {
  const host = req.headers.host ?? '';
  return host.replace(/:\d+$/, '').toLowerCase();
}

/** `*.example.com` matches one or more labels in front of `example.com`, never the bare domain. */
function hostMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return pattern === host;
}

/** PathPrefix matches whole path elements: `/v1` matches `/v1` and `/v1/models`, not `/v10`. */
function pathMatches(match: CompiledMatch, path: string): boolean {
  const p = match.path;
  switch (p.type) {
    case 'Exact':
      return path === p.value;
    case 'PathPrefix': {
      const prefix = p.value.endsWith('/') ? p.value.slice(0, -1) : p.value;
      return prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
    }
    case 'RegularExpression':
      return p.regex.test(path);
  }
}

function valueMatches(m: ValueMatch, value: string | undefined): boolean {
  if (value === undefined) return false;
  return m.exact !== undefined ? value === m.exact : m.regex!.test(value);
}
