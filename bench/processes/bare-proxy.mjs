// The floor: the least any Node gateway can cost — read the request, send it upstream on a
// keep-alive connection, read the answer, send it back. No routing, no validation, no policy.
// POST /failover/...: the least a gateway can cost to fail over once — the body's model set to
// the first provider's ("rate-limited", which the bench upstream answers with a 429), that answer
// read and dropped, then the same body with the second provider's model; the second answer is
// sent back. Usage: node bare-proxy.mjs UPSTREAM_PORT [MAX_SOCKETS] -> prints "ready PORT"
// MAX_SOCKETS: the upstream pool's size, 256 by default; the many-streams floor passes more than its
// number of streams, so none waits for a socket (as none does in modelgate, whose pool holds 4,096).
import http from 'node:http';

const upstreamPort = Number(process.argv[2]);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(process.argv[3] ?? 256) });

function send(res, body, onAnswer) {
  const up = http.request(
    {
      host: '127.0.0.1',
      port: upstreamPort,
      path: '/v1/chat/completions',
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': body.length },
    },
    onAnswer,
  );
  up.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  up.end(body);
}

const relay = (res) => (r) => {
  res.writeHead(r.statusCode, { 'content-type': r.headers['content-type'] ?? 'application/json' });
  r.pipe(res);
};

const server = http.createServer((req, res) => {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    const body = Buffer.concat(parts);
    if (!req.url.startsWith('/failover/')) return send(res, body, relay(res));
    let request;
    try {
      request = JSON.parse(body.toString('utf8'));
    } catch {
      res.writeHead(400);
      return res.end();
    }
    send(res, Buffer.from(JSON.stringify({ ...request, model: 'rate-limited' })), (first) => {
      first.resume(); // the 429's body: read to the end so the socket can be reused, then the next provider
      first.on('end', () => send(res, Buffer.from(JSON.stringify({ ...request, model: 'bench-model' })), relay(res)));
    });
  });
});
server.keepAliveTimeout = 65_000;
// The same listen backlog as modelgate's server (functions/http/node-server.ts): a burst of a few
// thousand connections must not lose SYNs to Node's default of 511.
server.listen({ port: 0, host: '127.0.0.1', backlog: 4096 }, () => console.log(`ready ${server.address().port}`));
