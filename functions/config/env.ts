/**
 * `${NAME}` in a manifest's string values is replaced by the environment variable NAME — what the
 * tutorial's `kubectl apply -f- <<EOF` heredoc does with `$ANTHROPIC_API_KEY`, so the same YAML
 * works with `modelgate serve`. Substitution happens after YAML parsing, inside strings only, so a
 * key with YAML-special characters cannot change the document's structure. `$${NAME}` stays literal.
 */

const REFERENCE = /\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export class MissingVariable extends Error {
  constructor(readonly variable: string) {
    super(`${variable} is not set`);
    this.name = 'MissingVariable';
  }
}

export function expandEnv<T>(value: T, env: Readonly<Record<string, string | undefined>>): T {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (whole, escaped: string, name: string) => {
      if (escaped) return whole.slice(1);
      const v = env[name];
      if (v === undefined || v === '') throw new MissingVariable(name);
      return v;
    }) as T;
  }
  if (Array.isArray(value)) return value.map((v) => expandEnv(v, env)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = expandEnv(v, env);
    return out as T;
  }
  return value;
}
