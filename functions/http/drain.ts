/**
 * Graceful drain for the Node server. Every exchange the server is answering is registered here;
 * on drain, the listener stops accepting (readiness turns false at once), requests in flight —
 * buffered and streams — get up to the drain timeout to finish, and whatever is left is then
 * ended explicitly: a buffered request gets a 503 in its API's shape, a stream an error event in
 * its API's shape (never a clean end a client could take for a complete answer). Each one ended
 * that way is logged.
 */
import type { Server, ServerResponse } from 'node:http';
import { apiForPath, errorResponseForPath } from '../engine/endpoints.js';
import type { Logger } from '../core/log.js';

interface Exchange {
  method: string;
  path: string;
  res: ServerResponse;
  /** Ends the engine's work on this request (upstream call, stream reader). */
  abort(reason: Error): void;
}

interface DrainReport {
  /** Requests that finished on their own within the timeout. */
  finished: number;
  /** Requests ended by the drain: buffered ones answered 503, streams ended with an error event. */
  ended: number;
}

export class InFlight {
  private readonly exchanges = new Set<Exchange>();
  private idle: (() => void) | undefined;
  private drainingSince: number | undefined;

  /** True from the moment a drain starts: readiness answers 503, new answers close their connection. */
  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  /** Registers an exchange; the returned function is called once when it is over, however it ended. */
  begin(exchange: Exchange): () => void {
    this.exchanges.add(exchange);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.exchanges.delete(exchange);
      if (this.exchanges.size === 0) this.idle?.();
    };
  }

  /**
   * Stops `server` accepting, waits up to `timeoutMs` for the exchanges in flight, then ends the
   * rest. Resolves when every exchange is over.
   */
  async drain(server: Server, timeoutMs: number, logger: Logger): Promise<DrainReport> {
    this.drainingSince ??= Date.now();
    const before = this.exchanges.size;
    server.close();
    // Keep-alive connections with no request on them would hold the process; busy ones are
    // closed after their answer (`connection: close`, see the server's write).
    server.closeIdleConnections();
    if (this.exchanges.size > 0) {
      logger.log('info', 'drain', `draining: ${this.exchanges.size} request${this.exchanges.size === 1 ? '' : 's'} in flight, up to ${timeoutMs} ms to finish`, {
        inFlight: this.exchanges.size,
        timeoutMs,
      });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const left = [...this.exchanges];
    for (const exchange of left) endExchange(exchange, timeoutMs, logger);
    server.closeAllConnections();
    return { finished: before - left.length, ended: left.length };
  }
}

/** Ends one exchange the drain timeout caught: a 503 if nothing was sent yet, else an error event. */
function endExchange(exchange: Exchange, timeoutMs: number, logger: Logger): void {
  const { res, method, path } = exchange;
  const message = `The gateway is shutting down: the request did not finish within the ${timeoutMs} ms drain timeout.`;
  const streamed = res.headersSent;
  if (!res.writableEnded && !res.destroyed) {
    if (!streamed) {
      const answer = errorResponseForPath(path, 503, message, 'server_error', 'gateway_shutting_down');
      const text = answer.body as string;
      res.writeHead(503, { ...answer.headers, 'content-length': Buffer.byteLength(text), connection: 'close' });
      res.end(text);
    } else {
      const api = apiForPath(path);
      res.end(api.streamError(message, 'gateway_shutting_down', 503));
    }
  }
  exchange.abort(new Error('drain timeout'));
  logger.log('warn', 'drain', `drain: ended ${method} ${path} after ${timeoutMs} ms (${streamed ? 'stream: error event sent' : '503 sent'})`, { method, path, streamed });
}
