// The floor: the least any Node gateway can cost — read the request, send it upstream on a
// keep-alive connection, read the answer, send it back. No routing, no validation, no policy.
// Usage: node bare-proxy.mjs UPSTREAM_PORT -> prints "ready PORT"
import http from 'node:http';

const upstreamPort = Number(process.argv[2]);
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const server = http.createServer((req, res) => {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    const body = Buffer.concat(parts);
    const up = http.request(
      {
        host: '127.0.0.1',
        port: upstreamPort,
        path: '/v1/chat/completions',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': body.length },
      },
      (r) => {
        res.writeHead(r.statusCode, { 'content-type': r.headers['content-type'] ?? 'application/json' });
        r.pipe(res);
      },
    );
    up.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => console.log(`ready ${server.address().port}`));
