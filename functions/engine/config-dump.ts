/**
 * `/config_dump`: the config being served, as JSON an operator can read — agentgateway's admin
 * endpoint of the same name — with no secret in it. The compiled config holds what JSON cannot
 * show (RE2 programs, CEL programs, Sets, key digests as Buffers), so it is written out field by
 * field: routes, backends, groups, targets and policies, each by its id and name.
 *
 * Secrets: a provider's `apiKey` is replaced by a marker, client API keys (kept as SHA-256
 * digests) are shown as a count only, and then every string is redacted by value with the
 * config's provider keys — so a key that also sits in a path, a header match or a URL cannot
 * come out either.
 */
import type { CompiledBackend, CompiledConfig, CompiledMatch, CompiledProvider, CompiledRule, ValueMatch } from '../model/config.js';
import { REDACTED, redactorFor, type Redact } from './redact.js';
import { httpTrafficDump } from './http-traffic.js';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

interface ConfigDump {
  listeners: Json[];
  routes: Json[];
  /** AgentgatewayModels, when the config has any: each with its routes (a conditional model's behind their `when`). */
  models?: Json[];
  backends: Json[];
  warnings: string[];
}

export function configDump(config: CompiledConfig): ConfigDump {
  const dump = {
    listeners: config.listeners.map((l) => ({ gateway: l.gateway, name: l.name, port: l.port })),
    routes: config.rules.map(ruleDump),
    ...(config.models && {
      models: config.models.map((m) => ({
        id: m.id,
        kind: m.kind,
        match: m.match,
        visibility: m.visibility,
        routes: m.routes.map((r) => pruned({ when: r.when?.source, rule: ruleDump(r.rule) })),
      })),
    }),
    backends: config.backends.map(backendDump),
    warnings: [...config.warnings],
  };
  return redactStrings(dump, redactorFor(config).redact) as unknown as ConfigDump;
}

function ruleDump(rule: CompiledRule): Json {
  const r = rule.retry;
  return pruned({
    id: rule.id,
    route: rule.routeId,
    hostnames: [...rule.hostnames],
    matches: rule.matches.map(matchDump),
    backends: rule.backends.map((b) => ({ backend: b.backend.id, weight: b.weight })),
    requestTimeoutMs: rule.requestTimeoutMs,
    attemptTimeoutMs: rule.attemptTimeoutMs,
    retry: pruned({ attempts: r.attempts, codes: r.codes && [...r.codes].sort((a, b) => a - b), backoffMs: r.backoffMs, condition: r.condition?.source }),
    // The keys are digests already; even those stay in the process. How many is what an operator needs.
    clientAuth: rule.clientAuth && pruned({ mode: rule.clientAuth.mode, location: rule.clientAuth.location as Json | undefined, keys: rule.clientAuth.keyDigests.length }),
    http: rule.http && (httpTrafficDump(rule.http) as Json),
  });
}

function matchDump(m: CompiledMatch): Json {
  return pruned({
    path: { type: m.path.type, value: m.path.value },
    method: m.method,
    headers: m.headers.length > 0 ? m.headers.map(valueMatchDump) : undefined,
    queryParams: m.queryParams.length > 0 ? m.queryParams.map(valueMatchDump) : undefined,
  });
}

function valueMatchDump(v: ValueMatch): Json {
  return pruned({ name: v.name, exact: v.exact, regex: v.regex?.source });
}

function backendDump(b: CompiledBackend): Json {
  return { id: b.id, name: b.name, namespace: b.namespace, groups: b.groups.map((group, i) => ({ group: i + 1, providers: group.map(providerDump) })) };
}

function providerDump(p: CompiledProvider): Json {
  const { apiKey, ...target } = p.target;
  return pruned({
    id: p.id,
    name: p.name,
    target: pruned({ ...(target as unknown as Record<string, Json | undefined>), apiKey: apiKey === undefined ? undefined : REDACTED }),
    health: pruned({ unhealthyCondition: p.health.condition?.source, eviction: p.health.eviction as Json | undefined }),
    ai: Object.keys(p.ai).length > 0 ? (p.ai as unknown as Json) : undefined,
    requestTimeoutMs: p.requestTimeoutMs,
    connectTimeoutMs: p.connectTimeoutMs,
  });
}

/** The object without its undefined members, so the dump shows what is set and nothing else. */
function pruned(fields: Record<string, Json | undefined>): Json {
  const out: { [key: string]: Json } = {};
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out[k] = v;
  return out;
}

/** Every string of a JSON value through `redact`, keys included. */
function redactStrings(value: unknown, redact: Redact): Json {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactStrings(v, redact));
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[redact(k)] = redactStrings(v, redact);
    return out;
  }
  return typeof value === 'number' || typeof value === 'boolean' ? value : null;
}
