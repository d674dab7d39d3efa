/**
 * headerRecord reads header lines the way Node's `message.headers` does (then flattened to
 * strings, as the gateway used to): checked against Node itself, on real requests over loopback
 * whose heads repeat names in every case, in random mixes.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentLength, headerRecord } from '../../functions/core/header-record.js';
import { seededRandom } from '../support/seeded.js';

/** What the gateway did before: Node's object, arrays (set-cookie) joined with ", ". */
const flattened = (headers: http.IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? v.join(', ') : v]])));

const NAMES = [
  'Constructor',
  'toString',
  'Authorization',
  'Content-Type',
  'Host',
  'User-Agent',
  'Cookie',
  'Set-Cookie',
  'X-Api-Key',
  'Accept',
  'Retry-After',
  'X-Request-Id',
  'Via',
  'Location',
  'Etag',
];

const randomCase = (name: string, r: () => number) => [...name].map((c) => (r() < 0.5 ? c.toLowerCase() : c.toUpperCase())).join('');

describe('headerRecord', () => {
  let server: http.Server;
  let port: number;
  const seen: Array<{ raw: string[]; node: Record<string, string> }> = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push({ raw: req.rawHeaders, node: flattened(req.headers) });
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    agent.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const send = (headers: string[]) =>
    new Promise<void>((resolve, reject) => {
      // An array of lines, sent as they are: repeated names stay repeated on the wire.
      const req = http.request({ host: '127.0.0.1', port, path: '/', method: 'GET', agent, headers: ['Host', `127.0.0.1:${port}`, ...headers] }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });

  it('reads 150 random heads as Node does, repeats and case included', async () => {
    const r = seededRandom(18);
    for (let i = 0; i < 150; i++) {
      const lines: string[] = [];
      const count = 1 + Math.floor(r() * 10);
      for (let j = 0; j < count; j++) lines.push(randomCase(NAMES[Math.floor(r() * NAMES.length)]!, r), `v${i}-${j}`);
      await send(lines);
    }
    expect(seen).toHaveLength(150);
    const repeated = seen.filter(({ raw }) => new Set(raw.filter((_, k) => k % 2 === 0).map((n) => n.toLowerCase())).size < raw.length / 2);
    expect(repeated.length).toBeGreaterThan(50); // the mixes did repeat names
    for (const { raw, node } of seen) expect(headerRecord(raw)).toEqual(node);
  });

  it('keeps the first of a repeated credential header, joins cookies with "; " and the rest with ", "', () => {
    expect(
      headerRecord(['Authorization', 'Bearer a', 'authorization', 'Bearer b', 'Cookie', 'x=1', 'cookie', 'y=2', 'Set-Cookie', 's=1', 'set-cookie', 's=2', 'X-A', '1', 'x-a', '2']),
    ).toEqual({
      authorization: 'Bearer a',
      cookie: 'x=1; y=2',
      'set-cookie': 's=1, s=2',
      'x-a': '1, 2',
    });
  });

  it('a declared length is any run of digits, however long; anything else is none', () => {
    expect(contentLength({ 'content-length': '100' })).toBe(100);
    expect(contentLength({ 'content-length': '10000000000000000000' })).toBeGreaterThan(2 ** 53);
    for (const bad of ['', ' 1', '1,2', '-1', '1e3', '0x10']) expect(contentLength({ 'content-length': bad }), bad).toBeUndefined();
    expect(contentLength({})).toBeUndefined();
  });
});
