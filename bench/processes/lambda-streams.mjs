// The Lambda bundle driven with N concurrent streamed function URL requests against a slow upstream
// (see slow-stream-upstream.mjs): every stream must arrive whole, in order, with its own chunks.
// Env: the handler's (MODELGATE_TABLE, AWS_ENDPOINT_URL_DYNAMODB, ...). Args: STREAMS CHUNKS
// Prints one JSON line: { streams, completed, broken, firstByteMs: number[], rssBeforeMb, rssMaxMb, eventLoopP99Ms }.
import { Writable } from 'node:stream';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
// Installs the `awslambda` global the handler needs, before the handler is imported.
import { NULS } from './awslambda.mjs';

const { handler } = await import(new URL('../../dist/handler.mjs', import.meta.url).href);
const [streams, chunks] = process.argv.slice(2).map(Number);
const event = (tag) => {
  const body = JSON.stringify({ messages: [{ role: 'user', content: tag }], stream: true });
  return {
    version: '2.0',
    rawPath: '/v1/chat/completions',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', host: 'lambda.local' },
    requestContext: { http: { method: 'POST', path: '/v1/chat/completions' }, requestId: tag },
    body,
    isBase64Encoded: false,
  };
};
const rssBeforeMb = process.memoryUsage().rss / 2 ** 20;
let rssMaxMb = rssBeforeMb;
const sample = setInterval(() => (rssMaxMb = Math.max(rssMaxMb, process.memoryUsage().rss / 2 ** 20)), 50);
// How long a callback waits for the handler's one thread while every stream is open.
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const firstByteMs = [];
let completed = 0;
let broken = 0;
await Promise.all(
  Array.from({ length: streams }, async (_, i) => {
    const tag = `s${i}`;
    const began = performance.now();
    let text = '';
    let sawBody = false;
    const sink = new Writable({
      write: (c, _e, done) => {
        const s = c.toString('utf8');
        if (sawBody && text === '' && s.length > 0) firstByteMs.push(performance.now() - began);
        if (sawBody) text += s;
        if (c.equals(NULS)) sawBody = true;
        done();
      },
    });
    try {
      await handler(event(tag), sink, { awsRequestId: tag, getRemainingTimeInMillis: () => 120_000 });
      const seen = [...text.matchAll(/"content":"([^":]+):(\d+) "/g)];
      if (seen.length === chunks && seen.every((m, k) => m[1] === tag && Number(m[2]) === k) && text.trimEnd().endsWith('data: [DONE]')) completed++;
      else broken++;
    } catch {
      broken++;
    }
  }),
);
clearInterval(sample);
loop.disable();
console.log(JSON.stringify({ streams, completed, broken, firstByteMs, rssBeforeMb, rssMaxMb, eventLoopP99Ms: loop.percentile(99) / 1e6 }));
process.exit(0);
