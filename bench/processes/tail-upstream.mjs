// An OpenAI-compatible streaming upstream whose time to first content is heavy-tailed, for the
// hedging scenario: model "tail" starts its answer after 100 ms, except every 10th request to it,
// which starts after 3 s; any other model ("steady") always after 100 ms. A request whose client
// leaves is counted as cancelled and never answered. GET /counts reports requests per model.
// Usage: node tail-upstream.mjs PORT   (prints "ready PORT" when listening on 127.0.0.1)
import http from 'node:http';

const port = Number(process.argv[2] ?? 0);
const counts = { tail: 0, steady: 0, cancelled: 0 };
const chunk = (model, delta, finish = null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-tail', object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/counts') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify(counts));
  }
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    let body = {};
    try {
      body = JSON.parse(Buffer.concat(parts).toString('utf8'));
    } catch {}
    const model = body.model === 'tail' ? 'tail' : 'steady';
    counts[model]++;
    const delay = model === 'tail' && counts.tail % 10 === 0 ? 3_000 : 100;
    const timer = setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      let out = chunk(model, { role: 'assistant', content: '' });
      for (let i = 0; i < 5; i++) out += chunk(model, { content: `word${i} ` });
      res.end(`${out}${chunk(model, {}, 'stop')}data: [DONE]\n\n`);
    }, delay);
    res.on('close', () => {
      if (!res.writableFinished) {
        clearTimeout(timer);
        counts.cancelled++;
      }
    });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => console.log(`ready ${server.address().port}`));
