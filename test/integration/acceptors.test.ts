/**
 * The gateway's port with several listening sockets (http/acceptors.ts). libuv takes one connection
 * per readiness event of a listening socket, so a server whose loop is busy takes one new
 * connection per turn of its event loop, however many wait; with N sockets, up to N. Counted here,
 * not timed: connections made while the loop is held, then how many arrive in the first turn that
 * takes any. Also: every socket's connections reach the one HTTP server, close() stops them all, and
 * a port anything else holds (another gateway's sockets included) is refused as usual.
 */
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { listenWithAcceptors } from '../../functions/http/acceptors.js';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => (s.listening ? s.close(r) : r(undefined)))));
});

function gateway(): { server: http.Server; accepted: net.Socket[] } {
  const server = http.createServer((_req, res) => res.end('ok'));
  const accepted: net.Socket[] = [];
  server.on('connection', (socket: net.Socket) => accepted.push(socket));
  servers.push(server);
  return { server, accepted };
}

/** Holds this thread (no event loop turn) without spinning. */
const hold = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
const turn = () => new Promise((r) => setImmediate(r));

/** Opens `n` connections while the loop is held, then counts those the server takes in the first turn that takes any. */
async function firstTurn(port: number, accepted: net.Socket[], n: number): Promise<number> {
  const clients = Array.from({ length: n }, () => net.connect(port, '127.0.0.1').on('error', () => {}));
  // Node issues each connect() on the next tick; the kernel completes the handshakes while the loop is held.
  await new Promise((r) => process.nextTick(r));
  hold(200);
  try {
    for (let i = 0; i < 100 && accepted.length === 0; i++) await turn();
    return accepted.length;
  } finally {
    for (let i = 0; i < 200 && accepted.length < n; i++) await turn();
    for (const c of clients) c.destroy();
  }
}

const get = (port: number) =>
  new Promise<number>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => res.resume().on('end', () => resolve(res.statusCode ?? 0))).on('error', reject);
  });

describe.skipIf(process.platform !== 'linux')('several listening sockets on one port (SO_REUSEPORT, Linux)', () => {
  it('a held loop then takes one waiting connection per turn through one socket, and several through eight', async () => {
    const one = gateway();
    const onePort = (await listenWithAcceptors(one.server, { port: 0, host: '127.0.0.1', acceptors: 1 })).port;
    expect(await firstTurn(onePort, one.accepted, 64)).toBe(1);

    const eight = gateway();
    const eightPort = (await listenWithAcceptors(eight.server, { port: 0, host: '127.0.0.1', acceptors: 8 })).port;
    const taken = await firstTurn(eightPort, eight.accepted, 64);
    // 64 connections spread by the kernel over 8 sockets: at most one per socket in a turn, and
    // (short of all of them landing on two or three sockets) more than one.
    expect(taken).toBeGreaterThan(3);
    expect(taken).toBeLessThanOrEqual(8);
    expect(eight.accepted).toHaveLength(64);
  });

  it("every socket's connections reach the one HTTP server; close() stops every socket and frees the port", async () => {
    const { server, accepted } = gateway();
    const { port } = await listenWithAcceptors(server, { port: 0, host: '127.0.0.1', acceptors: 8 });
    const statuses = await Promise.all(Array.from({ length: 32 }, () => get(port)));
    expect(statuses).toEqual(Array(32).fill(200));
    expect(accepted).toHaveLength(32);
    // Whichever socket took it, a connection has the HTTP server's own options (half-open allowed,
    // as http.Server sets it; net.Server's default is the opposite).
    expect(accepted.every((socket) => socket.allowHalfOpen)).toBe(true);

    await new Promise((r) => server.close(r));
    const refused = await new Promise<boolean>((resolve) => {
      const c = net.connect(port, '127.0.0.1');
      c.once('connect', () => resolve(!c.destroy()));
      c.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
    // No socket of the group is left: the port binds alone again.
    const again = net.createServer();
    servers.push(again);
    await new Promise<void>((resolve, reject) => again.once('error', reject).listen(port, '127.0.0.1', resolve));
  });

  it('a port held by anything is refused, another group of sockets like ours included', async () => {
    const first = gateway();
    const { port } = await listenWithAcceptors(first.server, { port: 0, host: '127.0.0.1', acceptors: 8 });
    await expect(listenWithAcceptors(gateway().server, { port, host: '127.0.0.1', acceptors: 8 })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    await expect(listenWithAcceptors(gateway().server, { port, host: '127.0.0.1', acceptors: 1 })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    // The first gateway still answers, on every socket.
    expect(await Promise.all(Array.from({ length: 16 }, () => get(port)))).toEqual(Array(16).fill(200));

    const plain = net.createServer();
    servers.push(plain);
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    const held = (plain.address() as net.AddressInfo).port;
    await expect(listenWithAcceptors(gateway().server, { port: held, host: '127.0.0.1', acceptors: 8 })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('a server with maxConnections set is refused: Node would count, and cap, each socket apart', async () => {
    const { server } = gateway();
    server.maxConnections = 100;
    await expect(listenWithAcceptors(server, { port: 0, host: '127.0.0.1', acceptors: 8 })).rejects.toThrow(/maxConnections/);
    expect(server.listening).toBe(false);
  });

  it('a count outside 1–64 is refused before anything is bound', async () => {
    for (const acceptors of [0, 65, 1.5, Number.NaN]) {
      await expect(listenWithAcceptors(gateway().server, { port: 0, host: '127.0.0.1', acceptors })).rejects.toThrow(/acceptors must be a whole number from 1 to 64/);
    }
  });
});
