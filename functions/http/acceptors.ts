/**
 * One port, several listening sockets (SO_REUSEPORT), every connection handed to the same HTTP
 * server.
 *
 * Why: libuv accepts one connection per readiness event of a listening socket (since libuv 1.45,
 * commit 6c692ad "unix: don't accept() connections in a loop"; Node 20 and later). A server busy
 * relaying thousands of streams gets its events from the kernel 1,024 at a time, and the
 * listening socket is one of them, so it accepts one connection per batch, however many wait:
 * measured with 2,000 streams opened at once (`npm run bench`'s many-streams run), ~700
 * connections sat in the kernel's accept queue, taken at 20–50 a second, and 250–540 streams got
 * their first byte after 5 s (the last after 12 s) although the gateway had CPU to spare. With
 * several sockets, each gets its own readiness events and the kernel spreads new connections over
 * them. Lab runs of the same 2,000 streams: with 8 sockets, none late in five runs of six, 146 in
 * one; with 16 and with 32, none in four runs each (last first byte after 2.2–4.4 s). Sixteen,
 * then; an idle socket costs a descriptor.
 *
 * Sharing a port this way lets any process of the same user bind it too (the kernel refuses other
 * users). So a second gateway started on the same port is not silently let in: the port is first
 * bound alone (no SO_REUSEPORT), which fails as usual when something holds it.
 */
import type http from 'node:http';
import net, { type AddressInfo } from 'node:net';

/** SO_REUSEPORT through Node is supported on Linux (and a few BSDs, where it can be asked for). */
export const DEFAULT_ACCEPTORS = process.platform === 'linux' ? 16 : 1;
export const MAX_ACCEPTORS = 64;

/**
 * Connections the kernel may hold for each socket before it accepts them. Node's default, 511, makes
 * a burst of a few thousand clients (streams opened at once) lose SYNs and retry them after 1, 3, 7,
 * 15 s; the kernel caps it at net.core.somaxconn (4096 on current kernels).
 */
const LISTEN_BACKLOG = 4096;

interface AcceptorOptions {
  port: number;
  host: string;
  /** Listening sockets on the port; 1 is Node's own single socket. */
  acceptors?: number;
}

function bind(target: net.Server, options: net.ListenOptions): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    target.once('error', reject);
    target.listen(options, () => {
      target.off('error', reject);
      resolve(target.address() as AddressInfo);
    });
  });
}

const closed = (target: net.Server) => new Promise<void>((resolve) => target.close(() => resolve()));

/**
 * Starts `server` listening on `port` (0 picks a free one) with `acceptors` sockets, and resolves
 * with the bound address. From then on `server.close()` closes every one of them.
 */
export async function listenWithAcceptors(server: http.Server, options: AcceptorOptions): Promise<AddressInfo> {
  const { port, host } = options;
  const acceptors = options.acceptors ?? DEFAULT_ACCEPTORS;
  if (!Number.isInteger(acceptors) || acceptors < 1 || acceptors > MAX_ACCEPTORS)
    throw new RangeError(`acceptors must be a whole number from 1 to ${MAX_ACCEPTORS}, not ${acceptors}`);
  if (acceptors === 1) return bind(server, { port, host, backlog: LISTEN_BACKLOG });
  // Node counts (and caps) connections per listening socket: a cap would hold for one in N.
  if (server.maxConnections !== undefined && server.maxConnections !== null && Number.isFinite(server.maxConnections))
    throw new RangeError('acceptors: a server with maxConnections set listens with one socket');

  // Alone first: EADDRINUSE if anything holds the port, a group like ours included. Port 0 needs
  // no check (the kernel picks a port nobody holds, and never joins a group for it).
  if (port !== 0) {
    const probe = net.createServer();
    await bind(probe, { port, host });
    await closed(probe);
  }
  const address = await bind(server, { port, host, backlog: LISTEN_BACKLOG, reusePort: true }).catch(unsupported);
  const extras: net.Server[] = [];
  try {
    for (let i = 1; i < acceptors; i++) {
      const extra = net.createServer(socketOptionsOf(server), (socket) => server.emit('connection', socket));
      extras.push(extra);
      // The address bound, not the host again: one name lookup, the same address for every socket.
      await bind(extra, { port: address.port, host: address.address, backlog: LISTEN_BACKLOG, reusePort: true });
    }
  } catch (error) {
    // Nothing is served half-started: connections taken meanwhile are cut, every socket closed.
    server.closeAllConnections();
    await Promise.all([server, ...extras.filter((e) => e.listening)].map(closed));
    throw error;
  }
  // Stopping to accept (a drain, a failed start) must stop every socket at once; the callback, as
  // Node's, once every socket is closed and its connections are gone.
  const close = server.close.bind(server);
  server.close = (callback?: (error?: Error) => void) => {
    const all = Promise.all(extras.map(closed));
    close((error) => void all.then(() => callback?.(error)));
    return server;
  };
  return address;
}

/**
 * The HTTP server's own options for the sockets it accepts (net.Server keeps them as fields; Node's
 * http.Server sets half-open allowed and no Nagle delay), so a connection is the same whichever
 * socket took it.
 */
function socketOptionsOf(server: http.Server): net.ServerOpts {
  const own = server as unknown as { allowHalfOpen?: boolean; noDelay?: boolean; keepAlive?: boolean; keepAliveInitialDelay?: number; highWaterMark?: number };
  return {
    allowHalfOpen: own.allowHalfOpen ?? true,
    noDelay: own.noDelay ?? true,
    keepAlive: own.keepAlive ?? false,
    // net.Server keeps it in seconds, and takes it in milliseconds.
    keepAliveInitialDelay: (own.keepAliveInitialDelay ?? 0) * 1000,
    ...(own.highWaterMark !== undefined && { highWaterMark: own.highWaterMark }),
  };
}

/** SO_REUSEPORT where Node cannot ask for it (macOS, Windows): say what to do instead. */
function unsupported(error: NodeJS.ErrnoException): never {
  if (error.code === 'ENOTSUP' || error.code === 'EOPNOTSUPP' || error.code === 'EINVAL' || error.code === 'ERR_INVALID_ARG_VALUE')
    throw Object.assign(new Error(`several listening sockets on one port (SO_REUSEPORT) are not supported here (${error.code}): listen with one (--acceptors 1)`), {
      code: error.code,
    });
  throw error;
}
