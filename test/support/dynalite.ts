/**
 * dynalite (a DynamoDB-compatible server) on 127.0.0.1 for tests: start, stop and restart on the
 * same port (to test an outage), and a client that points at it. dynalite has no
 * UpdateTimeToLive, no transactions and never deletes expired items; modelgate needs none of them.
 */
import { connect, createServer, type Socket } from 'node:net';
import type { Server } from 'node:http';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
// @ts-expect-error dynalite ships no types
import dynalite from 'dynalite';
import { ensureTable } from '../../functions/state/table.js';

export interface Dynalite {
  port: number;
  endpoint: string;
  client(options?: { requestTimeoutMs?: number; maxAttempts?: number }): DynamoDBClient;
  /** An outage: connections are refused until `start`; the data survives. */
  stop(): Promise<void>;
  /** Starts it again on the same port, with the same data. */
  start(): Promise<void>;
  close(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

export async function startDynalite(tables: string[] = []): Promise<Dynalite> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 }) as Server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const backendPort = (server.address() as { port: number }).port;

  // Clients talk to a TCP relay in front of dynalite: stopping the relay is an outage (connection
  // refused) that keeps dynalite's data, as a table that stops answering for a while would.
  const port = await freePort();
  const sockets = new Set<Socket>();
  const relay = createServer((client) => {
    const upstream = connect(backendPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = () => new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', () => resolve()));
  await listen();

  const endpoint = `http://127.0.0.1:${port}`;
  const clients: DynamoDBClient[] = [];
  const make = (options: { requestTimeoutMs?: number; maxAttempts?: number } = {}) => {
    const c = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: options.maxAttempts ?? 1,
      requestHandler: { requestTimeout: options.requestTimeoutMs ?? 2_000, connectionTimeout: 500, throwOnRequestTimeout: true },
    });
    clients.push(c);
    return c;
  };
  const admin = make();
  for (const t of tables) await ensureTable(admin, t);
  const stop = () =>
    new Promise<void>((resolve) => {
      relay.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  return {
    port,
    endpoint,
    client: make,
    stop,
    start: listen,
    async close() {
      for (const c of clients) c.destroy();
      if (relay.listening) await stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
