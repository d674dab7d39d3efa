/**
 * The Lambda bundle in a process of its own (run with `node --import tsx`): imported cold, one
 * chat request through its function URL event, then one JSON line on stdout: the answer's status
 * and body, and whether zod (the config validator) was loaded — which the parent process, having
 * loaded zod itself, could not tell. The handler's log lines go to stderr, as in Lambda.
 * Args: HANDLER_FILE_URL PATH; the handler's settings come from the environment.
 */
import { functionUrlEvent, installAwsLambdaGlobal, invoke, type StreamingHandler } from './lambda-runtime.js';

installAwsLambdaGlobal();
const [file, path] = process.argv.slice(2);
const { handler } = (await import(file!)) as { handler: StreamingHandler };
const res = await invoke(handler, functionUrlEvent('POST', path!, { messages: [{ role: 'user', content: 'hi' }] }));
// zod keeps its global configuration on globalThis from the moment it is evaluated.
const validatorLoaded = '__zod_globalConfig' in globalThis;
process.stdout.write(`${JSON.stringify({ status: res.statusCode, body: res.body, validatorLoaded })}\n`);
process.exit(0);
