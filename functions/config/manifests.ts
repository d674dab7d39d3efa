/**
 * Config source for `modelgate serve`: Kubernetes-style YAML files (multi-document, `kind: List`
 * too), validated object by object, then compiled. Every problem names the file, the document,
 * the object and the field; nothing is served until all of them are fixed.
 */
import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import { compileConfig, ConfigError, recordOrigin, routeWarnings } from '../model/compile.js';
import type { CompiledConfig } from '../model/config.js';
import { expandEnv, MissingVariable } from './env.js';
import { judgeKind } from '../model/kinds.js';
import { formatIssue, validateObject, type ManifestObject } from '../model/validate.js';

interface ManifestText {
  /** A file path, or `-` / `<stdin>` for standard input. */
  name: string;
  text: string;
}

export interface LoadedManifests {
  objects: ManifestObject[];
  warnings: string[];
}

/** Parses and validates; throws ConfigError listing every problem found in every file. */
export function parseManifests(files: readonly ManifestText[], env: Readonly<Record<string, string | undefined>> = process.env): LoadedManifests {
  const problems: string[] = [];
  const warnings: string[] = [];
  const objects: ManifestObject[] = [];
  const seen = new Map<string, string>();
  const missing = new Set<string>();
  const missingIn = new Set<string>();

  for (const file of files) {
    const docs = parseAllDocuments(file.text, { prettyErrors: true });
    docs.forEach((doc, index) => {
      const at = `${file.name}: document ${index + 1}`;
      if (doc.errors.length > 0) {
        for (const e of doc.errors) problems.push(`${at}: YAML: ${e.message.split('\n')[0]}`);
        return;
      }
      let raw: unknown = doc.toJS({ maxAliasCount: 100 });
      if (raw === null || raw === undefined) return; // an empty document, e.g. a trailing `---`
      try {
        raw = expandEnv(raw, env);
      } catch (error) {
        if (!(error instanceof MissingVariable)) throw error;
        for (const name of error.variables) missing.add(name);
        missingIn.add(file.name);
        return;
      }
      const items = isList(raw) ? raw.items : [raw];
      for (const item of items) {
        const result = validateObject(item);
        if (result.ok) {
          const key = `${result.object.kind}/${result.object.metadata.namespace ?? 'default'}/${result.object.metadata.name}`;
          const earlier = seen.get(key);
          if (earlier) problems.push(`${at}: ${key} is already defined in ${earlier}`);
          seen.set(key, at);
          objects.push(result.object);
          recordOrigin(result.object, at); // so compile problems name the file and document too
          for (const w of result.warnings) warnings.push(`${at}: ${result.object.kind} ${result.object.metadata.name}: ${w}`);
        } else if (result.skip !== undefined) {
          warnings.push(`${at}: ${result.kind} ${result.name ?? ''} skipped: ${result.skip}`);
        } else {
          for (const issue of result.issues) problems.push(`${at}: ${formatIssue(result, issue)}`);
        }
      }
    });
  }
  if (missing.size > 0) throw new MissingEnvironment([...missing], [...missingIn], problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return { objects, warnings };
}

/** Manifests name `${VARIABLE}`s that are not set: usually a provider key not exported yet. */
export class MissingEnvironment extends ConfigError {
  constructor(
    readonly variables: readonly string[],
    readonly files: readonly string[],
    otherProblems: readonly string[],
  ) {
    super([`${files.join(', ')}: ${variables.map((v) => `\${${v}}`).join(', ')} ${variables.length > 1 ? 'are' : 'is'} used but not set in the environment`, ...otherProblems]);
    this.name = 'MissingEnvironment';
  }
}

/** `kind: List` (what kubectl writes), or a typed list of a group modelgate reads (`HTTPRouteList`, what the API server answers). */
function isList(raw: unknown): raw is { items: unknown[] } {
  if (typeof raw !== 'object' || raw === null || !Array.isArray((raw as { items?: unknown }).items)) return false;
  const { apiVersion, kind } = raw as { apiVersion?: unknown; kind?: unknown };
  if (kind === 'List') return true;
  return typeof kind === 'string' && kind.endsWith('List') && judgeKind(typeof apiVersion === 'string' ? apiVersion : undefined, kind)?.known === true;
}

/** Reads files (`-` is standard input), validates and compiles them. */
export async function loadManifestFiles(
  paths: readonly string[],
  stdin: () => Promise<string> = readStdin,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<{ config: CompiledConfig; warnings: string[] }> {
  const files: ManifestText[] = [];
  const problems: string[] = [];
  for (const path of paths) {
    try {
      files.push({ name: path === '-' ? '<stdin>' : path, text: path === '-' ? await stdin() : await readFile(path, 'utf8') });
    } catch (error) {
      problems.push(`${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const { objects, warnings } = parseManifests(files, env);
  const config = compileConfig(objects);
  const where = files.map((f) => f.name).join(', ');
  return { config, warnings: [...warnings, ...config.warnings, ...routeWarnings(objects).map((w) => `${where}: ${w}`)] };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
