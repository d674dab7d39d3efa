/**
 * HTTPRoute matches: path, header and query matchers (regexes in RE2, linear time), and the
 * Gateway API precedence the engine tries them in.
 */
import { compileLinearRegex, LinearRegexError, type LinearRegex, type RegexAnchoring } from './regex.js';
import type { CompiledMatch, CompiledRule, ValueMatch } from './config.js';
import type { RouteMatchSpec } from './schema/gateway-api.js';

/**
 * RE2 (linear time: these run on client input before client auth), or a problem naming the field.
 * The placeholder never matches; a config with problems is refused whole anyway.
 */
function compileRegex(pattern: string, anchoring: RegexAnchoring, where: string, problems: string[]): LinearRegex {
  try {
    return compileLinearRegex(pattern, anchoring);
  } catch (error) {
    if (!(error instanceof LinearRegexError)) throw error;
    problems.push(`${where}: invalid regular expression: ${error.message}`);
    return { source: pattern, programSize: 0, test: () => false };
  }
}

/** Header and query regexes search the value, as Gateway API implementations (and `RegExp.test`) do. */
function compileValueMatch(m: { type: 'Exact' | 'RegularExpression'; name: string; value: string }, lowerName: boolean, where: string, problems: string[]): ValueMatch {
  const name = lowerName ? m.name.toLowerCase() : m.name;
  return m.type === 'Exact' ? { name, exact: m.value } : { name, regex: compileRegex(m.value, 'search', `${where}.value`, problems) };
}

/** A path regex matches the whole path, as agentgateway does. */
export function compileMatch(m: RouteMatchSpec, where: string, problems: string[]): CompiledMatch {
  const path = m.path ?? { type: 'PathPrefix' as const, value: '/' };
  return {
    path:
      path.type === 'RegularExpression'
        ? { type: path.type, value: path.value, regex: compileRegex(path.value, 'full', `${where}.path.value`, problems) }
        : { type: path.type, value: path.value },
    headers: (m.headers ?? []).map((h, i) => compileValueMatch(h, true, `${where}.headers[${i}]`, problems)),
    queryParams: (m.queryParams ?? []).map((q, i) => compileValueMatch(q, false, `${where}.queryParams[${i}]`, problems)),
    ...(m.method !== undefined && { method: m.method }),
  };
}

/**
 * Gateway API precedence between matches: an Exact path beats a prefix, a longer prefix beats a
 * shorter one, then a method match, more header matches, more query matches; ties keep the
 * order of the manifests.
 */
export function byPrecedence(rules: readonly CompiledRule[]): Array<{ match: CompiledMatch; rule: CompiledRule }> {
  const rank = (m: CompiledMatch): number[] => [
    m.path.type === 'Exact' ? 2 : m.path.type === 'PathPrefix' ? 1 : 0,
    m.path.type === 'RegularExpression' ? 0 : m.path.value.length,
    m.method ? 1 : 0,
    m.headers.length,
    m.queryParams.length,
  ];
  return rules
    .flatMap((rule) => rule.matches.map((match) => ({ match, rule })))
    .map((pair, index) => ({ pair, index, rank: rank(pair.match) }))
    .sort((a, b) => compareRank(b.rank, a.rank) || a.index - b.index)
    .map(({ pair }) => pair);
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
