// A cold import of one module in a process of its own, timed the way bench/processes/lambda.mjs
// times dist/handler.mjs (same stand-in `awslambda` global installed first). Args: MODULE_PATH
// Prints one JSON line: { importMs }
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import './awslambda.mjs';

const t0 = performance.now();
await import(pathToFileURL(process.argv[2]).href);
const importMs = performance.now() - t0;
console.log(JSON.stringify({ importMs }));
process.exit(0);
