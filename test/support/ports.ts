/** Ports for tests that must name one up front (a flag), on loopback. */
import net from 'node:net';

/**
 * A port free at this moment, below Linux's ephemeral range (32768 and up): the `--port 0`
 * listeners and outgoing connections of tests running in parallel take ephemeral ports, so they
 * cannot take this one between the check and its use (which a port from `listen(0)` allowed).
 */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
}
