/**
 * The "HTTP" traffic policies of a route rule, compiled and merged: `cors`, `headerModifiers`
 * (request and response) and `directResponse`. Policies merge per field as agentgateway's do: a
 * more specific policy's `cors`, `headerModifiers.request`, `headerModifiers.response` or
 * `directResponse` replaces a less specific one's whole (a route's request modifiers do not drop
 * the Gateway's response modifiers). The engine side: engine/http-traffic.ts.
 */
import { compileDirectResponse, type CompiledDirectResponse } from './compile-direct-response.js';
import type { PolicyObject } from './schema/policy.js';
import type { CorsSpec, HeaderFilterSpec } from './schema/traffic-http.js';

/** Header changes in Gateway API's HTTPHeaderFilter shape; names lower-case (they are case-insensitive). */
export interface HeaderChanges {
  /** Appended to any value the header has (comma-joined), else set. */
  add: ReadonlyArray<readonly [name: string, value: string]>;
  /** Replaces any value the header has. */
  set: ReadonlyArray<readonly [name: string, value: string]>;
  remove: readonly string[];
}

/** An allowed origin, as agentgateway parses it: scheme, host (may hold `*`), port (the scheme's default when absent). */
export interface OriginPattern {
  scheme: 'http' | 'https';
  host: string;
  port: number;
}

/** `traffic.cors`, ready for the engine (engine/cors.ts): header values computed once. */
export interface CompiledCors {
  /** `any` for `*`; an empty list allows no origin (and so adds no CORS header). */
  origins: 'any' | readonly OriginPattern[];
  /** `Access-Control-Allow-Methods` for a list; `*` echoes the requested method. */
  methods?: string;
  /** `Access-Control-Allow-Headers` for a list (lower-case names); `*` echoes the requested headers. */
  headers?: string;
  /** `Access-Control-Expose-Headers`. */
  expose?: string;
  credentials: boolean;
  /** `Access-Control-Max-Age`, in seconds. */
  maxAge: string;
}

export interface HttpTraffic {
  cors?: CompiledCors;
  /** Changes to the headers of each upstream call (the provider's credential excepted: engine/header-modifiers.ts). */
  requestHeaders?: HeaderChanges;
  /** Changes to the headers of every answer past the request policies. */
  responseHeaders?: HeaderChanges;
  directResponse?: CompiledDirectResponse;
}

type TrafficSpec = NonNullable<PolicyObject['spec']['traffic']>;

/** `current` (less specific policies) with `traffic`'s HTTP fields over it; problems named under `where` (`... spec.traffic`). */
export function mergeHttpTraffic(current: HttpTraffic | undefined, traffic: TrafficSpec, where: string, problems: string[]): HttpTraffic | undefined {
  const { cors, headerModifiers, directResponse } = traffic;
  if (!cors && !headerModifiers && !directResponse) return current;
  const out: HttpTraffic = { ...current };
  if (cors) out.cors = compileCors(cors);
  if (headerModifiers?.request) out.requestHeaders = compileHeaderChanges(headerModifiers.request);
  if (headerModifiers?.response) out.responseHeaders = compileHeaderChanges(headerModifiers.response);
  if (directResponse) {
    // One policy often covers many rules; compile.ts reports each problem once.
    const compiled = compileDirectResponse(directResponse, `${where}.directResponse`, problems);
    if (compiled) out.directResponse = compiled;
  }
  return out;
}

export function compileHeaderChanges(spec: HeaderFilterSpec): HeaderChanges {
  const pairs = (list: HeaderFilterSpec['add']) => firstByName((list ?? []).map((h) => [h.name.toLowerCase(), h.value] as const));
  return { add: pairs(spec.add), set: pairs(spec.set), remove: [...new Set((spec.remove ?? []).map((n) => n.toLowerCase()))] };
}

/** Gateway API: entries whose names are equal but for case name one header, and only the first counts. */
function firstByName(pairs: ReadonlyArray<readonly [string, string]>): ReadonlyArray<readonly [string, string]> {
  return pairs.filter(([name], i) => pairs.findIndex(([n]) => n === name) === i);
}

export function compileCors(spec: CorsSpec): CompiledCors {
  const list = (values: readonly string[] | undefined, lower: boolean) => {
    if (!values || values.length === 0) return undefined;
    if (values.includes('*')) return '*';
    return values.map((v) => (lower ? v.toLowerCase() : v)).join(',');
  };
  const origins = spec.allowOrigins ?? [];
  const methods = list(spec.allowMethods, false);
  const headers = list(spec.allowHeaders, true);
  const expose = list(spec.exposeHeaders, true);
  return {
    origins: origins.includes('*') ? 'any' : origins.flatMap((o) => parseOrigin(o, true) ?? []),
    ...(methods !== undefined && { methods }),
    ...(headers !== undefined && { headers }),
    ...(expose !== undefined && { expose }),
    credentials: spec.allowCredentials === true,
    maxAge: String(spec.maxAge),
  };
}

/**
 * `scheme://host[:port]` as agentgateway's cors.rs reads it: http or https only, no path, a port of
 * 1-65535 (else the scheme's default), the host lower-cased. `*` in the host only for an allowed
 * origin, never in a request's.
 */
export function parseOrigin(value: string, allowWildcardHost: boolean): OriginPattern | undefined {
  const at = value.indexOf('://');
  if (at < 0) return undefined;
  const scheme = value.slice(0, at).toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return undefined;
  const hostPort = value.slice(at + 3);
  if (hostPort === '' || /[/?#]/.test(hostPort)) return undefined;
  let host = hostPort;
  let port = scheme === 'http' ? 80 : 443;
  const colon = hostPort.lastIndexOf(':');
  if (colon >= 0) {
    host = hostPort.slice(0, colon);
    const digits = hostPort.slice(colon + 1);
    if (host === '' || host.includes(':') || !/^\d{1,5}$/.test(digits)) return undefined;
    port = Number(digits);
    if (port < 1 || port > 65535) return undefined;
  }
  if (host === '' || (!allowWildcardHost && host.includes('*'))) return undefined;
  return { scheme, host: host.toLowerCase(), port };
}
