/**
 * Small builders for agentgateway manifests in tests: each returns a plain object (what a YAML
 * document parses to), so a test states only what it is about. `load` runs them through the real
 * load path (YAML text -> parseManifests -> compileConfig).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { parseManifests, type LoadedManifests } from '../../functions/config/manifests.js';
import { compileConfig, ConfigError } from '../../functions/model/compile.js';
import type { CompiledBackend, CompiledConfig, CompiledProvider } from '../../functions/model/config.js';

export type Obj = Record<string, unknown>;

/**
 * The tutorial's final state as the repository ships it (what `npm start` serves). Its Secret
 * holds `${ANTHROPIC_API_KEY}`, which the manifest loader expands from the environment.
 */
export const TUTORIAL = fileURLToPath(new URL('../../examples/tutorial-failover.yaml', import.meta.url));
/** What tests put in ${ANTHROPIC_API_KEY}: a placeholder, so a developer's real key never reaches a test. */
export const TUTORIAL_KEY = 'sk-ant-replace-me';
/** The environment the tutorial needs, for parseManifests' `env` or a spawned process's. */
export const TUTORIAL_ENV: Readonly<Record<string, string>> = { ANTHROPIC_API_KEY: TUTORIAL_KEY };

export function tutorialText(): string {
  return readFileSync(TUTORIAL, 'utf8');
}

/** The tutorial's YAML with `host`/`port` under each provider's model block, pointing at a simulator. */
export function tutorialAgainst(port: number): string {
  return tutorialText().replace(/^(\s+)(anthropic:\n\s+model: .+)$/gm, (_m, indent: string, block: string) => {
    return `${indent}${block}\n${indent}host: 127.0.0.1\n${indent}port: ${port}`;
  });
}

export const NS = 'default';
const AGW = 'agentgateway.dev/v1alpha1';
const GW = 'gateway.networking.k8s.io/v1';

const meta = (name: string, namespace = NS) => ({ name, namespace });

export function secret(name: string, values: { stringData?: Record<string, string>; data?: Record<string, string> }, namespace = NS): Obj {
  return { apiVersion: 'v1', kind: 'Secret', metadata: meta(name, namespace), type: 'Opaque', ...values };
}

export function gateway(name: string, opts: { namespace?: string; from?: 'All' | 'Same'; listeners?: Obj[] } = {}): Obj {
  const listeners = opts.listeners ?? [{ name: 'http', port: 8080, protocol: 'HTTP', ...(opts.from && { allowedRoutes: { namespaces: { from: opts.from } } }) }];
  return { apiVersion: GW, kind: 'Gateway', metadata: meta(name, opts.namespace), spec: { gatewayClassName: 'agentgateway', listeners } };
}

/** One provider entry of a group. */
export function provider(name: string, opts: { kind?: 'anthropic' | 'openai'; model?: string; host?: string; port?: number; policies?: Obj } = {}): Obj {
  const kind = opts.kind ?? 'anthropic';
  return {
    name,
    [kind]: opts.model ? { model: opts.model } : {},
    ...(opts.host !== undefined && { host: opts.host }),
    ...(opts.port !== undefined && { port: opts.port }),
    ...(opts.policies && { policies: opts.policies }),
  };
}

/** An AI backend with priority groups (each an array of `provider(...)`). */
export function backend(name: string, groups: Obj[][], opts: { namespace?: string; policies?: Obj } = {}): Obj {
  return {
    apiVersion: AGW,
    kind: 'AgentgatewayBackend',
    metadata: meta(name, opts.namespace),
    spec: { ai: { groups: groups.map((providers) => ({ providers })) }, ...(opts.policies && { policies: opts.policies }) },
  };
}

export const targetBackend = (name: string, sectionName?: string): Obj => ({
  group: 'agentgateway.dev',
  kind: 'AgentgatewayBackend',
  name,
  ...(sectionName && { sectionName }),
});
export const targetRoute = (name: string, sectionName?: string): Obj => ({
  group: 'gateway.networking.k8s.io',
  kind: 'HTTPRoute',
  name,
  ...(sectionName && { sectionName }),
});
export const targetGateway = (name: string): Obj => ({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name });

export function policy(name: string, targetRefs: Obj[], spec: { backend?: Obj; traffic?: Obj }, namespace = NS): Obj {
  return { apiVersion: AGW, kind: 'AgentgatewayPolicy', metadata: meta(name, namespace), spec: { targetRefs, ...spec } };
}

export const backendRef = (name: string, extra: Obj = {}): Obj => ({ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name, ...extra });

/** A rule; `matches` defaults to Gateway API's `PathPrefix /`. */
export function rule(backends: Obj[], opts: { name?: string; matches?: Obj[]; timeouts?: Obj } = {}): Obj {
  return {
    ...(opts.name && { name: opts.name }),
    ...(opts.matches && { matches: opts.matches }),
    backendRefs: backends,
    ...(opts.timeouts && { timeouts: opts.timeouts }),
  };
}

export function route(name: string, rules: Obj[], opts: { namespace?: string; parents?: Obj[] } = {}): Obj {
  return {
    apiVersion: GW,
    kind: 'HTTPRoute',
    metadata: meta(name, opts.namespace),
    spec: { ...(opts.parents && { parentRefs: opts.parents }), rules },
  };
}

export const prefix = (value: string, extra: Obj = {}): Obj => ({ path: { type: 'PathPrefix', value }, ...extra });
export const exact = (value: string, extra: Obj = {}): Obj => ({ path: { type: 'Exact', value }, ...extra });

/** Objects as one multi-document YAML file. */
export function toYaml(objects: readonly Obj[]): string {
  return objects.map((o) => stringify(o)).join('---\n');
}

export const FILE = 'test.yaml';

/** Parses and validates `objects` as one file named `test.yaml`. */
export function parse(objects: readonly Obj[], env: Record<string, string | undefined> = {}): LoadedManifests {
  return parseManifests([{ name: FILE, text: toYaml(objects) }], env);
}

/** Parses, validates and compiles `objects` as one file named `test.yaml`. */
export function load(objects: readonly Obj[], env: Record<string, string | undefined> = {}): CompiledConfig {
  return compileConfig(parse(objects, env).objects);
}

/** The problems of the ConfigError that `fn` throws; fails when it throws nothing or something else. */
export function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

export function backendOf(config: CompiledConfig, id: string): CompiledBackend {
  const found = config.backends.find((b) => b.id === id);
  if (!found) throw new Error(`no backend ${id} in ${config.backends.map((b) => b.id).join(', ')}`);
  return found;
}

export function providerOf(config: CompiledConfig, id: string): CompiledProvider {
  const found = config.backends.flatMap((b) => b.providers).find((p) => p.id === id);
  if (!found) throw new Error(`no provider ${id}`);
  return found;
}
