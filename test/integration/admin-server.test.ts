/**
 * The admin servers in agentgateway's layout, on loopback: `/config_dump` and `/status` on the
 * admin port only, `/metrics` on the metrics port, `/healthz/ready` on the readiness port (the
 * admin port answers all four). Wired to a real engine with a Prometheus sink after a failover.
 * GET only; unknown paths 404; a busy port is an error that names the port.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { configDump } from '../../functions/engine/config-dump.js';
import { PrometheusMetrics } from '../../functions/engine/prometheus.js';
import { AdminListenError, startAdminServers, type AdminHandlers, type AdminServers } from '../../functions/http/admin.js';
import { defaultKey, faultsByModel, HELLO, startGateway, type Gateway } from '../support/harness.js';
import { meteredEngine, send } from '../support/metered.js';

let gw: Gateway | undefined;
let admin: AdminServers | undefined;
afterEach(async () => {
  await admin?.close();
  admin = undefined;
  await gw?.close();
  gw = undefined;
});

const url = (address: net.AddressInfo | undefined, path: string) => `http://127.0.0.1:${address!.port}${path}`;
const get = (address: net.AddressInfo | undefined, path: string, init: RequestInit = {}) => fetch(url(address, path), { signal: AbortSignal.timeout(5_000), ...init });

const stubs = (over: Partial<AdminHandlers> = {}): AdminHandlers => ({
  ready: () => true,
  metrics: async () => '# nothing\n',
  status: async () => ({ backends: [] }),
  configDump: () => ({ routes: [] }),
  ...over,
});

describe('admin servers wired to an engine', () => {
  it('after a failover: metrics, status and config dump, each on its port', async () => {
    gw = await startGateway({
      config: { groups: [[{ name: 'a' }], [{ name: 'b' }]], backendPolicy: { health: { eviction: { duration: '10s' } } } },
      faults: faultsByModel({ 'model-a': { kind: 'status', status: 503 } }),
    });
    const metrics = new PrometheusMetrics();
    const { engine } = meteredEngine(gw, { metrics });
    expect((await send(engine, { ...HELLO, stream: true })).status).toBe(200);

    admin = await startAdminServers(
      { admin: 0, metrics: 0, readiness: 0 },
      { ready: () => true, metrics: () => metrics.metrics(), status: () => engine.status(), configDump: () => configDump(engine.config) },
    );
    for (const a of [admin.admin, admin.metrics, admin.readiness]) expect(a).toMatchObject({ address: '127.0.0.1' });

    const scraped = await get(admin.metrics, '/metrics');
    expect(scraped.status).toBe(200);
    expect(scraped.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await scraped.text();
    expect(text).toMatch(/^modelgate_failovers_total\{backend="gw\/llm",provider="a"\} 1$/m);
    expect(text).toMatch(/^modelgate_gen_ai_server_time_to_first_token_count\{.*provider="b"\} 1$/m);

    const status = await get(admin.admin, '/status');
    expect(status.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const snapshot = (await status.json()) as { backends: Array<{ groups: Array<{ providers: Array<{ name: string; evictedUntil: string | null; timesEvicted: number }> }> }> };
    expect(snapshot.backends[0]!.groups[0]!.providers[0]).toMatchObject({ name: 'a', timesEvicted: 1 });
    expect(snapshot.backends[0]!.groups[0]!.providers[0]!.evictedUntil).not.toBeNull();

    const dump = await (await get(admin.admin, '/config_dump')).text();
    expect(JSON.parse(dump)).toMatchObject({ backends: [{ id: 'gw/llm' }] });
    for (const name of ['a', 'b']) expect(dump).not.toContain(defaultKey(name));

    // The admin port answers everything; the other two only their own path.
    expect((await get(admin.admin, '/metrics')).status).toBe(200);
    expect((await get(admin.admin, '/healthz/ready')).status).toBe(200);
    for (const path of ['/config_dump', '/status', '/healthz/ready']) expect((await get(admin.metrics, path)).status).toBe(404);
    for (const path of ['/config_dump', '/status', '/metrics']) expect((await get(admin.readiness, path)).status).toBe(404);
  });
});

describe('admin servers', () => {
  it('readiness follows ready() and draining()', async () => {
    let ready = false;
    let draining = false;
    admin = await startAdminServers({ admin: null, metrics: null, readiness: 0 }, stubs({ ready: () => ready, draining: () => draining }));
    const probe = async () => {
      const res = await get(admin!.readiness, '/healthz/ready');
      return [res.status, await res.text()];
    };
    expect(await probe()).toEqual([503, 'not ready\n']);
    ready = true;
    expect(await probe()).toEqual([200, 'ready\n']);
    draining = true;
    expect(await probe()).toEqual([503, 'draining\n']);
  });

  it('GET only (405 with Allow), 404 for anything else, the query string ignored', async () => {
    admin = await startAdminServers({ admin: 0, metrics: null, readiness: null }, stubs());
    const post = await get(admin.admin, '/metrics', { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    expect((await get(admin.admin, '/status', { method: 'HEAD' })).status).toBe(405);
    expect((await get(admin.admin, '/')).status).toBe(404);
    expect((await get(admin.admin, '/config_dump/x')).status).toBe(404);
    expect((await get(admin.admin, '/__proto__')).status).toBe(404);
    expect((await get(admin.admin, '/status?verbose=1')).status).toBe(200);
  });

  it('null leaves a server off', async () => {
    admin = await startAdminServers({ admin: null, metrics: 0, readiness: null }, stubs());
    expect(admin.admin).toBeUndefined();
    expect(admin.readiness).toBeUndefined();
    expect(admin.metrics?.port).toBeGreaterThan(0);
  });

  it('a handler that throws is a 500, and the server keeps answering', async () => {
    admin = await startAdminServers({ admin: 0, metrics: null, readiness: null }, stubs({ status: () => Promise.reject(new Error('store gone')) }));
    const res = await get(admin.admin, '/status');
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('store gone');
    expect((await get(admin.admin, '/config_dump')).status).toBe(200);
  });

  it('a busy port rejects with an error naming the port, and closes what it had started', async () => {
    const listening = async (port: number) => {
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', resolve);
      });
      return server;
    };
    const close = (server: net.Server) => new Promise<void>((resolve) => server.close(() => resolve()));
    const busy = await listening(0);
    const port = (busy.address() as net.AddressInfo).port;
    // A free port for the admin server, known in advance so that its release can be checked.
    const probe = await listening(0);
    const adminPort = (probe.address() as net.AddressInfo).port;
    await close(probe);
    try {
      // The readiness server starts last: the admin and metrics servers are up when it fails.
      const error: unknown = await startAdminServers({ admin: adminPort, metrics: 0, readiness: port }, stubs()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AdminListenError);
      expect((error as AdminListenError).message).toBe(`the readiness port ${port} on 127.0.0.1 is in use`);
      expect(error).toMatchObject({ server: 'readiness', port, code: 'EADDRINUSE' });
      // The admin server it had started is closed: its port can be taken again.
      await close(await listening(adminPort));
    } finally {
      await close(busy);
    }
  });
});
