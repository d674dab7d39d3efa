/**
 * How long a provider asked us to stay away, from the headers vendors actually send on 429/503:
 * `retry-after-ms` (OpenAI, Anthropic SDKs), `retry-after` (seconds or an HTTP date), and the
 * `x-ratelimit-reset*` family. The first header that parses wins, in that order.
 */
import { parseDuration } from '../core/duration.js';

const THIRTY_DAYS_S = 30 * 24 * 3600;
/** Beyond this a header is more likely a bug than a plan; cap it so one answer cannot park a provider for days. */
export const MAX_RETRY_AFTER_MS = 24 * 3600 * 1000;

export function retryAfterMs(headers: Readonly<Record<string, string | undefined>>, now: number): number | undefined {
  const ms = parseRetryAfter(headers, now);
  return ms === undefined ? undefined : Math.min(ms, MAX_RETRY_AFTER_MS);
}

function parseRetryAfter(headers: Readonly<Record<string, string | undefined>>, now: number): number | undefined {
  // The millisecond header is the more precise statement of the same thing: it goes first.
  const retryAfterMsHeader = headers['retry-after-ms']?.trim();
  if (retryAfterMsHeader && /^\d+(\.\d+)?$/.test(retryAfterMsHeader)) return Math.round(Number(retryAfterMsHeader));
  const retryAfter = headers['retry-after']?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date) && date > now) return date - now;
  }

  const reset = headers['x-ratelimit-reset']?.trim();
  if (reset && /^\d+(\.\d+)?$/.test(reset)) {
    const n = Number(reset);
    if (n < THIRTY_DAYS_S) return Math.round(n * 1000);
    const at = n * 1000 - now; // an epoch timestamp
    if (at > 0) return Math.round(at);
  }
  let smallest: number | undefined;
  for (const name of ['x-ratelimit-reset-requests', 'x-ratelimit-reset-tokens']) {
    const value = headers[name]?.trim();
    if (!value) continue;
    const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : parseGoDuration(value);
    if (ms !== undefined && (smallest === undefined || ms < smallest)) smallest = ms;
  }
  return smallest;
}

/** OpenAI writes resets as Go durations with fractions (`6m0s`, `1.5s`, `20ms`). */
function parseGoDuration(text: string): number | undefined {
  const simple = parseDuration(text);
  if (simple !== undefined) return simple;
  if (!/^(\d+(\.\d+)?(h|ms|m|s))+$/.test(text)) return undefined;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };
  let total = 0;
  for (const [, value, , u] of text.matchAll(/(\d+(\.\d+)?)(h|ms|m|s)/g)) total += Number(value) * unit[u!]!;
  return Math.round(total);
}
