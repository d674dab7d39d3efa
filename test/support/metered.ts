/**
 * An Engine of the test's own beside a harness gateway: the harness's simulator and compiled
 * config, with what the harness does not take (a metrics sink, another store, the real clock).
 * Requests go to `engine.handle` directly and every streamed byte is read, so a stream's end —
 * where its log line and metrics are written — has happened when `send` returns.
 */
import { Engine, type EngineOptions } from '../../functions/engine/engine.js';
import { MemoryLogger } from '../../functions/core/log.js';
import type { Gateway } from './harness.js';

export function meteredEngine(gw: Gateway, options: Omit<EngineOptions, 'config'> = {}): { engine: Engine; logger: MemoryLogger } {
  const logger = new MemoryLogger();
  const engine = new Engine({ config: gw.engine.config, logger, limits: { attemptTimeoutMs: 5_000, streamIdleMs: 5_000 }, ...options });
  return { engine, logger };
}

let seq = 0;

/** POSTs `body` to `path` and reads the whole answer. */
export async function send(engine: Engine, body: unknown, path = '/v1/chat/completions'): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  const res = await engine.handle({
    method: 'POST',
    path,
    query: '',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: Buffer.from(JSON.stringify(body)),
    signal: AbortSignal.timeout(10_000),
    id: `test-${++seq}`,
  });
  let text = '';
  if (typeof res.body === 'string') text = res.body;
  else for await (const chunk of res.body) text += chunk;
  return { status: res.status, headers: res.headers, text };
}
