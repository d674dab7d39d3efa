/**
 * The respond step: the final attempt's reply becomes the client's response, and every response
 * — answer or error, buffered or streamed — says who served it and what was tried.
 */
import type { AttemptResult } from './attempt.js';
import type { RequestOutcome } from './outcome.js';
import type { GatewayResponse } from './types.js';

const SERVED_BY = { provider: 'x-modelgate-provider', model: 'x-modelgate-model', attempts: 'x-modelgate-attempts' } as const;

/** The served-by model header and the log carry at most this much of a model name an upstream chose. */
export const MAX_SERVED_MODEL_CHARS = 256;

/** Headers of a final upstream answer worth passing on: when to come back. */
const PASSED_HEADERS = ['retry-after', 'retry-after-ms'];

export function respond(
  result: AttemptResult,
  trail: readonly string[],
  clientModel: string | undefined,
  outcome: RequestOutcome,
  redact: (text: string) => string,
): GatewayResponse {
  const headers: Record<string, string> = { 'content-type': result.reply.contentType };
  if (result.reply.contentType === 'text/event-stream') headers['cache-control'] = 'no-cache';
  if (!result.ok) {
    for (const name of PASSED_HEADERS) {
      const value = result.upstreamHeaders[name];
      if (value !== undefined) headers[name] = headerSafe(redact(value)).slice(0, 64);
    }
  }
  if (result.usage) outcome.usage = result.usage;
  return withServedBy({ status: result.reply.status, headers, body: result.reply.body }, result, trail, clientModel, outcome, redact);
}

export function withServedBy(
  res: GatewayResponse,
  result: AttemptResult,
  trail: readonly string[],
  clientModel: string | undefined,
  outcome: RequestOutcome,
  redact: (text: string) => string,
): GatewayResponse {
  outcome.provider = result.provider.name;
  outcome.providerKind = result.provider.target.kind;
  // The upstream names the model in its body: bounded and redacted before it is logged or echoed.
  const model = result.model ?? result.provider.target.model ?? clientModel;
  outcome.model = model === undefined ? undefined : redact(model.slice(0, MAX_SERVED_MODEL_CHARS));
  res.headers[SERVED_BY.provider] = result.provider.name;
  // The model name comes from the upstream's body or the client's request: either can hold
  // characters a header cannot (a CJK name, a newline), and an invalid header value made the
  // Node adapter's writeHead throw — an unhandled rejection that took the server down.
  res.headers[SERVED_BY.model] = headerSafe(outcome.model ?? '');
  res.headers[SERVED_BY.attempts] = trail.join(',');
  return res;
}

/** Percent-encodes (as UTF-8) every character outside printable ASCII, so any string is a valid header value. */
function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]/gu, (c) => Array.from(Buffer.from(c, 'utf8'), (b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}
