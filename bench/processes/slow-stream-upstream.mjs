// An OpenAI-compatible upstream that streams slowly, for the many-streams scenario: every streamed
// request gets one chunk every CHUNK_MS for STREAM_MS, each chunk carrying the request's own tag
// (its user message) and its sequence number, so a client can tell a cut, reordered or interleaved
// stream. GET /open reports the streams open now and the most open at once.
// Usage: node slow-stream-upstream.mjs PORT STREAM_MS [CHUNK_MS]   (prints "ready PORT")
import http from 'node:http';

const port = Number(process.argv[2] ?? 0);
const streamMs = Number(process.argv[3] ?? 10_000);
const chunkMs = Number(process.argv[4] ?? 50);
let open = 0;
let maxOpen = 0;

const chunk = (tag, i, finish = null) =>
  `data: ${JSON.stringify({ id: `chatcmpl-${tag}`, object: 'chat.completion.chunk', created: 1_700_000_000, model: 'slow', choices: [{ index: 0, delta: finish ? {} : { content: `${tag}:${i} ` }, finish_reason: finish }] })}\n\n`;

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/open') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ open, maxOpen }));
  }
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    let tag = 'x';
    try {
      tag = String(JSON.parse(Buffer.concat(parts).toString('utf8')).messages?.[0]?.content ?? 'x');
    } catch {}
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    open++;
    maxOpen = Math.max(maxOpen, open);
    const chunks = Math.max(1, Math.round(streamMs / chunkMs));
    let i = 0;
    const timer = setInterval(() => {
      if (i < chunks) res.write(chunk(tag, i++));
      else {
        clearInterval(timer);
        res.end(`${chunk(tag, i, 'stop')}data: [DONE]\n\n`);
      }
    }, chunkMs);
    res.write(chunk(tag, i++)); // the first content at once: the stream's first byte is the gateway's doing
    res.on('close', () => {
      clearInterval(timer);
      open--;
    });
  });
});
server.maxConnections = 100_000;
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', 4096, () => console.log(`ready ${server.address().port}`));
