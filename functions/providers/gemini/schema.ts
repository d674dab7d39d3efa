/**
 * JSON Schema (as OpenAI clients and Pydantic write it) -> the OpenAPI subset Gemini accepts for
 * `responseSchema` and function `parameters`: `$ref`s inlined, `allOf` flattened, `const` and
 * `type` arrays rewritten, unknown keywords dropped. The rules are agentgateway's (ported there
 * from litellm's `_build_vertex_schema`).
 */

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const ALLOWED = new Set([
  'type', 'format', 'description', 'title', 'nullable', 'enum', 'items', 'properties', 'required', 'anyOf', 'default',
  'minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'propertyOrdering',
]);

/** A deep copy, so the client's request (reused by a later attempt) is never changed. */
const clone = <T>(v: T): T => structuredClone(v);

export function normalizeGeminiSchema(schema: unknown): Json {
  if (!isObject(schema)) return { type: 'object' };
  const root = clone(schema);
  const defs: Json = {};
  for (const key of ['$defs', 'definitions']) {
    if (isObject(root[key])) Object.assign(defs, root[key]);
    delete root[key];
  }
  const inlined = inlineRefs(root, defs, []);
  cleanNode(inlined);
  return inlined as Json;
}

function eachChild(node: Json, f: (child: unknown) => unknown): void {
  if (node.items !== undefined) node.items = f(node.items);
  if (isObject(node.properties)) for (const k of Object.keys(node.properties)) node.properties[k] = f(node.properties[k]);
  for (const key of ['anyOf', 'allOf']) if (Array.isArray(node[key])) node[key] = (node[key] as unknown[]).map(f);
}

/** `$ref` -> the definition (sibling keys win); a ref already being resolved stays (no recursion in Gemini). */
function inlineRefs(node: unknown, defs: Json, chain: string[]): unknown {
  if (Array.isArray(node)) return node.map((v) => inlineRefs(v, defs, chain));
  if (!isObject(node)) return node;
  if (typeof node.$ref === 'string') {
    const name = node.$ref.split('/').pop()!;
    if (chain.includes(name) || !isObject(defs[name])) return node;
    const { $ref: _ref, ...siblings } = node;
    const resolved = { ...clone(defs[name]), ...siblings };
    return inlineRefs(resolved, defs, [...chain, name]);
  }
  delete node.$defs;
  delete node.definitions;
  eachChild(node, (child) => inlineRefs(child, defs, chain));
  return node;
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
      if (!isObject(m)) continue;
      for (const [k, v] of Object.entries(m)) {
        if (k === 'properties' && isObject(v)) {
          const dst = isObject(node.properties) ? node.properties : (node.properties = {} as Json);
          for (const [pk, pv] of Object.entries(v)) if (!(pk in dst)) (dst as Json)[pk] = pv;
        } else if (k === 'required' && Array.isArray(v)) {
          const dst = Array.isArray(node.required) ? (node.required as unknown[]) : (node.required = [] as unknown[]);
          for (const item of v) if (!dst.includes(item)) dst.push(item);
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
    const isNull = (m: unknown) => isObject(m) && m.type === 'null';
    if (members.length === 1 || members.some(isNull)) {
      delete node.anyOf;
      changed = true;
      if (members.some(isNull)) node.nullable = true;
      const rest = members.filter((m) => !isNull(m));
      if (rest.length === 1 && isObject(rest[0])) {
        for (const [k, v] of Object.entries(rest[0])) if (!(k in node)) node[k] = v;
      } else if (rest.length > 1) {
        node.anyOf = rest;
      }
    }
  }
  return changed;
}

function cleanNode(node: unknown): void {
  if (Array.isArray(node)) {
    node.forEach(cleanNode);
    return;
  }
  if (!isObject(node)) return;
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
