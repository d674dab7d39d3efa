/**
 * One call to a guard service (OpenAI moderation, Bedrock guardrails): a JSON POST with the guard's
 * key where `policies.auth.location` puts it, bounded in time (the guard's timeout and the
 * request's deadline) and in size (MAX_GUARD_ANSWER_BYTES of answer). Any failure becomes a
 * GuardServiceError whose reason names no key and carries no answer body: the body of a 401 may
 * echo the key, and reasons end up in logs.
 */
import type { GuardKey } from '../model/compile-prompt-guard.js';
import { guardServiceUrl } from './prompt-guard-origins.js';
import { sendUpstream, UpstreamError } from './upstream.js';
import type { UpstreamRequest } from '../providers/types.js';

export const MAX_GUARD_ANSWER_BYTES = 1024 * 1024;

export class GuardServiceError extends Error {}

/** The call with the key placed: a header (with its prefix), a query parameter, or a cookie. */
export function withKey(call: UpstreamRequest, key: GuardKey | undefined): UpstreamRequest {
  if (!key) return call;
  if (key.queryParameter !== undefined) {
    const url = new URL(call.url);
    url.searchParams.set(key.queryParameter, key.value);
    return { ...call, url: url.toString() };
  }
  if (key.cookie !== undefined) return { ...call, headers: { ...call.headers, cookie: `${key.cookie}=${key.value}` } };
  const header = key.header ?? { name: 'authorization', prefix: 'Bearer ' };
  return { ...call, headers: { ...call.headers, [header.name]: `${header.prefix ?? ''}${key.value}` } };
}

/** POSTs `call` (built for the real origin; a test may route it to loopback) and returns the parsed JSON of a 2xx answer. */
export async function postGuardService(call: UpstreamRequest, timeoutMs: number, signal: AbortSignal): Promise<unknown> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const both = AbortSignal.any([signal, timeout]);
  let text: string;
  let status: number;
  try {
    // The `host` is the real origin's even when a test routes the socket to loopback (as a signed call's already is).
    // A failure's body is read (bounded) only to free the socket; it is never shown.
    const readFor = (answered: number) => ({ limit: MAX_GUARD_ANSWER_BYTES, truncate: answered < 200 || answered > 299 });
    const res = await sendUpstream({ ...call, url: guardServiceUrl(call.url), headers: { host: new URL(call.url).host, ...call.headers } }, both, timeoutMs, readFor);
    status = res.status;
    text = (await res.bytes!).toString('utf8');
  } catch (error) {
    if (timeout.aborted) throw new GuardServiceError(`timed out after ${timeoutMs} ms`);
    if (signal.aborted) throw new GuardServiceError('the request ended first');
    if (error instanceof UpstreamError && /larger than/.test(error.message)) throw new GuardServiceError(`answer larger than ${MAX_GUARD_ANSWER_BYTES} bytes`);
    throw new GuardServiceError(`unreachable (${error instanceof UpstreamError ? error.failure : 'error'})`);
  }
  if (status < 200 || status > 299) throw new GuardServiceError(`answered ${status}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new GuardServiceError('answer is not JSON');
  }
}
