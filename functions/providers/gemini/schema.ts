/**
 * JSON Schema (as OpenAI clients and Pydantic write it) -> the OpenAPI subset Gemini accepts for
 * `responseSchema` and function `parameters`: `$ref`s inlined, `allOf` flattened, `const` and
 * `type` arrays rewritten, unknown keywords dropped. The rules are agentgateway's (ported there
 * from litellm's `_build_vertex_schema`).
 *
 * The schema is the client's, so its translation runs under a `SchemaBudget` (see
 * schema-budget.ts): inlining can multiply a small schema, and nesting can go arbitrarily deep.
 */
import { inlineRefs } from './inline-refs.js';
import { SchemaBudget } from './schema-budget.js';
import { isRecord } from '../../core/json.js';

type Json = Record<string, unknown>;

const ALLOWED = new Set([
  'type',
  'format',
  'description',
  'title',
  'nullable',
  'enum',
  'items',
  'properties',
  'required',
  'anyOf',
  'default',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'propertyOrdering',
]);

/** What the rewrites below read: the keywords Gemini takes, those rewritten into them, and `$ref`. */
const READ = new Set([...ALLOWED, 'allOf', 'const', '$ref']);

/**
 * Throws `SchemaTooComplex` (a `RequestNotExpressible`) when the schema runs over `budget`; pass
 * one budget for all the schemas of a request. The client's schema is never changed (a later
 * attempt reuses the request): the rewrites work on the copy `inlineRefs` builds.
 */
export function normalizeGeminiSchema(schema: unknown, budget: SchemaBudget = new SchemaBudget()): Json {
  if (!isRecord(schema)) return { type: 'object' };
  const inlined = inlineRefs(schema, READ, budget);
  cleanNode(inlined);
  return inlined;
}

function eachChild(node: Json, f: (child: unknown) => unknown): void {
  if (node.items !== undefined) node.items = f(node.items);
  if (isRecord(node.properties)) for (const k of Object.keys(node.properties)) node.properties[k] = f(node.properties[k]);
  for (const key of ['anyOf', 'allOf']) if (Array.isArray(node[key])) node[key] = (node[key] as unknown[]).map(f);
}

function constType(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return Array.isArray(v) ? 'array' : 'object';
}

/** One pass of the structural rewrites; true when something changed (run until stable). */
function rewrite(node: Json): boolean {
  let changed = false;
  if (Array.isArray(node.allOf)) {
    const members = node.allOf as unknown[];
    delete node.allOf;
    changed = true;
    for (const m of members) {
      if (!isRecord(m)) continue;
      for (const [k, v] of Object.entries(m)) {
        if (k === 'properties' && isRecord(v)) {
          if (!isRecord(node.properties)) node.properties = {} as Json;
          const dst = node.properties as Json;
          for (const [pk, pv] of Object.entries(v)) if (!(pk in dst)) dst[pk] = pv;
        } else if (k === 'required' && Array.isArray(v)) {
          // A new array: the old one may be the client's, shared by every copy of a definition.
          // The Set keeps long lists linear (`includes` made them quadratic).
          const dst = Array.isArray(node.required) ? [...(node.required as unknown[])] : [];
          const seen = new Set(dst);
          for (const item of v) {
            if (seen.has(item)) continue;
            seen.add(item);
            dst.push(item);
          }
          node.required = dst;
        } else if (!(k in node)) {
          node[k] = v;
        }
      }
    }
  }
  if ('const' in node) {
    const c = node.const;
    delete node.const;
    changed = true;
    node.enum = [c];
    if (!('type' in node)) node.type = constType(c);
  }
  if (Array.isArray(node.type)) {
    const names = (node.type as unknown[]).filter((t): t is string => typeof t === 'string');
    delete node.type;
    changed = true;
    if (names.includes('null')) node.nullable = true;
    const rest = names.filter((t) => t !== 'null');
    if (rest.length === 1) node.type = rest[0];
    else if (rest.length > 1) node.anyOf = rest.map((t) => ({ type: t }));
  }
  if (Array.isArray(node.anyOf)) {
    const members = node.anyOf as unknown[];
    const isNull = (m: unknown) => isRecord(m) && m.type === 'null';
    if (members.length === 1 || members.some(isNull)) {
      delete node.anyOf;
      changed = true;
      if (members.some(isNull)) node.nullable = true;
      const rest = members.filter((m) => !isNull(m));
      if (rest.length === 1 && isRecord(rest[0])) {
        for (const [k, v] of Object.entries(rest[0])) if (!(k in node)) node[k] = v;
      } else if (rest.length > 1) {
        node.anyOf = rest;
      }
    }
  }
  return changed;
}

/** Rewrites the copy in place; its depth is bounded by the budget, so the recursion is too. */
function cleanNode(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(cleanNode);
    return;
  }
  if (!isRecord(node)) return;
  for (let guard = 0; rewrite(node) && guard < 64; guard++);
  if (node.type === 'array' && !('items' in node)) node.items = { type: 'object' };
  if ('enum' in node) {
    if (node.type === undefined) node.type = 'string';
    else if (node.type !== 'string') delete node.enum;
  }
  delete node.additionalProperties;
  if (!('type' in node) && !('anyOf' in node) && !('enum' in node)) node.type = 'object';
  if (typeof node.format === 'string' && node.format !== 'enum' && node.format !== 'date-time') delete node.format;
  eachChild(node, (child) => {
    cleanNode(child);
    return child;
  });
  for (const key of Object.keys(node)) if (!ALLOWED.has(key)) delete node[key];
}
