/**
 * The admin endpoints of `modelgate serve`, in agentgateway's layout: an admin port (15000 there)
 * with `/config_dump` and `/status`, a metrics port (15020) with `/metrics`, and a readiness port
 * (15021) with `/healthz/ready`. Three small servers, because the three are reached by different
 * callers: the admin port by an operator on the host, the others by Prometheus and a kubelet —
 * which is why `/config_dump` and `/status` are never answered on those two.
 *
 * Each port is given explicitly: a number listens (0: any free port), null leaves that server off.
 * GET only; anything else is 404 or 405. Nothing here reads a request body.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface AdminPorts {
  /** Default 127.0.0.1: config and status are for the host's operator, not the network. */
  host?: string;
  admin: number | null;
  metrics: number | null;
  readiness: number | null;
}

export interface AdminHandlers {
  /** Whether the gateway takes traffic (the listener is up and the config loaded). */
  ready(): boolean;
  /** True once a drain has started: readiness answers 503 "draining". */
  draining?(): boolean;
  /** The Prometheus text exposition. */
  metrics(): Promise<string>;
  status(): Promise<unknown>;
  /** The served config with its secrets redacted (see engine/config-dump.ts). */
  configDump(): unknown;
}

export interface AdminServers {
  /** The bound address of each server that is on. */
  admin?: AddressInfo;
  metrics?: AddressInfo;
  readiness?: AddressInfo;
  close(): Promise<void>;
}

export type AdminServerName = 'admin' | 'metrics' | 'readiness';

/** A port the admin servers could not listen on; the message names the port and what it was for. */
export class AdminListenError extends Error {
  constructor(
    readonly server: AdminServerName,
    readonly host: string,
    readonly port: number,
    readonly code: string | undefined,
    cause: Error,
  ) {
    super(code === 'EADDRINUSE' ? `the ${server} port ${port} on ${host} is in use` : `cannot listen on ${host}:${port} for the ${server} endpoints: ${cause.message}`, { cause });
    this.name = 'AdminListenError';
  }
}

const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

type Route = (res: ServerResponse) => Promise<void>;

/**
 * Starts the servers whose port is a number. If one cannot listen, those already started are
 * closed and the promise rejects with an AdminListenError.
 */
export async function startAdminServers(ports: AdminPorts, handlers: AdminHandlers): Promise<AdminServers> {
  const host = ports.host ?? '127.0.0.1';
  const readiness: Route = async (res) => {
    // Draining first: a draining gateway still has its listener until the drain ends.
    if (handlers.draining?.()) return text(res, 503, 'draining\n');
    return handlers.ready() ? text(res, 200, 'ready\n') : text(res, 503, 'not ready\n');
  };
  const metrics: Route = async (res) => send(res, 200, METRICS_CONTENT_TYPE, await handlers.metrics());
  const routes: Record<AdminServerName, Record<string, Route>> = {
    // The operator's port answers everything: it is the most trusted of the three.
    admin: {
      '/config_dump': async (res) => json(res, handlers.configDump()),
      '/status': async (res) => json(res, await handlers.status()),
      '/metrics': metrics,
      '/healthz/ready': readiness,
    },
    metrics: { '/metrics': metrics },
    readiness: { '/healthz/ready': readiness },
  };

  const started: Array<{ name: AdminServerName; server: http.Server; address: AddressInfo }> = [];
  const closeAll = () => Promise.all(started.map(({ server }) => closeServer(server))).then(() => undefined);
  try {
    for (const name of ['admin', 'metrics', 'readiness'] as const) {
      const port = ports[name];
      if (port === null) continue;
      const server = adminServer(routes[name]);
      started.push({ name, server, address: await listenOn(server, name, host, port) });
    }
  } catch (error) {
    await closeAll();
    throw error;
  }
  const out: AdminServers = { close: closeAll };
  for (const { name, address } of started) out[name] = address;
  return out;
}

function adminServer(routes: Record<string, Route>): http.Server {
  // Short timeouts: these answers are small and local, and a stuck client must not hold a socket.
  const server = http.createServer({ requestTimeout: 10_000, headersTimeout: 10_000, keepAliveTimeout: 30_000 }, (req, res) => {
    answer(routes, req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else text(res, 500, `error: ${(error as Error)?.message ?? String(error)}\n`);
    });
  });
  return server;
}

async function answer(routes: Record<string, Route>, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0]!;
  const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
  if (!route) return text(res, 404, `not found: this port serves ${Object.keys(routes).join(', ')}\n`);
  if (req.method !== 'GET') {
    res.setHeader('allow', 'GET');
    return text(res, 405, 'method not allowed: use GET\n');
  }
  await route(res);
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

function text(res: ServerResponse, status: number, body: string): void {
  send(res, status, 'text/plain; charset=utf-8', body);
}

function json(res: ServerResponse, value: unknown): void {
  send(res, 200, 'application/json; charset=utf-8', `${JSON.stringify(value, null, 2)}\n`);
}

function listenOn(server: http.Server, name: AdminServerName, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(new AdminListenError(name, host, port, error.code, error));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      // An 'error' with no listener would end the process: the admin side must never take the
      // data plane down with it. Past listening, nothing is left to report it to.
      server.on('error', () => {});
      resolve(server.address() as AddressInfo);
    });
  });
}

function closeServer(server: http.Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Prometheus keeps its scrape connection open: without this, close would wait for it.
    server.closeAllConnections();
  });
}
