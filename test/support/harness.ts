/**
 * Test harness for the failover engine: the simulator on loopback, a config compiled from YAML
 * (the real `parseManifests` + `compileConfig` path) whose providers point at the simulator, an
 * Engine with a fake clock behind the real Node server on 127.0.0.1:0, and one `close()` that
 * tears everything down. Nothing here leaves loopback.
 */
import net from 'node:net';
import type { Server } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { parseManifests } from '../../functions/config/manifests.js';
import { compileConfig } from '../../functions/model/compile.js';
import type { CompiledConfig } from '../../functions/model/config.js';
import type { EngineLimits } from '../../functions/engine/context.js';
import { Engine } from '../../functions/engine/engine.js';
import { MemoryLogger } from '../../functions/core/log.js';
import { createGatewayServer, listen } from '../../functions/http/node-server.js';
import { MemoryStore } from '../../functions/state/memory.js';
import type { Fault, FaultPlan } from '../../functions/simulator/faults.js';
import { startSimulator, type Simulator } from '../../functions/simulator/server.js';
import { TUTORIAL_ENV, tutorialAgainst } from './manifests.js';
import type { MetricsSink } from '../../functions/engine/metrics.js';

export const NAMESPACE = 'gw';
export const BACKEND = 'llm';

/** A clock the test moves by hand: eviction windows without waiting. Starts at the real time, so HTTP dates parse. */
export class FakeClock {
  constructor(public t = Date.now()) {}
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export type ProviderKindSpec = 'anthropic' | 'openai' | 'gemini' | 'vertexai' | 'bedrock' | 'azureopenai' | 'custom';

export interface ProviderSpec {
  name: string;
  /** Default anthropic. */
  kind?: ProviderKindSpec;
  /** More fields of the kind's block (`projectId`, `region`, `apiVersion`, `formats`, ...), beside `model`. */
  options?: Record<string, unknown>;
  /** The pinned model; `null` pins none (the client's model is sent). Default `model-<name>`. */
  model?: string | null;
  /** Default: the simulator's port. */
  port?: number;
  /** `auth.key`; default `sk-test-<name>-0123456789` (none for bedrock, which signs with AWS credentials). `null` sends no key. */
  key?: string | null;
  /** Extra provider `policies` (merged with `auth`). */
  policies?: Record<string, unknown>;
}

export interface GatewaySpec {
  /** Priority groups, in order. */
  groups: ProviderSpec[][];
  /** An AgentgatewayPolicy `spec.backend` targeting the backend (e.g. `{ health: {...}, http: {...} }`). */
  backendPolicy?: Record<string, unknown>;
  /** An AgentgatewayPolicy `spec.traffic` targeting the route (e.g. `{ retry: { attempts: 1 } }`). */
  traffic?: Record<string, unknown>;
  /** The backend's `metadata.annotations` (modelgate's `modelgate.dev/` hedging settings). */
  backendAnnotations?: Record<string, string>;
  /** HTTPRoute rule `timeouts` (`request`, `backendRequest`). */
  routeTimeouts?: Record<string, string>;
}

export const defaultKey = (name: string) => `sk-test-${name}-0123456789`;

/**
 * One backend `llm` with one provider on 127.0.0.1:`port` (`provider`: its kind block, e.g.
 * `openai: { model: m }`), optional backend `policies` (flow YAML), and a route sending every path to it.
 */
export function singleProviderYaml(provider: string, port: number, policies?: string): string {
  return `apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata: { name: llm }
spec:
  ai:
    provider: { ${provider}, host: 127.0.0.1, port: ${port} }${policies ? `\n  policies: ${policies}` : ''}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: r }
spec:
  rules: [{ backendRefs: [{ group: agentgateway.dev, kind: AgentgatewayBackend, name: llm }] }]`;
}

/** Multi-document YAML for one Gateway, one backend (the groups), optional policies and a /v1 route. */
export function gatewayYaml(spec: GatewaySpec, simPort: number): string {
  const docs: unknown[] = [
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'gateway', namespace: NAMESPACE },
      spec: { gatewayClassName: 'agentgateway', listeners: [{ name: 'http', port: 8080, protocol: 'HTTP' }] },
    },
    {
      apiVersion: 'agentgateway.dev/v1alpha1',
      kind: 'AgentgatewayBackend',
      metadata: { name: BACKEND, namespace: NAMESPACE, ...(spec.backendAnnotations && { annotations: spec.backendAnnotations }) },
      spec: {
        ai: {
          groups: spec.groups.map((group) => ({
            providers: group.map((p) => {
              const kind = p.kind ?? 'anthropic';
              const model = p.model === undefined ? `model-${p.name}` : p.model;
              const key = p.key === undefined ? (kind === 'bedrock' ? null : defaultKey(p.name)) : p.key;
              const policies = { ...(key !== null && { auth: { key } }), ...p.policies };
              return {
                name: p.name,
                [kind]: { ...kindDefaults(kind, p.name), ...(model !== null && { [kind === 'azureopenai' ? 'deploymentName' : 'model']: model }), ...p.options },
                host: '127.0.0.1',
                port: p.port ?? simPort,
                ...(Object.keys(policies).length > 0 && { policies }),
              };
            }),
          })),
        },
      },
    },
  ];
  if (spec.backendPolicy) {
    docs.push({
      apiVersion: 'agentgateway.dev/v1alpha1',
      kind: 'AgentgatewayPolicy',
      metadata: { name: 'backend-policy', namespace: NAMESPACE },
      spec: { targetRefs: [{ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: BACKEND }], backend: spec.backendPolicy },
    });
  }
  if (spec.traffic) {
    docs.push({
      apiVersion: 'agentgateway.dev/v1alpha1',
      kind: 'AgentgatewayPolicy',
      metadata: { name: 'traffic-policy', namespace: NAMESPACE },
      spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'route' }], traffic: spec.traffic },
    });
  }
  docs.push({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'route', namespace: NAMESPACE },
    spec: {
      parentRefs: [{ name: 'gateway' }],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/v1' } }],
          backendRefs: [{ group: 'agentgateway.dev', kind: 'AgentgatewayBackend', name: BACKEND }],
          ...(spec.routeTimeouts && { timeouts: spec.routeTimeouts }),
        },
      ],
    },
  });
  return docs.map((d) => stringify(d)).join('---\n');
}

/** The fields a kind requires besides the model (the simulator ignores them, but the schema does not). */
function kindDefaults(kind: ProviderKindSpec, name: string): Record<string, unknown> {
  switch (kind) {
    case 'vertexai':
      return { projectId: `project-${name}` };
    case 'azureopenai':
      return { endpoint: `${name}.openai.azure.com` };
    case 'custom':
      return { formats: [{ type: 'Completions' }] };
    default:
      return {};
  }
}

/** YAML text -> compiled config, through the same functions `modelgate serve -f` uses. */
export function compileYaml(text: string, env: Record<string, string> = {}): CompiledConfig {
  const { objects } = parseManifests([{ name: 'test.yaml', text }], env);
  return compileConfig(objects);
}

/**
 * The tutorial's manifests (examples/) with `host`/`port` added to every provider, pointing at
 * `port`. Its `${ANTHROPIC_API_KEY}` needs TUTORIAL_ENV, which startGateway gives by default.
 */
export function tutorialYaml(port: number): string {
  return tutorialAgainst(port);
}

/** A loopback port nothing listens on: connecting to it is refused. */
/** Closes a test's server now: its open connections (keep-alive ones too) and then its listener. */
export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export async function closedPort(): Promise<number> {
  // A freed ephemeral port can be handed to the next listener (another test's server) a moment
  // later; port 1 is privileged and unused, so a connection there is refused every time.
  const refused = await new Promise<boolean>((resolve) => {
    const socket = net.connect(1, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
  if (refused) return 1;
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface Gateway {
  sim: Simulator;
  engine: Engine;
  store: MemoryStore;
  clock: FakeClock;
  logger: MemoryLogger;
  server: Server;
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** An official OpenAI client pointed at the gateway (no retries of its own). */
  openai: OpenAI;
  /** The official Anthropic client pointed at the gateway's /v1/messages (no retries of its own). */
  anthropic: Anthropic;
  /** POST /v1/chat/completions with a JSON body (or raw text), raw fetch. */
  chat(body: unknown, init?: RequestInit): Promise<Response>;
  /** POST /v1/messages with a JSON body (or raw text), raw fetch. */
  messages(body: unknown, init?: RequestInit): Promise<Response>;
  /** The models named by the simulator's calls since index `from` (provider `x` pins `model-x` by default). */
  modelsCalled(from?: number): string[];
  close(): Promise<void>;
}

export interface GatewayOptions {
  /** A GatewaySpec, or YAML text (compiled as is). */
  config: GatewaySpec | ((simPort: number) => string);
  faults?: FaultPlan;
  limits?: Partial<EngineLimits>;
  random?: () => number;
  /** `${VAR}` values for the YAML; the tutorial's ANTHROPIC_API_KEY is there unless this replaces it. */
  env?: Record<string, string>;
  /** Where the engine reports finished requests (none by default). */
  metrics?: MetricsSink;
}

/** No faults: every call is answered normally (unlike the simulator's own default, which 404s `-FAKE` models). */
export const noFaults: FaultPlan = () => undefined;

/** Faults by the model a call names; models not listed answer normally. */
export function faultsByModel(table: Record<string, Fault | undefined | Array<Fault | undefined>>): FaultPlan {
  const seen = new Map<string, number>();
  return (call) => {
    const entry = table[call.model];
    if (!Array.isArray(entry)) return entry;
    // A list scripts successive calls to the same model; past its end, answers are normal.
    const n = seen.get(call.model) ?? 0;
    seen.set(call.model, n + 1);
    return entry[n];
  };
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const sim = await startSimulator({ faults: options.faults ?? noFaults });
  try {
    const text = typeof options.config === 'function' ? options.config(sim.port) : gatewayYaml(options.config, sim.port);
    const config = compileYaml(text, { ...TUTORIAL_ENV, ...options.env });
    const clock = new FakeClock();
    const logger = new MemoryLogger();
    const store = new MemoryStore();
    const engine = new Engine({
      config,
      store,
      logger,
      now: clock.now,
      ...(options.random && { random: options.random }),
      ...(options.metrics && { metrics: options.metrics }),
      limits: { attemptTimeoutMs: 5_000, streamIdleMs: 5_000, ...options.limits },
    });
    const server = createGatewayServer((req, afterAnswer) => engine.handle(req, afterAnswer));
    const address = await listen(server, 0, '127.0.0.1');
    const url = `http://127.0.0.1:${address.port}`;
    return {
      sim,
      engine,
      store,
      clock,
      logger,
      server,
      port: address.port,
      url,
      openai: new OpenAI({ baseURL: `${url}/v1`, apiKey: 'x', maxRetries: 0, timeout: 10_000 }),
      anthropic: new Anthropic({ baseURL: url, apiKey: 'x', maxRetries: 0, timeout: 10_000 }),
      chat: (body, init) =>
        fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: typeof body === 'string' ? body : JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
          ...init,
        }),
      messages: (body, init) =>
        fetch(`${url}/v1/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
          body: typeof body === 'string' ? body : JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
          ...init,
        }),
      modelsCalled: (from = 0) => sim.calls.slice(from).map((c) => c.model),
      async close() {
        await closeServer(server);
        await sim.close();
      },
    };
  } catch (error) {
    await sim.close();
    throw error;
  }
}

/** The request most tests send. */
export const HELLO = { model: 'client-model', messages: [{ role: 'user', content: 'Hello there' }] };

/** The same, as an Anthropic Messages request. */
export const HELLO_MESSAGES = { model: 'client-model', max_tokens: 256, messages: [{ role: 'user' as const, content: 'Hello there' }] };

/** The text of an Anthropic Messages event stream (`event:`/`data:`), as `[event, data]` pairs. */
export function messagesEvents(text: string): Array<[string, Record<string, unknown>]> {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
      const data = lines
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n');
      return [event, JSON.parse(data) as Record<string, unknown>];
    });
}

/** Served-by headers of a fetch or SDK response. */
export function servedBy(headers: Headers): { provider: string | null; model: string | null; attempts: string | null } {
  return {
    provider: headers.get('x-modelgate-provider'),
    model: headers.get('x-modelgate-model'),
    attempts: headers.get('x-modelgate-attempts'),
  };
}

/** `data:` payloads of an SSE body, in order. */
export function sseData(text: string): string[] {
  return text
    .split('\n\n')
    .map((block) =>
      block
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('\n'),
    )
    .filter((d) => d !== '');
}

/** Concatenated `delta.content` of an OpenAI chunk stream body. */
export function streamedText(text: string): string {
  return sseData(text)
    .filter((d) => d !== '[DONE]')
    .map((d) => JSON.parse(d) as { choices?: Array<{ delta?: { content?: string } }> })
    .map((c) => c.choices?.[0]?.delta?.content ?? '')
    .join('');
}
