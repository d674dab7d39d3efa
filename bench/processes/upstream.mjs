// A deliberately minimal OpenAI-compatible upstream for benchmarks: answers at once, so what is
// measured is the gateway in front of it. POST .../chat/completions with model:
//   "rate-limited" -> 429; anything else -> a small chat.completion, or 20 SSE chunks + [DONE].
// Usage: node upstream.mjs PORT   (prints "ready" when listening on 127.0.0.1)
import http from 'node:http';

const port = Number(process.argv[2] ?? 0);
const completion = (model) =>
  JSON.stringify({
    id: 'chatcmpl-bench',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: 'A short benchmark answer of a few words.' }, finish_reason: 'stop', logprobs: null }],
    usage: { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 },
  });
const chunk = (model, delta, finish = null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_700_000_000, model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;

const server = http.createServer((req, res) => {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => {
    let body = {};
    try {
      body = JSON.parse(Buffer.concat(parts).toString('utf8'));
    } catch {}
    const model = body.model ?? 'bench-model';
    if (model === 'rate-limited') {
      const text = JSON.stringify({ error: { message: 'Rate limit reached', type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null } });
      res.writeHead(429, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      return res.end(text);
    }
    if (body.stream) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      let out = chunk(model, { role: 'assistant', content: '' });
      for (let i = 0; i < 20; i++) out += chunk(model, { content: `word${i} ` });
      out += `${chunk(model, {}, 'stop')}data: [DONE]\n\n`;
      return res.end(out);
    }
    const text = completion(model);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => console.log(`ready ${server.address().port}`));
