/**
 * Loader for agentgateway's golden translation cases (see ../shared/conformance/README.md).
 * The data stays outside the repository; tests read it in place, in suites declared with
 * `describeWithShared(name, GOLDEN, ...)` (./shared.ts), so a clone without ../shared skips them.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { GOLDEN, sharedAvailable } from './shared.js';

export const GOLDEN_ROOT = GOLDEN.dir;

export function goldenAvailable(): boolean {
  return sharedAvailable(GOLDEN);
}

export function readGolden(relativePath: string): string {
  return readFileSync(new URL(relativePath, GOLDEN_ROOT), 'utf8');
}

/** Case names in `dir` that have both `<case><inputExt>` and `<case><snapSuffix>`, sorted. */
export function listCases(dir: string, inputExt: string, snapSuffix: string): string[] {
  const files = new Set(readdirSync(new URL(dir.endsWith('/') ? dir : `${dir}/`, GOLDEN_ROOT)));
  return [...files]
    .filter((file) => file.endsWith(inputExt))
    .map((file) => file.slice(0, -inputExt.length))
    .filter((name) => files.has(name + snapSuffix))
    .sort();
}

export interface Snapshot {
  /** The YAML header (insta metadata: `description`, `info`). */
  header: Record<string, unknown>;
  /** Everything after the header's closing `---`. */
  body: string;
}

/** An insta snapshot: a YAML header between the first two `---` lines, then the body. */
export function readSnapshot(relativePath: string): Snapshot {
  const lines = readGolden(relativePath).split('\n');
  const open = lines.indexOf('---');
  const close = lines.indexOf('---', open + 1);
  if (open !== 0 || close < 0) throw new Error(`${relativePath}: no YAML header`);
  return {
    header: (parseYaml(lines.slice(1, close).join('\n')) ?? {}) as Record<string, unknown>,
    body: lines.slice(close + 1).join('\n'),
  };
}

/** The translated body of a non-streaming snapshot (`parsed` is agentgateway bookkeeping). */
export function snapshotJson(relativePath: string, key: 'request' | 'response'): unknown {
  const body = JSON.parse(readSnapshot(relativePath).body) as Record<string, unknown>;
  if (!(key in body)) throw new Error(`${relativePath}: no \`${key}\` in the snapshot`);
  return body[key];
}

/** The `data:` payloads of a streaming snapshot, in order, without the trailing JSON summary. */
export function snapshotSseData(relativePath: string): string[] {
  const lines = readSnapshot(relativePath).body.split('\n');
  const summary = lines.findIndex((line) => line.startsWith('{'));
  return (summary < 0 ? lines : lines.slice(0, summary)).filter((line) => line.startsWith('data:')).map((line) => line.slice('data:'.length).trimStart());
}

export interface CompareOptions {
  /** Keys whose value is generated (timestamps): any value of the same JSON type matches. */
  placeholderKeys?: readonly string[];
  /**
   * Treat `null` and a missing key as the same. OpenAI's optional response fields are nullable
   * (`finish_reason`, `usage`, `logprobs`, ...), and agentgateway writes some as `null` where
   * OpenAI omits them and vice versa; clients read both the same way.
   */
  nullMatchesAbsent?: boolean;
}

const PLACEHOLDERS = new Set(['[id]', '[date]']);

function kind(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/**
 * Compares JSON values as JSON (key order irrelevant); `"[id]"` and `"[date]"` in `expected`
 * match anything. Returns the differences as `path: detail` lines; empty means a match.
 */
export function diffJson(actual: unknown, expected: unknown, options: CompareOptions = {}, path = '$'): string[] {
  if (typeof expected === 'string' && PLACEHOLDERS.has(expected)) return [];
  const key = path.slice(path.lastIndexOf('.') + 1);
  if (options.placeholderKeys?.includes(key) && kind(actual) === kind(expected)) return [];
  if (kind(actual) !== kind(expected)) {
    return [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
  }
  if (Array.isArray(expected)) {
    const got = actual as unknown[];
    if (got.length !== expected.length) return [`${path}: expected ${expected.length} items, got ${got.length}`];
    return expected.flatMap((item, i) => diffJson(got[i], item, options, `${path}[${i}]`));
  }
  if (typeof expected === 'object' && expected !== null) {
    const got = actual as Record<string, unknown>;
    const want = expected as Record<string, unknown>;
    const keys = new Set([...Object.keys(got), ...Object.keys(want)]);
    return [...keys].flatMap((k) => {
      const childPath = `${path}.${k}`;
      const inGot = k in got;
      const inWant = k in want;
      if (inGot && inWant) return diffJson(got[k], want[k], options, childPath);
      const present = inGot ? got[k] : want[k];
      if (options.nullMatchesAbsent && present === null) return [];
      return [inGot ? `${childPath}: unexpected ${JSON.stringify(present)}` : `${childPath}: missing (expected ${JSON.stringify(present)})`];
    });
  }
  return Object.is(actual, expected) ? [] : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}
