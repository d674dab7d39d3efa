// A second floor: the bare proxy with undici's connection pool as its upstream client instead of
// Node's http.Agent (the server side stays node:http). It answers whether a better HTTP client for
// Node would lower the floor enough to be worth a dependency in the data plane.
// Usage: node bare-proxy-undici.mjs UPSTREAM_PORT -> prints "ready PORT"
import http from 'node:http';
import { Pool } from 'undici';

const upstreamPort = Number(process.argv[2]);
const pool = new Pool(`http://127.0.0.1:${upstreamPort}`, { connections: 256 });
const server = http.createServer((req, res) => {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    const body = Buffer.concat(parts);
    pool
      .request({ path: '/v1/chat/completions', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length) }, body })
      .then((r) => {
        res.writeHead(r.statusCode, { 'content-type': r.headers['content-type'] ?? 'application/json' });
        r.body.pipe(res);
      })
      .catch(() => {
        res.writeHead(502);
        res.end();
      });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => console.log(`ready ${server.address().port}`));
