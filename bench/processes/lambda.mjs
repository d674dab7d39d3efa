// The Lambda bundle in a process of its own, as one Lambda instance: measures the cold module
// import, then drives the handler with function URL events and samples memory (RSS).
// Env: the handler's (MODELGATE_TABLE, AWS_ENDPOINT_URL_DYNAMODB, ...), BENCH_LAMBDA_HANDLER. Args: REQUESTS CONCURRENCY
// Prints one JSON line: { importMs, firstRequestMs, rssAfterImportMb, rssMaxMb, requests, errors }
// (firstRequestMs: the first request after the cold import, which waits for the config load the
// import started; null with 0 requests).
import { Writable } from 'node:stream';
import { performance } from 'node:perf_hooks';
// Installs the `awslambda` global the handler needs, before the handler is imported.
import { NULS } from './awslambda.mjs';

// BENCH_LAMBDA_HANDLER: another build of the handler to measure (a file URL); dist/handler.mjs by default.
const file = process.env.BENCH_LAMBDA_HANDLER ?? new URL('../../dist/handler.mjs', import.meta.url).href;
const t0 = performance.now();
const { handler } = await import(file);
const importMs = performance.now() - t0;
const rssAfterImportMb = process.memoryUsage().rss / 2 ** 20;

const [requests, concurrency] = process.argv.slice(2).map(Number);
const body = JSON.stringify({ messages: [{ role: 'user', content: 'hello' }] });
const event = () => ({
  version: '2.0',
  rawPath: '/single/v1/chat/completions',
  rawQueryString: '',
  headers: { 'content-type': 'application/json', host: 'lambda.local' },
  requestContext: { http: { method: 'POST', path: '/single/v1/chat/completions' }, requestId: 'r' },
  body,
  isBase64Encoded: false,
});
let rssMaxMb = rssAfterImportMb;
let errors = 0;
let firstRequestMs = null;
let next = 0;
const sample = setInterval(() => (rssMaxMb = Math.max(rssMaxMb, process.memoryUsage().rss / 2 ** 20)), 20);
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next++ < requests) {
      const chunks = [];
      const sink = new Writable({
        write: (c, _e, done) => {
          chunks.push(c);
          done();
        },
      });
      const first = firstRequestMs === null;
      const began = performance.now();
      await handler(event(), sink, { awsRequestId: 'bench', getRemainingTimeInMillis: () => 30_000 });
      if (first && firstRequestMs === null) firstRequestMs = performance.now() - began;
      const all = Buffer.concat(chunks);
      const prelude = JSON.parse(all.subarray(0, all.indexOf(NULS)).toString());
      if (prelude.statusCode !== 200) errors++;
    }
  }),
);
clearInterval(sample);
rssMaxMb = Math.max(rssMaxMb, process.memoryUsage().rss / 2 ** 20);
console.log(JSON.stringify({ importMs, firstRequestMs, rssAfterImportMb, rssMaxMb, requests, errors }));
process.exit(0);
