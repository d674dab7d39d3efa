/**
 * `${NAME}` in a manifest's string values is replaced by the environment variable NAME — what the
 * tutorial's `kubectl apply -f- <<EOF` heredoc does with `$ANTHROPIC_API_KEY`, so the same YAML
 * works with `modelgate serve`. Substitution happens after YAML parsing, inside strings only, so a
 * key with YAML-special characters cannot change the document's structure. `$${NAME}` stays literal.
 */

const REFERENCE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export class MissingVariable extends Error {
  /** Every unset variable the value names, in order of first use; `variable` is the first. */
  readonly variables: readonly string[];
  constructor(
    readonly variable: string,
    variables: readonly string[] = [variable],
  ) {
    super(`${variables.join(', ')} ${variables.length > 1 ? 'are' : 'is'} not set`);
    this.name = 'MissingVariable';
    this.variables = variables;
  }
}

export function expandEnv<T>(value: T, env: Readonly<Record<string, string | undefined>>): T {
  // Collect every unset variable before throwing, so one run names all of them (not only the first).
  const missing = new Set<string>();
  const out = expand(value, env, missing);
  if (missing.size > 0) {
    const [first, ...rest] = missing;
    throw new MissingVariable(first!, [first!, ...rest]);
  }
  return out;
}

function expand<T>(value: T, env: Readonly<Record<string, string | undefined>>, missing: Set<string>): T {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (whole, escaped: string, name: string) => {
      if (escaped) return whole.slice(1);
      const v = env[name];
      if (v === undefined || v === '') {
        missing.add(name);
        return whole;
      }
      return v;
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v) => expand(v, env, missing)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = expand(v, env, missing);
    return out as T;
  }
  return value;
}
