/**
 * Test-time validator for Kubernetes custom resources against the real upstream CRD schemas in
 * ../shared/crds (agentgateway.dev and gateway.networking.k8s.io). The CRDs are read where
 * they live, never copied into the project; suites that use them are declared with
 * `describeWithShared(name, CRDS, ...)` (./shared.ts), so a clone without ../shared skips them.
 *
 * It reproduces what the API server does on create, in the same order:
 *   1. defaulting (and pruning of non-nullable nulls) on a deep copy,
 *   2. OpenAPI v3 structural validation, unknown-field detection (as with strict field
 *      validation), x-kubernetes-list-type checks, and metadata.name checks,
 *   3. x-kubernetes-validations CEL rules, evaluated with @marcbachmann/cel-js plus the
 *      Kubernetes CEL extension libraries these CRDs use. As in the API server, CEL is skipped
 *      when step 2 found type or enum errors (those make rule results meaningless).
 * Messages copy the API server's wording (k8s.io/apimachinery field.Error and kube-openapi), so a
 * fixture's expected error text can be searched for in `formatViolation(v)`.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { Environment, type ParseResult } from '@marcbachmann/cel-js';
import { parseAllDocuments } from 'yaml';
import { CRDS } from './shared.js';

// ────────────────────────────────────────────────────────────────────────────────────────────
// Public API
// ────────────────────────────────────────────────────────────────────────────────────────────

/** One validation failure. `path` is a field path such as "spec.ai.groups[0].providers[1].name". */
export interface CrdViolation {
  path: string;
  message: string;
}

/** A CEL rule or schema pattern this validator cannot run, so it is never silently treated as passing. */
export interface UnsupportedRule {
  crd: string;
  schemaPath: string;
  rule: string;
  reason: string;
}

export interface CelRuleStats {
  /** Distinct x-kubernetes-validations rule occurrences across all served versions. */
  total: number;
  compiled: number;
  /** Transition rules (they use oldSelf); they only run on update, so create-time validation skips them. */
  transitionSkipped: number;
  unsupported: number;
}

export interface CrdValidatorSet {
  /** Validates one object; picks the CRD by apiVersion (group/version) and kind. [] means valid. */
  validate(obj: unknown): CrdViolation[];
  /** Kind names that have a schema, sorted. */
  kinds(): string[];
  /** Rules and patterns that could not be compiled; tests should expect none. */
  unsupportedRules(): UnsupportedRule[];
  celRuleStats(): CelRuleStats;
}

/** Renders a violation the way the API server prints a field error: "<path>: <message>". */
export function formatViolation(v: CrdViolation): string {
  return v.path ? `${v.path}: ${v.message}` : v.message;
}

const DEFAULT_CRD_ROOT = CRDS.dir;
const CRD_DIRS = ['agentgateway', 'gateway-api'];

let defaultSet: CrdValidatorSet | undefined;

/**
 * Loads every CRD under <root>/{agentgateway,gateway-api}. The default root is memoised: the files
 * do not change during a test run and parsing ~50k lines of YAML is the expensive part.
 */
export function loadCrdValidators(root: URL = DEFAULT_CRD_ROOT): CrdValidatorSet {
  if (root.href === DEFAULT_CRD_ROOT.href) {
    defaultSet ??= buildValidatorSet(root);
    return defaultSet;
  }
  return buildValidatorSet(root);
}

/** Evaluates a CEL expression in the validator's environment (Kubernetes extensions included). */
export function evaluateCel(expression: string, self: unknown): unknown {
  const compiled = compileCel(expression);
  if ('error' in compiled) throw new Error(compiled.error);
  return compiled.program({ self });
}

// ────────────────────────────────────────────────────────────────────────────────────────────
// Schema model
// ────────────────────────────────────────────────────────────────────────────────────────────

interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: string;
}

interface Schema {
  type?: string;
  format?: string;
  nullable?: boolean;
  enum?: unknown[];
  default?: unknown;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  uniqueItems?: boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  not?: Schema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: ValidationRule[];
}

interface ServedVersion {
  crd: string;
  apiVersion: string;
  kind: string;
  schema: Schema;
}

type JsonObject = Record<string, unknown>;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasOwn(obj: object, key: string): boolean {
  return Object.hasOwn(obj, key);
}

/** Sets a key without going through setters, so a "__proto__" key stays a plain data key. */
function setOwn(obj: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function deepCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map(deepCopy) as T;
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) setOwn(out, k, deepCopy(x));
    return out as T;
  }
  return v;
}

// ────────────────────────────────────────────────────────────────────────────────────────────
// Loading
// ────────────────────────────────────────────────────────────────────────────────────────────

/** Per-schema-node compiled artefacts, keyed by the schema object itself. */
const compiledRulesBySchema = new WeakMap<Schema, CompiledRule[]>();
const patternBySchema = new WeakMap<Schema, RegExp | null>();

function buildValidatorSet(root: URL): CrdValidatorSet {
  const versions = new Map<string, ServedVersion>();
  const unsupported: UnsupportedRule[] = [];
  const stats: CelRuleStats = { total: 0, compiled: 0, transitionSkipped: 0, unsupported: 0 };

  for (const dir of CRD_DIRS) {
    const dirUrl = new URL(`${dir}/`, root);
    for (const file of readdirSync(dirUrl)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()) {
      for (const crd of readCrds(new URL(file, dirUrl))) {
        for (const served of servedVersions(crd)) {
          versions.set(versionKey(served.apiVersion, served.kind), served);
          precompileSchema(served.schema, served.crd, '', unsupported, stats);
        }
      }
    }
  }

  return {
    validate: (obj) => validateObject(versions, obj),
    kinds: () => [...new Set([...versions.values()].map((v) => v.kind))].sort(),
    unsupportedRules: () => [...unsupported],
    celRuleStats: () => ({ ...stats }),
  };
}

function versionKey(apiVersion: string, kind: string): string {
  return `${apiVersion}|${kind}`;
}

function readCrds(file: URL): JsonObject[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const list = Array.isArray(docs) ? docs : [docs];
  return list.map((d) => d.toJS() as unknown).filter((d): d is JsonObject => isObject(d) && d.kind === 'CustomResourceDefinition');
}

function servedVersions(crd: JsonObject): ServedVersion[] {
  const spec = crd.spec as { group: string; names: { kind: string }; versions: unknown[] };
  const name = String((crd.metadata as JsonObject | undefined)?.name ?? spec.names.kind);
  const out: ServedVersion[] = [];
  for (const v of spec.versions as Array<{ name: string; served?: boolean; schema?: { openAPIV3Schema?: Schema } }>) {
    const schema = v.schema?.openAPIV3Schema;
    if (!v.served || !schema) continue;
    out.push({ crd: `${name}/${v.name}`, apiVersion: `${spec.group}/${v.name}`, kind: spec.names.kind, schema });
  }
  return out;
}

/** Walks a schema once at load time: compiles every CEL rule and pattern, recording what cannot run. */
function precompileSchema(schema: Schema, crd: string, schemaPath: string, unsupported: UnsupportedRule[], stats: CelRuleStats): void {
  if (schema.pattern !== undefined && !patternBySchema.has(schema)) {
    try {
      patternBySchema.set(schema, re2ToRegExp(schema.pattern));
    } catch (e) {
      patternBySchema.set(schema, null);
      unsupported.push({ crd, schemaPath, rule: `pattern: ${schema.pattern}`, reason: errorSummary(e) });
    }
  }
  const rules = schema['x-kubernetes-validations'];
  if (rules && !compiledRulesBySchema.has(schema)) {
    const compiled = rules.map(compileRule);
    compiledRulesBySchema.set(schema, compiled);
    for (const c of compiled) {
      stats.total++;
      if (c.kind === 'ok') stats.compiled++;
      else if (c.kind === 'transition') stats.transitionSkipped++;
      else {
        stats.unsupported++;
        unsupported.push({ crd, schemaPath, rule: c.rule.rule, reason: c.reason });
      }
    }
  }
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    precompileSchema(child, crd, joinField(schemaPath, name), unsupported, stats);
  }
  if (schema.items) precompileSchema(schema.items, crd, `${schemaPath}[*]`, unsupported, stats);
  if (isObject(schema.additionalProperties)) {
    precompileSchema(schema.additionalProperties, crd, `${schemaPath}[*]`, unsupported, stats);
  }
  for (const branch of [...(schema.allOf ?? []), ...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) {
    precompileSchema(branch, crd, schemaPath, unsupported, stats);
  }
  if (schema.not) precompileSchema(schema.not, crd, schemaPath, unsupported, stats);
}

// ────────────────────────────────────────────────────────────────────────────────────────────
// Top-level validation
// ────────────────────────────────────────────────────────────────────────────────────────────

const CEL_SKIPPED_MESSAGE = 'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';

function validateObject(versions: Map<string, ServedVersion>, input: unknown): CrdViolation[] {
  if (!isObject(input)) return [{ path: '', message: 'Invalid value: object must be a mapping' }];
  const apiVersion = input.apiVersion;
  const kind = input.kind;
  const served = typeof apiVersion === 'string' && typeof kind === 'string' ? versions.get(versionKey(apiVersion, kind)) : undefined;
  if (!served) {
    return [{ path: 'kind', message: `no CRD schema for apiVersion ${JSON.stringify(apiVersion)}, kind ${JSON.stringify(kind)}` }];
  }

  // The API server defaults the request body before validating it; never touch the caller's object.
  const obj = deepCopy(input);
  applyDefaults(obj, served.schema);

  const structural = new StructuralResult();
  validateValue(obj, served.schema, '', structural, { root: true, branch: false });
  const violations = [...validateMetadata(obj.metadata), ...structural.errors, ...structural.unknownFields];
  if (structural.blocking) violations.push({ path: '', message: CEL_SKIPPED_MESSAGE });
  else violations.push(...validateCelRules(obj, served.schema));
  return dedupe(violations);
}

/** The API server aggregates identical messages once (field.ErrorList.ToAggregate). */
function dedupe(violations: CrdViolation[]): CrdViolation[] {
  const seen = new Set<string>();
  return violations.filter((v) => {
    const key = formatViolation(v);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ────────────────────────────────────────────────────────────────────────────────────────────
// Field paths and value rendering (k8s.io/apimachinery field.Path / field.Error)
// ────────────────────────────────────────────────────────────────────────────────────────────

function joinField(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function joinIndex(path: string, index: number | string): string {
  return `${path}[${index}]`;
}

/** Renders a bad value like Go's field.Error: strings quoted, scalars bare, the rest as JSON. */
function renderValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null || v === undefined) return 'null';
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
}

function invalid(path: string, value: unknown, detail: string): CrdViolation {
  return { path, message: `Invalid value: ${renderValue(value)}: ${detail}` };
}

// ────────────────────────────────────────────────────────────────────────────────────────────
// Defaulting (apiextensions structuraldefaulting.Default + PruneNonNullableNullsWithoutDefaults)
// ────────────────────────────────────────────────────────────────────────────────────────────

function applyDefaults(value: unknown, schema: Schema): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) applyDefaults(item, schema.items);
    return;
  }
  if (!isObject(value)) return;
  const props = schema.properties ?? {};
  for (const [name, prop] of Object.entries(props)) {
    const present = hasOwn(value, name);
    const isNull = present && value[name] === null && !prop.nullable;
    if (prop.default !== undefined && (!present || isNull)) setOwn(value, name, deepCopy(prop.default));
    else if (isNull) delete value[name];
  }
  // Recurse after filling in, so defaults inside a defaulted object are applied too.
  for (const [name, child] of Object.entries(value)) {
    const prop = props[name];
    if (prop) applyDefaults(child, prop);
    else if (isObject(schema.additionalProperties)) applyDefaults(child, schema.additionalProperties);
  }
}

// ────────────────────────────────────────────────────────────────────────────────────────────
// Structural (OpenAPI v3) validation, wording from kube-openapi's validate package
// ────────────────────────────────────────────────────────────────────────────────────────────

class StructuralResult {
  errors: CrdViolation[] = [];
  unknownFields: CrdViolation[] = [];
  /** Type and enum errors stop CEL evaluation, as in the API server's hasBlockingErr. */
  blocking = false;

  blockingError(v: CrdViolation): void {
    this.errors.push(v);
    this.blocking = true;
  }
}

interface WalkOptions {
  /** At the resource root apiVersion/kind/metadata are always allowed. */
  root: boolean;
  /** Inside anyOf/oneOf/not branches, which never declare the full property set. */
  branch: boolean;
}

function childOptions(parent: WalkOptions): WalkOptions {
  return { root: false, branch: parent.branch };
}

function jsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'bigint') return 'integer';
  return typeof v; // string | boolean | object
}

function typeMatches(expected: string, v: unknown): boolean {
  const actual = jsonType(v);
  return actual === expected || (expected === 'number' && actual === 'integer');
}

function validateValue(value: unknown, schema: Schema, path: string, out: StructuralResult, opts: WalkOptions): void {
  if (!checkType(value, schema, path, out)) return;
  if (value === null || value === undefined) return;
  checkEnum(value, schema, path, out);
  if (typeof value === 'string') checkString(value, schema, path, out);
  if (typeof value === 'number') checkNumber(value, schema, path, out);
  if (Array.isArray(value)) checkArray(value, schema, path, out, opts);
  else if (isObject(value)) checkObject(value, schema, path, out, opts);
  checkCombinators(value, schema, path, out);
}

/** Returns false when the value has the wrong type; nothing below a mistyped node is checked. */
function checkType(value: unknown, schema: Schema, path: string, out: StructuralResult): boolean {
  const actual = jsonType(value);
  const intOrString = schema['x-kubernetes-int-or-string'] === true;
  if (value === null || value === undefined) {
    if (schema.nullable || (!schema.type && !intOrString)) return true;
  } else if (intOrString) {
    if (actual === 'integer' || actual === 'string') return true;
  } else if (!schema.type || typeMatches(schema.type, value)) {
    return true;
  }
  const expected = intOrString ? 'integer or string' : (schema.type ?? 'object');
  out.blockingError(invalid(path, actual, `${path} in body must be of type ${expected}: ${JSON.stringify(actual)}`));
  return false;
}

function checkEnum(value: unknown, schema: Schema, path: string, out: StructuralResult): void {
  if (!schema.enum || schema.enum.some((e) => deepEqual(e, value))) return;
  const supported = schema.enum.map((e) => JSON.stringify(typeof e === 'string' ? e : JSON.stringify(e)));
  out.blockingError({
    path,
    message: `Unsupported value: ${renderValue(value)}: supported values: ${supported.join(', ')}`,
  });
}

function checkString(value: string, schema: Schema, path: string, out: StructuralResult): void {
  const length = [...value].length; // kube-openapi counts runes, not UTF-16 units
  if (schema.minLength !== undefined && length < schema.minLength) {
    out.errors.push(invalid(path, value, `${path} in body should be at least ${schema.minLength} chars long`));
  }
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    out.errors.push({ path, message: `Too long: may not be longer than ${schema.maxLength}` });
  }
  const pattern = patternBySchema.get(schema);
  if (pattern && !pattern.test(value)) {
    out.errors.push(invalid(path, value, `${path} in body should match '${schema.pattern}'`));
  }
  if (schema.format && !formatAccepts(schema.format, value)) {
    out.errors.push(invalid(path, value, `${path} in body must be of type ${schema.format}: ${JSON.stringify(value)}`));
  }
}

function checkNumber(value: number, schema: Schema, path: string, out: StructuralResult): void {
  if (schema.minimum !== undefined) {
    const tooSmall = schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum;
    const bound = schema.exclusiveMinimum ? 'greater than' : 'greater than or equal to';
    if (tooSmall) out.errors.push(invalid(path, value, `${path} in body should be ${bound} ${schema.minimum}`));
  }
  if (schema.maximum !== undefined) {
    const tooLarge = schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum;
    const bound = schema.exclusiveMaximum ? 'less than' : 'less than or equal to';
    if (tooLarge) out.errors.push(invalid(path, value, `${path} in body should be ${bound} ${schema.maximum}`));
  }
  if (schema.multipleOf && !Number.isInteger(value / schema.multipleOf)) {
    out.errors.push(invalid(path, value, `${path} in body should be a multiple of ${schema.multipleOf}`));
  }
}

function checkArray(value: unknown[], schema: Schema, path: string, out: StructuralResult, opts: WalkOptions): void {
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    out.errors.push(invalid(path, value.length, `${path} in body should have at least ${schema.minItems} items`));
  }
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    out.errors.push({ path, message: `Too many: ${value.length}: must have at most ${schema.maxItems} items` });
  }
  if (schema.uniqueItems && new Set(value.map(stableJson)).size !== value.length) {
    out.errors.push(invalid(path, value, `${path} in body shouldn't contain duplicates`));
  }
  checkListType(value, schema, path, out);
  const items = schema.items;
  if (items) {
    for (const [i, item] of value.entries()) validateValue(item, items, joinIndex(path, i), out, childOptions(opts));
  }
}

/** x-kubernetes-list-type: set items must be unique; map items must be unique by their keys. */
function checkListType(value: unknown[], schema: Schema, path: string, out: StructuralResult): void {
  const listType = schema['x-kubernetes-list-type'];
  if (listType !== 'set' && listType !== 'map') return;
  const mapKeys = schema['x-kubernetes-list-map-keys'] ?? [];
  const seen = new Set<string>();
  value.forEach((item, i) => {
    const identity = listType === 'set' ? item : listMapKey(item, mapKeys);
    const key = stableJson(identity);
    if (seen.has(key)) out.errors.push({ path: joinIndex(path, i), message: `Duplicate value: ${renderValue(identity)}` });
    seen.add(key);
  });
}

function listMapKey(item: unknown, keys: string[]): JsonObject {
  const identity: JsonObject = {};
  if (isObject(item)) for (const k of keys) if (hasOwn(item, k)) identity[k] = item[k];
  return identity;
}

const ROOT_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

function checkObject(value: JsonObject, schema: Schema, path: string, out: StructuralResult, opts: WalkOptions): void {
  const count = Object.keys(value).length;
  if (schema.minProperties !== undefined && count < schema.minProperties) {
    out.errors.push(invalid(path, count, `${path} in body should have at least ${schema.minProperties} properties`));
  }
  if (schema.maxProperties !== undefined && count > schema.maxProperties) {
    out.errors.push({ path, message: `Too many: ${count}: must have at most ${schema.maxProperties} items` });
  }
  for (const name of schema.required ?? []) {
    if (!hasOwn(value, name) || value[name] === undefined) out.errors.push({ path: joinField(path, name), message: 'Required value' });
  }
  const props = schema.properties ?? {};
  const additional = schema.additionalProperties;
  for (const [name, child] of Object.entries(value)) {
    const childPath = joinField(path, name);
    const prop = props[name];
    // ObjectMeta is validated by validateMetadata; CRDs only declare `metadata: {type: object}`.
    if (opts.root && name === 'metadata') continue;
    if (prop) validateValue(child, prop, childPath, out, childOptions(opts));
    else if (isObject(additional)) validateValue(child, additional, childPath, out, childOptions(opts));
    else if (!allowsUnknown(schema, name, opts)) out.unknownFields.push({ path: childPath, message: `unknown field "${childPath}"` });
  }
}

function allowsUnknown(schema: Schema, name: string, opts: WalkOptions): boolean {
  return opts.branch || schema.additionalProperties === true || schema['x-kubernetes-preserve-unknown-fields'] === true || (opts.root && ROOT_FIELDS.has(name));
}

/** allOf/anyOf/oneOf/not, as they appear in these CRDs (mostly anyOf [integer, string]). */
function checkCombinators(value: unknown, schema: Schema, path: string, out: StructuralResult): void {
  for (const sub of schema.allOf ?? []) validateValue(value, sub, path, out, { root: false, branch: true });
  if (schema.anyOf) {
    const results = schema.anyOf.map((sub) => branchErrors(value, sub, path));
    if (!results.some((r) => r.length === 0)) {
      out.errors.push(invalid(path, value, `${path} in body must validate at least one schema (anyOf)`), ...results.flat());
    }
  }
  if (schema.oneOf) {
    const passing = schema.oneOf.filter((sub) => branchErrors(value, sub, path).length === 0).length;
    if (passing !== 1) {
      const found = passing === 0 ? 'Found none valid' : `Found ${passing} valid alternatives`;
      out.errors.push(invalid(path, value, `${path} in body must validate one and only one schema (oneOf). ${found}`));
    }
  }
  if (schema.not && branchErrors(value, schema.not, path).length === 0) {
    out.errors.push(invalid(path, value, `${path} in body must not validate the schema (not)`));
  }
}

function branchErrors(value: unknown, schema: Schema, path: string): CrdViolation[] {
  const result = new StructuralResult();
  validateValue(value, schema, path, result, { root: false, branch: true });
  return result.errors;
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(v[k])}`).join(',')}}`;
  }
  return typeof v === 'bigint' ? v.toString() : (JSON.stringify(v) ?? 'null');
}

function deepEqual(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}

// ────────────────────────────────────────────────────────────────────────────────────────────
// Formats: the cheap subset of the API server's strfmt registry; unknown formats are skipped.
// Numeric formats (int32, int64, double) are not enforced by the API server either.
// ────────────────────────────────────────────────────────────────────────────────────────────

const FORMAT_CHECKS: Record<string, (s: string) => boolean> = {
  'date-time': (s) => /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(s) && !Number.isNaN(Date.parse(s)),
  date: (s) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(s)),
  ipv4: (s) => isIPv4(s),
  ipv6: (s) => isIPv6(s),
  cidr: (s) => parseCidrLenient(s),
  uri: (s) => safeParseRequestUri(s) !== undefined,
  hostname: (s) => s.length <= 253 && /^[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*\.?$/.test(s),
  email: (s) => /^[^\s@]+@[^\s@]+$/.test(s),
  uuid: (s) => /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(s),
  byte: (s) => /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s),
};

function formatAccepts(format: string, value: string): boolean {
  const check = FORMAT_CHECKS[format];
  return check ? check(value) : true;
}

/** strfmt's cidr accepts IPv4-mapped and zero-padded forms that the CEL cidr() library rejects. */
function parseCidrLenient(s: string): boolean {
  const [ip, bits, ...rest] = s.split('/');
  if (rest.length || ip === undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  return (isIPv4(ip) && Number(bits) <= 32) || (isIPv6(ip) && Number(bits) <= 128);
}

// ────────────────────────────────────────────────────────────────────────────────────────────
// metadata: the API server validates ObjectMeta of custom resources itself
// ────────────────────────────────────────────────────────────────────────────────────────────

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN_HELP =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_HELP =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

function validateMetadata(metadata: unknown): CrdViolation[] {
  if (!isObject(metadata)) return [{ path: 'metadata.name', message: 'Required value: name or generateName is required' }];
  const { name, generateName, namespace } = metadata;
  const out: CrdViolation[] = [];
  if (name === undefined || name === '') {
    if (typeof generateName !== 'string' || generateName === '') {
      out.push({ path: 'metadata.name', message: 'Required value: name or generateName is required' });
    }
  } else {
    out.push(...checkDnsName('metadata.name', name, 253, DNS1123_SUBDOMAIN, SUBDOMAIN_HELP));
  }
  if (namespace !== undefined && namespace !== '') {
    out.push(...checkDnsName('metadata.namespace', namespace, 63, DNS1123_LABEL, LABEL_HELP));
  }
  return out;
}

function checkDnsName(path: string, value: unknown, maxLength: number, re: RegExp, help: string): CrdViolation[] {
  if (typeof value !== 'string') return [invalid(path, value, 'must be a string')];
  const out: CrdViolation[] = [];
  if (value.length > maxLength) out.push(invalid(path, value, `must be no more than ${maxLength} characters`));
  if (!re.test(value)) out.push(invalid(path, value, help));
  return out;
}

// ────────────────────────────────────────────────────────────────────────────────────────────
// CEL: walking the object (apiextensions-apiserver schema/cel.Validator)
// ────────────────────────────────────────────────────────────────────────────────────────────

type CompiledRule =
  | { kind: 'ok'; rule: ValidationRule; program: ParseResult; message?: ParseResult; fieldPath: string }
  | { kind: 'transition'; rule: ValidationRule }
  | { kind: 'unsupported'; rule: ValidationRule; reason: string };

function compileRule(rule: ValidationRule): CompiledRule {
  if (usesIdentifier(rule.rule, 'oldSelf')) return { kind: 'transition', rule };
  const compiled = compileCel(rule.rule);
  if ('error' in compiled) return { kind: 'unsupported', rule, reason: compiled.error };
  let message: ParseResult | undefined;
  if (rule.messageExpression) {
    const m = compileCel(rule.messageExpression);
    if ('error' in m) return { kind: 'unsupported', rule, reason: `messageExpression: ${m.error}` };
    message = m.program;
  }
  const fieldPath = (rule.fieldPath ?? '').replace(/^\./, '').replace(/\['([^']*)'\]/g, '[$1]');
  return { kind: 'ok', rule, program: compiled.program, fieldPath, ...(message ? { message } : {}) };
}

function validateCelRules(obj: JsonObject, schema: Schema): CrdViolation[] {
  const out: CrdViolation[] = [];
  celWalk(obj, schema, toCelRoot(obj, schema), '', out);
  return out;
}

/** Mirrors cel.Validator.validate: rules at this node, allOf branches, then children. Nulls are not validated. */
function celWalk(raw: unknown, schema: Schema, cel: unknown, path: string, out: CrdViolation[]): void {
  if (raw === null || raw === undefined) return;
  evaluateRules(schema, cel, path, out);
  for (const sub of schema.allOf ?? []) celWalk(raw, sub, cel, path, out);
  if (Array.isArray(raw)) {
    const items = schema.items;
    if (items) {
      for (const [i, item] of raw.entries()) celWalk(item, items, (cel as unknown[])[i], joinIndex(path, i), out);
    }
    return;
  }
  if (!isObject(raw)) return;
  const celObj = cel as JsonObject;
  if (schema.properties) {
    for (const [name, prop] of Object.entries(schema.properties)) {
      if (!hasOwn(raw, name) || (path === '' && name === 'metadata')) continue;
      const escaped = escapeCelField(name);
      const child = escaped !== undefined ? celObj[escaped] : toCel(raw[name], prop);
      celWalk(raw[name], prop, child, joinField(path, name), out);
    }
  } else if (isObject(schema.additionalProperties)) {
    for (const [key, value] of Object.entries(raw)) {
      celWalk(value, schema.additionalProperties, celObj[key], joinIndex(path, key), out);
    }
  }
}

function evaluateRules(schema: Schema, self: unknown, path: string, out: CrdViolation[]): void {
  const valueType = schema.type ?? '';
  for (const compiled of compiledRulesBySchema.get(schema) ?? []) {
    if (compiled.kind !== 'ok') continue;
    let result: unknown;
    try {
      result = compiled.program({ self });
    } catch (e) {
      out.push(invalid(path, valueType, runtimeErrorDetail(e, compiled.rule)));
      continue;
    }
    if (result === true) continue;
    const detail = messageExpressionResult(compiled, self) ?? ruleMessageOrDefault(compiled.rule);
    out.push(ruleFailure(compiled.fieldPath ? joinField(path, compiled.fieldPath) : path, valueType, detail, compiled.rule.reason));
  }
}

/** Same split as the API server: overload errors get a hint, everything else "<err> evaluating rule: ...". */
function runtimeErrorDetail(e: unknown, rule: ValidationRule): string {
  const err = errorSummary(e);
  if (/no matching overload|no such overload/i.test(err)) {
    return `'${err}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(rule)}`;
  }
  return `${err} evaluating rule: ${ruleErrorString(rule)}`;
}

function messageExpressionResult(compiled: Extract<CompiledRule, { kind: 'ok' }>, self: unknown): string | undefined {
  if (!compiled.message) return undefined;
  try {
    const msg: unknown = compiled.message({ self });
    return typeof msg === 'string' && msg.trim() !== '' ? msg : undefined;
  } catch {
    return undefined; // the API server also falls back to `message` when messageExpression fails
  }
}

function ruleMessageOrDefault(rule: ValidationRule): string {
  return rule.message?.trim() ? rule.message.trim() : `failed rule: ${rule.rule.trim()}`;
}

/** The API server names the same rendering ruleErrorString when it prefixes a runtime error. */
const ruleErrorString = ruleMessageOrDefault;

function ruleFailure(path: string, valueType: string, detail: string, reason: string | undefined): CrdViolation {
  switch (reason) {
    case 'FieldValueForbidden':
      return { path, message: `Forbidden: ${detail}` };
    case 'FieldValueRequired':
      return { path, message: `Required value: ${detail}` };
    case 'FieldValueDuplicate':
      return { path, message: `Duplicate value: ${renderValue(valueType)}: ${detail}` };
    default:
      return invalid(path, valueType, detail);
  }
}

function errorSummary(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n')[0] ?? message;
}

// ────────────────────────────────────────────────────────────────────────────────────────────
// CEL: converting YAML values into the values Kubernetes binds to `self`
// ────────────────────────────────────────────────────────────────────────────────────────────

const CEL_RESERVED = new Set([
  'true',
  'false',
  'null',
  'in',
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);

/**
 * Kubernetes escapes property names for CEL (k8s.io/apiserver/pkg/cel escaping): reserved words
 * become __word__ (hence `__namespace__` in the Gateway API rules), and `__ . - /` are spelled out.
 * Names that cannot be escaped are not accessible from CEL at all.
 */
function escapeCelField(name: string): string | undefined {
  if (name === '' || /^[0-9]/.test(name)) return undefined;
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  const escaped = name.replace(/__|[./-]/g, (m) => (m === '__' ? '__underscores__' : m === '.' ? '__dot__' : m === '-' ? '__dash__' : '__slash__'));
  return /^[_a-zA-Z][_a-zA-Z0-9]*$/.test(escaped) ? escaped : undefined;
}

/** Root `self` also carries apiVersion, kind and metadata.{name,generateName} (model.WithTypeAndObjectMeta). */
function toCelRoot(obj: JsonObject, schema: Schema): JsonObject {
  const root = toCel(obj, schema) as JsonObject;
  for (const field of ['apiVersion', 'kind']) if (hasOwn(obj, field)) root[field] = obj[field];
  const meta = obj.metadata;
  if (isObject(meta)) {
    const celMeta: JsonObject = {};
    for (const field of ['name', 'generateName']) if (typeof meta[field] === 'string') celMeta[field] = meta[field];
    root.metadata = celMeta;
  }
  return root;
}

/** Integers become BigInt where the schema says integer (or int-or-string); objects keep declared fields only. */
function toCel(value: unknown, schema: Schema | undefined): unknown {
  if (value === null || value === undefined) return null;
  if (!schema) return toCelUntyped(value);
  if (schema['x-kubernetes-int-or-string']) return toIntIfInteger(value);
  switch (schema.type) {
    case 'integer':
      return toIntIfInteger(value);
    case 'array':
      return Array.isArray(value) ? value.map((v) => toCel(v, schema.items)) : value;
    case 'object':
      return isObject(value) ? toCelObject(value, schema) : value;
    case undefined:
      return toCelUntyped(value);
    default:
      return value;
  }
}

function toCelObject(value: JsonObject, schema: Schema): JsonObject {
  const out: JsonObject = {};
  if (schema.properties) {
    for (const [name, prop] of Object.entries(schema.properties)) {
      const escaped = escapeCelField(name);
      if (escaped !== undefined && hasOwn(value, name)) setOwn(out, escaped, toCel(value[name], prop));
    }
    return out;
  }
  const additional = schema.additionalProperties;
  for (const [key, v] of Object.entries(value)) setOwn(out, key, isObject(additional) ? toCel(v, additional) : toCelUntyped(v));
  return out;
}

/** x-kubernetes-preserve-unknown-fields data: JSON numbers that are whole are CEL ints. */
function toCelUntyped(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toCelUntyped);
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, toCelUntyped(v));
    return out;
  }
  return toIntIfInteger(value);
}

function toIntIfInteger(value: unknown): unknown {
  return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value;
}

// ────────────────────────────────────────────────────────────────────────────────────────────
// CEL: compiling rules for cel-js
// ────────────────────────────────────────────────────────────────────────────────────────────

const celCache = new Map<string, { program: ParseResult } | { error: string }>();
let celEnvironment: Environment | undefined;

/** Compiles (parse + type-check) once per distinct expression. */
function compileCel(expression: string): { program: ParseResult } | { error: string } {
  const cached = celCache.get(expression);
  if (cached) return cached;
  celEnvironment ??= createCelEnvironment();
  const env = celEnvironment;
  let result: { program: ParseResult } | { error: string };
  try {
    const source = rewriteForCelJs(expression);
    const check = env.check(source);
    result = check.valid ? { program: env.parse(source) } : { error: errorSummary(check.error) };
  } catch (e) {
    result = { error: errorSummary(e) };
  }
  celCache.set(expression, result);
  return result;
}

/**
 * Source-level adaptations for two cel-js gaps, applied outside string literals only:
 *  - `matches` compiles its pattern with JavaScript RegExp; Kubernetes patterns are RE2 (e.g. a
 *    leading `(?i)`), and cel-js does not let the overload be replaced, so calls are renamed to
 *    `matchesRE2`, which translates the pattern first.
 *  - cel-js's has() only accepts a dotted identifier chain; CEL allows any operand, e.g.
 *    `has(self[size(self) - 1].when)`. Those become `hasField(<operand>, 'when')`.
 */
function rewriteForCelJs(source: string): string {
  return rewriteHas(rewriteMatches(source));
}

function rewriteMatches(source: string): string {
  const mask = stringLiteralMask(source);
  return source.replace(/\bmatches(\s*\()/g, (m, paren: string, offset: number) => (mask[offset] ? m : `matchesRE2${paren}`));
}

const SIMPLE_SELECT = /^\s*[A-Za-z_]\w*(\s*\.\s*[A-Za-z_]\w*)+\s*$/;

function rewriteHas(source: string): string {
  const mask = stringLiteralMask(source);
  const call = /\bhas\s*\(/g;
  let out = '';
  let last = 0;
  for (let m = call.exec(source); m; m = call.exec(source)) {
    const before = source[m.index - 1] ?? '';
    if (mask[m.index] || /[\w.]/.test(before)) continue;
    const open = m.index + m[0].length - 1;
    const close = matchingParen(source, open, mask);
    if (close < 0) break;
    out += source.slice(last, m.index) + rewriteHasArgument(source.slice(open + 1, close));
    last = close + 1;
    call.lastIndex = close + 1;
  }
  return out + source.slice(last);
}

function rewriteHasArgument(inner: string): string {
  if (SIMPLE_SELECT.test(inner)) return `has(${inner})`;
  const select = /^([\s\S]+)\.\s*([A-Za-z_]\w*)\s*$/.exec(inner);
  if (!select || select[1] === undefined || select[2] === undefined) return `has(${rewriteHas(inner)})`;
  return `hasField(${rewriteHas(select[1])}, '${select[2]}')`;
}

function matchingParen(source: string, open: number, mask: Uint8Array): number {
  let depth = 0;
  for (let i = open; i < source.length; i++) {
    if (mask[i]) continue;
    if (source[i] === '(') depth++;
    else if (source[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

function usesIdentifier(source: string, name: string): boolean {
  const mask = stringLiteralMask(source);
  const re = new RegExp(`\\b${name}\\b`, 'g');
  for (let m = re.exec(source); m; m = re.exec(source)) if (!mask[m.index]) return true;
  return false;
}

/** Marks the characters of CEL string literals ('…', "…", '''…''', """…""", r/b prefixes). */
function stringLiteralMask(source: string): Uint8Array {
  const mask = new Uint8Array(source.length);
  let i = 0;
  while (i < source.length) {
    const quote = source[i];
    if (quote !== '"' && quote !== "'") {
      i++;
      continue;
    }
    const raw = /[rR][bB]?$|[bB][rR]$/.test(source.slice(Math.max(0, i - 2), i));
    const delimiter = source.startsWith(quote.repeat(3), i) ? quote.repeat(3) : quote;
    let j = i + delimiter.length;
    while (j < source.length && !source.startsWith(delimiter, j)) j += !raw && source[j] === '\\' ? 2 : 1;
    const end = Math.min(source.length, j + delimiter.length);
    mask.fill(1, i, end);
    i = end;
  }
  return mask;
}

// ────────────────────────────────────────────────────────────────────────────────────────────
// CEL: environment with the Kubernetes extension libraries used by these CRDs
// ────────────────────────────────────────────────────────────────────────────────────────────

function createCelEnvironment(): Environment {
  // Kubernetes type-checks against the schema; cel-js sees `self` as dyn, so mixed literals must be allowed.
  const env = new Environment({ homogeneousAggregateLiterals: false }).registerVariable('self', 'dyn');
  registerCoreGaps(env);
  registerRegexLibrary(env);
  registerStringsLibrary(env);
  registerUrlLibrary(env);
  registerQuantityLibrary(env);
  registerIpLibrary(env);
  return env;
}

/** hasField backs the rewritten has(<expr>.field): presence test on a map/object. */
function registerCoreGaps(env: Environment): void {
  env.registerFunction('hasField(dyn, string): bool', (target: unknown, field: string) => {
    if (target instanceof Map) return target.has(field);
    if (isObject(target)) return hasOwn(target, field);
    throw new Error(`no such overload: has() on ${jsonType(target)}`);
  });
}

// ── Regular expressions: RE2 syntax on top of JavaScript RegExp ─────────────────────────────

const regexCache = new Map<string, RegExp>();

const POSIX_CLASSES: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

/**
 * Translates the RE2 features that JavaScript lacks or spells differently: leading flag groups
 * such as `(?i)`, `(?P<name>`, `\A`, `\z` and POSIX classes. Throws on RE2 syntax with no
 * JavaScript equivalent (e.g. mid-pattern flag groups), so callers never get a silent mismatch.
 */
function re2ToRegExp(pattern: string): RegExp {
  const cached = regexCache.get(pattern);
  if (cached) return cached;
  let source = pattern;
  let flags = '';
  const leading = /^\(\?([imsU]+)\)/.exec(source);
  if (leading?.[1]) {
    if (leading[1].includes('U')) throw new Error(`unsupported RE2 flag U in ${pattern}`);
    flags = [...new Set(leading[1])].join('');
    source = source.slice(leading[0].length);
  }
  const regex = new RegExp(translateRe2Syntax(source), flags);
  regexCache.set(pattern, regex);
  return regex;
}

function translateRe2Syntax(source: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      out += next === 'A' && !inClass ? '(?<![\\s\\S])' : next === 'z' && !inClass ? '(?![\\s\\S])' : c + next;
      i++;
    } else if (inClass && source.startsWith('[:', i)) {
      const end = source.indexOf(':]', i + 2);
      const cls = end > 0 ? POSIX_CLASSES[source.slice(i + 2, end)] : undefined;
      if (cls === undefined) throw new Error(`unsupported RE2 class in ${source}`);
      out += cls;
      i = end + 1;
    } else if (!inClass && source.startsWith('(?P<', i)) {
      out += '(?<';
      i += 3;
    } else {
      if (c === '[' && !inClass) inClass = true;
      else if (c === ']' && inClass && !out.endsWith('[') && !out.endsWith('[^')) inClass = false;
      out += c;
    }
  }
  return out;
}

/** CEL regex functions, all RE2-aware: matches (renamed at compile time), find, findAll. */
function registerRegexLibrary(env: Environment): void {
  const test = (s: string, p: string) => re2ToRegExp(p).test(s);
  env.registerFunction('string.matchesRE2(string): bool', test);
  env.registerFunction('matchesRE2(string, string): bool', test);
  env.registerFunction('string.find(string): string', (s: string, p: string) => re2ToRegExp(p).exec(s)?.[0] ?? '');
  env.registerFunction('string.findAll(string): list<string>', (s: string, p: string) => findAll(s, p, -1));
  env.registerFunction('string.findAll(string, int): list<string>', (s: string, p: string, n: bigint) => findAll(s, p, Number(n)));
}

function findAll(s: string, pattern: string, limit: number): string[] {
  const re = re2ToRegExp(pattern);
  const global = new RegExp(re.source, `${re.flags}g`);
  const all = [...s.matchAll(global)].map((m) => m[0]);
  return limit < 0 ? all : all.slice(0, limit);
}

// ── Kubernetes strings library additions (cel-go ext strings) missing from cel-js ───────────

function registerStringsLibrary(env: Environment): void {
  env.registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
    const index = Number(i);
    if (index < 0 || index > s.length) throw new Error(`index out of range: ${index}`);
    return s.charAt(index);
  });
  env.registerFunction('string.replace(string, string): string', (s: string, from: string, to: string) => s.split(from).join(to));
  env.registerFunction('string.replace(string, string, int): string', (s: string, from: string, to: string, n: bigint) => {
    const parts = s.split(from);
    const limit = Number(n);
    if (limit < 0 || parts.length - 1 <= limit) return parts.join(to);
    return parts.slice(0, limit + 1).join(to) + from + parts.slice(limit + 1).join(from);
  });
  env.registerFunction('string.reverse(): string', (s: string) => [...s].reverse().join(''));
}

// ── Kubernetes URL library (k8s.io/apiserver/pkg/cel/library/urls.go) ───────────────────────

/** Parsed like Go's url.ParseRequestURI: an absolute URI or an absolute path, no fragment handling. */
class KubeUrl {
  constructor(
    readonly scheme: string,
    readonly host: string,
    readonly path: string,
    readonly rawQuery: string,
  ) {}

  hostname(): string {
    if (this.host.startsWith('[')) return this.host.slice(1, this.host.indexOf(']'));
    const colon = this.host.lastIndexOf(':');
    return colon < 0 ? this.host : this.host.slice(0, colon);
  }

  port(): string {
    const bracket = this.host.lastIndexOf(']');
    const colon = this.host.lastIndexOf(':');
    return colon > bracket ? this.host.slice(colon + 1) : '';
  }
}

function parseRequestUri(s: string): KubeUrl {
  if (s === '') throw new Error('empty url');
  if (/[\x00-\x1f\x7f]/.test(s)) throw new Error('net/url: invalid control character in URL');
  let rest = s;
  let scheme = '';
  if (!s.startsWith('/')) {
    const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(s);
    if (!m?.[1]) throw new Error('invalid URI for request');
    scheme = m[1].toLowerCase();
    rest = s.slice(m[0].length);
    if (!rest.startsWith('/')) throw new Error('invalid URI for request');
  }
  let rawQuery = '';
  const q = rest.indexOf('?');
  if (q >= 0) [rest, rawQuery] = [rest.slice(0, q), rest.slice(q + 1)];
  let host = '';
  if (scheme && rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    host = parseAuthority(slash < 0 ? rest.slice(2) : rest.slice(2, slash));
    rest = slash < 0 ? '' : rest.slice(slash);
  }
  return new KubeUrl(scheme, host, rest, rawQuery);
}

function parseAuthority(authority: string): string {
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  const ipv6 = /^\[([0-9A-Fa-f:.]+(%[^\]]*)?)\](:\d*)?$/.exec(host);
  if (host.startsWith('[') && !ipv6) throw new Error(`invalid host ${JSON.stringify(host)}`);
  if (!ipv6 && !/^[A-Za-z0-9\-._~!$&'()*+,;=%]*(:\d*)?$/.test(host)) {
    throw new Error(`invalid character in host name ${JSON.stringify(host)}`);
  }
  return host;
}

function safeParseRequestUri(s: string): KubeUrl | undefined {
  try {
    return parseRequestUri(s);
  } catch {
    return undefined;
  }
}

function registerUrlLibrary(env: Environment): void {
  env.registerType('kubernetes.URL', KubeUrl);
  env.registerFunction('url(string): kubernetes.URL', (s: string) => {
    try {
      return parseRequestUri(s);
    } catch (e) {
      throw new Error(`URL parse error during conversion from string: ${errorSummary(e)}`);
    }
  });
  env.registerFunction('isURL(string): bool', (s: string) => safeParseRequestUri(s) !== undefined);
  env.registerFunction('kubernetes.URL.getScheme(): string', (u: KubeUrl) => u.scheme);
  env.registerFunction('kubernetes.URL.getHost(): string', (u: KubeUrl) => u.host);
  env.registerFunction('kubernetes.URL.getHostname(): string', (u: KubeUrl) => u.hostname());
  env.registerFunction('kubernetes.URL.getPort(): string', (u: KubeUrl) => u.port());
  env.registerFunction('kubernetes.URL.getEscapedPath(): string', (u: KubeUrl) => u.path);
  env.registerFunction('kubernetes.URL.getQuery(): map<string, list<string>>', (u: KubeUrl) => {
    const query: Record<string, string[]> = {};
    for (const [k, v] of new URLSearchParams(u.rawQuery)) {
      query[k] ??= [];
      query[k].push(v);
    }
    return query;
  });
}

// ── Kubernetes quantity library (k8s.io/apiserver/pkg/cel/library/quantity.go) ──────────────

/** An exact rational value, so "16Ki" and "16384" compare equal and "100m" stays precise. */
class Quantity {
  constructor(
    readonly num: bigint,
    readonly den: bigint,
  ) {}

  compare(other: Quantity): number {
    const diff = this.num * other.den - other.num * this.den;
    return diff === 0n ? 0 : diff < 0n ? -1 : 1;
  }

  plus(other: Quantity, sign: bigint): Quantity {
    return makeQuantity(this.num * other.den + sign * other.num * this.den, this.den * other.den);
  }
}

const QUANTITY_RE = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE])?$/;
const BINARY_SUFFIX: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

function gcd(a: bigint, b: bigint): bigint {
  let [x, y] = [a < 0n ? -a : a, b];
  while (y) [x, y] = [y, x % y];
  return x || 1n;
}

function makeQuantity(num: bigint, den: bigint): Quantity {
  const g = gcd(num, den);
  return new Quantity(num / g, den / g);
}

function parseQuantity(s: string): Quantity | undefined {
  const m = QUANTITY_RE.exec(s);
  if (!m) return undefined;
  const [, sign = '', digits = '', suffix = ''] = m;
  const [whole = '', frac = ''] = digits.split('.');
  let num = BigInt(`${whole || '0'}${frac}`) * (sign === '-' ? -1n : 1n);
  let den = 10n ** BigInt(frac.length);
  const binary = BINARY_SUFFIX[suffix];
  const exponent = /^[eE]/.test(suffix) ? Number(suffix.slice(1)) : (DECIMAL_SUFFIX[suffix] ?? 0);
  if (binary !== undefined) num *= 1024n ** BigInt(binary);
  else if (exponent >= 0) num *= 10n ** BigInt(exponent);
  else den *= 10n ** BigInt(-exponent);
  return makeQuantity(num, den);
}

function toQuantity(v: Quantity | bigint): Quantity {
  return typeof v === 'bigint' ? new Quantity(v, 1n) : v;
}

function registerQuantityLibrary(env: Environment): void {
  env.registerType('kubernetes.Quantity', Quantity);
  env.registerFunction('quantity(string): kubernetes.Quantity', (s: string) => {
    const q = parseQuantity(s);
    if (!q) throw new Error("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    return q;
  });
  env.registerFunction('isQuantity(string): bool', (s: string) => parseQuantity(s) !== undefined);
  const Q = 'kubernetes.Quantity';
  env.registerFunction(`${Q}.sign(): int`, (q: Quantity) => BigInt(q.compare(new Quantity(0n, 1n))));
  env.registerFunction(`${Q}.isInteger(): bool`, (q: Quantity) => q.den === 1n);
  env.registerFunction(`${Q}.asInteger(): int`, (q: Quantity) => {
    if (q.den !== 1n || q.num > 2n ** 63n - 1n || q.num < -(2n ** 63n)) throw new Error('cannot convert value to integer');
    return q.num;
  });
  env.registerFunction(`${Q}.asApproximateFloat(): double`, (q: Quantity) => Number(q.num) / Number(q.den));
  env.registerFunction(`${Q}.compareTo(${Q}): int`, (a: Quantity, b: Quantity) => BigInt(a.compare(b)));
  env.registerFunction(`${Q}.isLessThan(${Q}): bool`, (a: Quantity, b: Quantity) => a.compare(b) < 0);
  env.registerFunction(`${Q}.isGreaterThan(${Q}): bool`, (a: Quantity, b: Quantity) => a.compare(b) > 0);
  for (const operand of [Q, 'int']) {
    env.registerFunction(`${Q}.add(${operand}): ${Q}`, (a: Quantity, b: Quantity | bigint) => a.plus(toQuantity(b), 1n));
    env.registerFunction(`${Q}.sub(${operand}): ${Q}`, (a: Quantity, b: Quantity | bigint) => a.plus(toQuantity(b), -1n));
  }
}

// ── Kubernetes IP and CIDR libraries (k8s.io/apiserver/pkg/cel/library/ip.go, cidr.go) ──────

class NetIP {
  constructor(readonly bytes: number[]) {}

  get family(): 4 | 6 {
    return this.bytes.length === 4 ? 4 : 6;
  }
}

class NetCIDR {
  constructor(
    readonly ip: NetIP,
    readonly prefix: number,
  ) {}

  contains(ip: NetIP): boolean {
    return ip.family === this.ip.family && samePrefix(ip.bytes, this.ip.bytes, this.prefix);
  }
}

/** Like the Kubernetes ip() function: no zones, no IPv4-mapped IPv6, no leading zeros. */
function parseIp(s: string): NetIP | undefined {
  if (isIPv4(s)) return new NetIP(s.split('.').map(Number));
  if (!isIPv6(s) || s.includes('%') || s.includes('.')) return undefined;
  const [head = '', tail] = s.split('::');
  const groups = (part: string) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return new NetIP(words.flatMap((w) => [w >> 8, w & 0xff]));
}

function parseCidr(s: string): NetCIDR | undefined {
  const [addr = '', bits, ...rest] = s.split('/');
  const ip = parseIp(addr);
  if (!ip || rest.length || bits === undefined || !/^(0|[1-9]\d*)$/.test(bits)) return undefined;
  const prefix = Number(bits);
  return prefix <= ip.bytes.length * 8 ? new NetCIDR(ip, prefix) : undefined;
}

function samePrefix(a: number[], b: number[], bits: number): boolean {
  for (let i = 0; i < a.length && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((a[i] ?? 0) & mask) !== ((b[i] ?? 0) & mask)) return false;
  }
  return true;
}

function inRange(ip: NetIP, cidr: string): boolean {
  const range = parseCidr(cidr);
  return range?.contains(ip) === true;
}

function mustParse<T>(value: T | undefined, what: string, s: string): T {
  if (value === undefined) throw new Error(`${what} parse error during conversion from string: ${JSON.stringify(s)}`);
  return value;
}

function registerIpLibrary(env: Environment): void {
  env.registerType('net.IP', NetIP);
  env.registerType('net.CIDR', NetCIDR);
  env.registerFunction('isIP(string): bool', (s: string) => parseIp(s) !== undefined);
  env.registerFunction('ip(string): net.IP', (s: string) => mustParse(parseIp(s), 'IP Address', s));
  env.registerFunction('net.IP.family(): int', (ip: NetIP) => BigInt(ip.family));
  env.registerFunction('net.IP.isUnspecified(): bool', (ip: NetIP) => ip.bytes.every((b) => b === 0));
  env.registerFunction('net.IP.isLoopback(): bool', (ip: NetIP) => inRange(ip, ip.family === 4 ? '127.0.0.0/8' : '::1/128'));
  env.registerFunction('net.IP.isLinkLocalUnicast(): bool', (ip: NetIP) => inRange(ip, ip.family === 4 ? '169.254.0.0/16' : 'fe80::/10'));
  env.registerFunction('net.IP.isLinkLocalMulticast(): bool', (ip: NetIP) => inRange(ip, ip.family === 4 ? '224.0.0.0/24' : 'ff02::/16'));
  env.registerFunction('net.IP.isGlobalUnicast(): bool', (ip: NetIP) => isGlobalUnicast(ip));
  env.registerFunction('isCIDR(string): bool', (s: string) => parseCidr(s) !== undefined);
  env.registerFunction('cidr(string): net.CIDR', (s: string) => mustParse(parseCidr(s), 'network address', s));
  env.registerFunction('net.CIDR.ip(): net.IP', (c: NetCIDR) => c.ip);
  env.registerFunction('net.CIDR.prefixLength(): int', (c: NetCIDR) => BigInt(c.prefix));
  env.registerFunction('net.CIDR.containsIP(net.IP): bool', (c: NetCIDR, ip: NetIP) => c.contains(ip));
  env.registerFunction('net.CIDR.containsIP(string): bool', (c: NetCIDR, s: string) => c.contains(mustParse(parseIp(s), 'IP Address', s)));
  env.registerFunction('net.CIDR.containsCIDR(net.CIDR): bool', (c: NetCIDR, o: NetCIDR) => o.prefix >= c.prefix && c.contains(o.ip));
  env.registerFunction('net.CIDR.containsCIDR(string): bool', (c: NetCIDR, s: string) => {
    const o = mustParse(parseCidr(s), 'network address', s);
    return o.prefix >= c.prefix && c.contains(o.ip);
  });
}

function isGlobalUnicast(ip: NetIP): boolean {
  const special = ip.family === 4 ? ['0.0.0.0/32', '127.0.0.0/8', '169.254.0.0/16', '224.0.0.0/4', '255.255.255.255/32'] : ['::/128', '::1/128', 'fe80::/10', 'ff00::/8'];
  return !special.some((c) => inRange(ip, c));
}
