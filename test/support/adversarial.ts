/**
 * Shared pieces of the adversarial suite (test/adversarial): manifests with one backend per
 * route prefix, written to a file for `modelgate serve`, and small raw-HTTP helpers. Everything
 * stays on loopback.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tempDir } from './temp.js';
import http from 'node:http';
import { join } from 'node:path';
import { stringify } from 'yaml';

export type Obj = Record<string, unknown>;

export interface BackendSpec {
  /** The route prefix and the backend's name: `/<name>/v1/chat/completions`. */
  name: string;
  /** Providers in priority groups; each is an AgentgatewayBackend provider (`host`/`port` included). */
  groups: Obj[][];
  /** `spec.backend` of a policy on this backend (health, …). */
  backendPolicy?: Obj;
  /** `spec.traffic` of a policy on this route (apiKeyAuthentication, retry, …). */
  traffic?: Obj;
  /** Extra route matches (default: PathPrefix `/<name>`). */
  matches?: Obj[];
}

const NS = 'adv';

/** A provider entry on loopback: `{name, [kind]: {...}, host, port, policies.auth.key}`. */
export function loopbackProvider(name: string, kind: string, port: number, key: string | undefined, settings: Obj = {}): Obj {
  return { name, [kind]: settings, host: '127.0.0.1', port, ...(key !== undefined && { policies: { auth: { key } } }) };
}

/** One Gateway, and per backend: the backend, its route and its policies. */
export function adversarialManifests(backends: readonly BackendSpec[], extra: readonly Obj[] = []): string {
  const docs: Obj[] = [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'gateway', namespace: NS },
      spec: { gatewayClassName: 'agentgateway', listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] },
    },
  ];
  for (const b of backends) {
    docs.push({
      apiVersion: 'agentgateway.dev/v1alpha1',
      kind: 'AgentgatewayBackend',
      metadata: { name: b.name, namespace: NS },
      spec: { ai: { groups: b.groups.map((providers) => ({ providers })) } },
    });
    docs.push({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: b.name, namespace: NS },
      spec: {
        parentRefs: [{ name: 'gateway' }],
        rules: [
          {
            matches: b.matches ?? [{ path: { type: 'PathPrefix', value: `/${b.name}` } }],
            backendRefs: [{ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: b.name }],
          },
        ],
      },
    });
    if (b.backendPolicy) {
      docs.push({
        apiVersion: 'agentgateway.dev/v1alpha1',
        kind: 'AgentgatewayPolicy',
        metadata: { name: `${b.name}-backend`, namespace: NS },
        spec: { targetRefs: [{ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: b.name }], backend: b.backendPolicy },
      });
    }
    if (b.traffic) {
      docs.push({
        apiVersion: 'agentgateway.dev/v1alpha1',
        kind: 'AgentgatewayPolicy',
        metadata: { name: `${b.name}-traffic`, namespace: NS },
        spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: b.name }], traffic: b.traffic },
      });
    }
  }
  docs.push(...extra);
  return docs.map((d) => stringify(d)).join('---\n');
}

/** Writes manifests to a fresh temporary file; returns its path. */
export function manifestFile(text: string): string {
  const file = join(tempDir('modelgate-adv-'), 'manifests.yaml');
  writeFileSync(file, text);
  return file;
}

export const CHAT_BODY = { model: 'client-model', messages: [{ role: 'user', content: 'Hello there' }] };
export const MESSAGES_BODY = { model: 'client-model', max_tokens: 64, messages: [{ role: 'user', content: 'Hello there' }] };

/** One POST of JSON with fetch; status, headers and the whole text. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** A request with a raw request-target (fetch would normalise `..` itself): status and body. */
export function rawRequest(
  base: string,
  target: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  const url = new URL(base);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: target,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.setTimeout(15_000, () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

/** The RSS of a process, in bytes, from /proc (Linux). */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}
