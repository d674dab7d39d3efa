/**
 * A client's JSON schema, copied with its `$ref`s replaced by their definitions (Gemini takes no
 * `$ref`), under a `SchemaBudget`. The copy is built node by node and charged as it grows, so a
 * schema whose copies multiply is refused after at most the budget's worth of work, and the
 * recursion never goes deeper than the budget's depth.
 *
 * The copy is what `normalizeGeminiSchema` rewrites in place: every object in a schema position
 * is new. Values a schema carries (`enum`, `default`, `required`, ...) are shared with the
 * client's request, not copied; the rewrites never change them.
 */
import type { SchemaBudget } from './schema-budget.js';
import { isRecord } from '../../core/json.js';

type Json = Record<string, unknown>;

/** Sets an own property, `__proto__` included (a plain assignment would set the prototype). */
function define(target: Json, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/**
 * The characters a carried value adds to the output: strings and keys by length, any other value
 * as one. Walked without recursion, refused when nested past the budget's depth.
 */
function weigh(value: unknown, budget: SchemaBudget): number {
  let total = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [v, depth] = top;
    if (typeof v === 'string') {
      total += v.length;
      continue;
    }
    total += 1;
    if (typeof v !== 'object' || v === null) continue;
    budget.level(depth);
    if (Array.isArray(v)) {
      for (const item of v) stack.push([item, depth + 1]);
    } else {
      for (const [k, item] of Object.entries(v)) {
        total += k.length;
        stack.push([item, depth + 1]);
      }
    }
  }
  return total;
}

/**
 * `root` with its `$ref`s inlined, keeping only the keywords in `keep` (the others would be
 * dropped later anyway, and need not be paid for). A `$ref` resolves against the root's `$defs`
 * and `definitions` by its last path segment; sibling keywords win over the definition's. A
 * reference to nothing, or to a definition already being resolved on the way down (Gemini has no
 * recursive schemas), is left as written and not inlined further.
 */
export function inlineRefs(root: Json, keep: ReadonlySet<string>, budget: SchemaBudget): Json {
  const defs = new Map<string, unknown>();
  for (const key of ['$defs', 'definitions']) {
    const table = root[key];
    if (isRecord(table)) for (const [name, def] of Object.entries(table)) defs.set(name, def);
  }
  // Memos keyed by the client's objects: a definition copied ten thousand times is filtered,
  // weighed and named once, so each copy costs only what it adds to the output.
  const keptMemo = new WeakMap<Json, ReadonlyArray<[string, unknown]>>();
  const weightMemo = new WeakMap<object, number>();
  const nameMemo = new Map<string, string>();

  const kept = (node: Json): ReadonlyArray<[string, unknown]> => {
    let entries = keptMemo.get(node);
    if (entries === undefined) {
      entries = Object.entries(node).filter(([k]) => keep.has(k));
      keptMemo.set(node, entries);
    }
    return entries;
  };

  const carry = (value: unknown): unknown => {
    if (typeof value === 'string') budget.spend(value.length);
    else if (typeof value !== 'object' || value === null) budget.spend(1);
    else {
      let weight = weightMemo.get(value);
      if (weight === undefined) {
        weight = weigh(value, budget);
        weightMemo.set(value, weight);
      }
      budget.spend(weight);
    }
    return value;
  };

  const refName = (ref: string): string => {
    let name = nameMemo.get(ref);
    if (name === undefined) {
      name = ref.slice(ref.lastIndexOf('/') + 1);
      nameMemo.set(ref, name);
    }
    return name;
  };

  /** A value in a schema position, `depth` levels down. */
  function schema(value: unknown, depth: number, chain: readonly string[], resolve: boolean): unknown {
    budget.node(depth);
    if (Array.isArray(value)) return value.map((v) => schema(v, depth + 1, chain, resolve));
    if (!isRecord(value)) return carry(value);
    return object(value, depth, chain, resolve);
  }

  function object(node: Json, depth: number, chain: readonly string[], resolve: boolean): Json {
    if (resolve && typeof node.$ref === 'string') {
      const name = refName(node.$ref);
      const def = defs.get(name);
      if (!chain.includes(name) && isRecord(def)) {
        // Following a reference is a level and a node: alias chains (`A` -> `B` -> ...) recurse too.
        budget.node(depth + 1);
        return object(merge(def, node), depth + 1, [...chain, name], true);
      }
      return copy(node, depth, chain, false);
    }
    return copy(node, depth, chain, resolve);
  }

  /** `{...definition, ...siblings}`, on the kept keywords; the definition's own `$ref` is followed next. */
  function merge(def: Json, ref: Json): Json {
    const out: Json = {};
    for (const [k, v] of kept(def)) out[k] = v;
    for (const [k, v] of kept(ref)) if (k !== '$ref') out[k] = v;
    return out;
  }

  function copy(node: Json, depth: number, chain: readonly string[], resolve: boolean): Json {
    const out: Json = {};
    for (const [key, value] of kept(node)) {
      if (key === 'items') out.items = schema(value, depth + 1, chain, resolve);
      else if (key === 'properties' && isRecord(value)) out.properties = properties(value, depth + 1, chain, resolve);
      else if ((key === 'anyOf' || key === 'allOf') && Array.isArray(value)) out[key] = value.map((m) => schema(m, depth + 1, chain, resolve));
      else out[key] = carry(value);
    }
    return out;
  }

  function properties(props: Json, depth: number, chain: readonly string[], resolve: boolean): Json {
    const out: Json = {};
    for (const [name, value] of Object.entries(props)) {
      budget.spend(name.length);
      define(out, name, schema(value, depth, chain, resolve));
    }
    return out;
  }

  return schema(root, 0, [], true) as Json;
}
