/**
 * One attempt on one provider: build the upstream call, send it under its deadline, and turn
 * whatever comes back into an AttemptResult — a usable answer, or a failure with the status the
 * client would see. For a stream, the answer is held until the first content event, so an error
 * that arrives inside an HTTP 200 stream is still a failed attempt that can fail over.
 */
import type { CompiledProvider } from '../model/config.js';
import { EventStreamError } from '../providers/bedrock/event-stream.js';
import type { EventReader, ProviderAdapter, SseEvent, StreamStep, StreamTranslator, TokenUsage, UpstreamRequest } from '../providers/types.js';
import type { ClientApiSpec } from './client-api.js';
import { Deadline } from './deadline.js';
import { openEventReader } from './stream-readers.js';
import { relay } from './stream-relay.js';
import { bodyChunks } from './body-chunks.js';
import { BudgetExceeded, type MemoryBudget } from './memory-budget.js';
import { authorizeCall, needsAuthorization, targetWithClientToken } from '../providers/credentials/apply.js';
import { sendUpstream, UpstreamError, type ReadFor, type ReadOptions, type UpstreamResponse } from './upstream.js';
import { upstreamWithHeaderChanges } from './header-modifiers.js';
import type { HeaderChanges } from '../model/compile-traffic-http.js';

/**
 * Why an attempt produced no usable answer. `status` failures carry the upstream's own status;
 * `credentials`: the call could not be signed (no AWS credentials in the chain, for one);
 * `overloaded`: this process's budget for buffered answers was in use (not the provider's fault).
 */
export type AttemptFailure = 'connect' | 'timeout' | 'reset' | 'malformed' | 'stream' | 'status' | 'aborted' | 'credentials' | 'overloaded';

/** Largest upstream body modelgate buffers (a buffered completion, or an error body). */
export const MAX_UPSTREAM_BODY = 32 * 1024 * 1024;
/** Error bodies are small; only this much is read (the rest is never fetched), translated or logged. */
export const MAX_ERROR_BODY = 64 * 1024;
const ERROR_BODY_READ = { limit: MAX_ERROR_BODY, truncate: true };
/** A streamed attempt: an error answer's body is read as it arrives; a 2xx is the stream, read by the relay. */
const readErrorBody: ReadFor = (status) => (status < 200 || status >= 300 ? ERROR_BODY_READ : undefined);
/** A buffered attempt: the whole answer is read as it arrives (an error's head only), into the memory budget. One per budget (the process has one), not one per attempt. */
const bufferedReads = new WeakMap<MemoryBudget, ReadFor>();
const readWholeBody = readsFor({ limit: MAX_UPSTREAM_BODY });
function readsFor(answer: ReadOptions): ReadFor {
  return (status) => (status < 200 || status >= 300 ? ERROR_BODY_READ : answer);
}
function readBuffered(budget: MemoryBudget | undefined): ReadFor {
  if (!budget) return readWholeBody;
  let reads = bufferedReads.get(budget);
  if (!reads) {
    reads = readsFor({ limit: MAX_UPSTREAM_BODY, budget });
    bufferedReads.set(budget, reads);
  }
  return reads;
}
/**
 * Bytes of events a stream may send before its first content event. Everything before it is held
 * (so an error inside a 200 can still fail over); an upstream that sends `ping`s forever must not
 * grow that hold without end. Real streams open with well under 4 KB.
 */
export const MAX_HELD_STREAM_BYTES = 1024 * 1024;

export interface AttemptResult {
  provider: CompiledProvider;
  ok: boolean;
  /** HTTP status, or the one an in-stream error stands for; undefined when nothing answered. */
  status: number | undefined;
  failure?: AttemptFailure;
  /** Short reason for logs; never a body. */
  reason: string;
  upstreamHeaders: Readonly<Record<string, string>>;
  /** The model the upstream reported. */
  model?: string;
  usage?: TokenUsage;
  latencyMs: number;
  /**
   * A stream's first content event (or its end, for a stream that said everything at once): when
   * it arrived, on `now`'s clock. The hold ends there and the answer starts going out, so the
   * engine measures time to first token up to it.
   */
  firstContentAt?: number;
  /** What the client gets if this attempt is the answer. */
  reply: { status: number; body: string | AsyncIterable<string>; contentType: string };
  /** Releases a held upstream stream that will not be used. */
  release(): void;
}

export interface AttemptInput<Req> {
  /** The client's API: its error shapes, and what the request says about model and usage. */
  api: ClientApiSpec<Req>;
  provider: CompiledProvider;
  adapter: ProviderAdapter<Req, unknown, unknown>;
  request: Req;
  stream: boolean;
  /** The client's headers (lower-case), for adapters that pass some on. */
  clientHeaders?: Readonly<Record<string, string>>;
  /**
   * Header changes for the built call, in order (the rule's `headerModifiers.request`, then a model's
   * `policies.headers.request`): applied before it is signed, never to the provider's credential.
   */
  requestHeaders?: readonly HeaderChanges[];
  /** The token the client presented (set for `auth.passthrough` providers only), what such a provider receives. */
  clientToken?: string | undefined;
  /** Aborted when the whole request's deadline passes or the client goes away. */
  requestSignal: AbortSignal;
  /** This attempt's own deadline (until the answer, or the first content event of a stream). */
  timeoutMs: number | undefined;
  /** Longest silence tolerated between two events once a stream is flowing. */
  streamIdleMs: number;
  now: () => number;
  /** Replaces secrets by value in everything from the upstream that reaches the client. */
  redact: (text: string) => string;
  /** Process-wide memory for buffered answers; a read it cannot take is an `overloaded` failure. */
  budget?: MemoryBudget;
  /** Called once when a stream that was handed to the client ends: how it ended. */
  onStreamEnd?: (end: StreamEnd) => void;
}

export type StreamEnd = ({ kind: 'done' } | { kind: 'broken'; reason: string } | { kind: 'cancelled' }) & { usage?: TokenUsage };

/** The model the call names: the provider's pinned one, else the client's. */
export function sentModel<Req>(input: Pick<AttemptInput<Req>, 'api' | 'provider' | 'request'>): string {
  return input.provider.target.model ?? input.api.model(input.request) ?? '';
}

export async function runAttempt<Req>(input: AttemptInput<Req>): Promise<AttemptResult> {
  const { provider, adapter, request } = input;
  // Built first: a request the adapter cannot express (no model to name) fails before any timer starts.
  // With `auth.passthrough`, the client's token stands where the provider's key goes.
  const target = targetWithClientToken(provider.target, input.clientToken);
  let call: UpstreamRequest = adapter.buildRequest(request, target, input.clientHeaders ? { headers: input.clientHeaders } : undefined);
  for (const changes of input.requestHeaders ?? []) call = upstreamWithHeaderChanges(call, changes, target.apiKey);
  const attempt = startAttempt(input);
  if (needsAuthorization(target, adapter)) {
    try {
      // A minted token (gcp, azure) and the adapter's signing: a token endpoint that fails is this provider's failed attempt.
      call = await authorizeCall(call, target, adapter);
    } catch (error) {
      return cannotSign(attempt, error);
    }
  }

  let response: UpstreamResponse;
  try {
    response = await sendUpstream(call, attempt.deadline.signal, provider.connectTimeoutMs, input.stream ? readErrorBody : readBuffered(input.budget));
  } catch (error) {
    return noAnswer(attempt, error);
  }
  attempt.base.upstreamHeaders = response.headers;

  if (response.status < 200 || response.status >= 300) return refused(attempt, response);
  if (!input.stream) return readAnswer(attempt, response);
  return holdStream(attempt, response);
}

/** A failed attempt: its failure, the status it stands for, a log reason, and the client's error (message, OpenAI type and code, status). */
type Failed = (failure: AttemptFailure, status: number | undefined, reason: string, message: string, type: string, code: string, clientStatus: number) => AttemptResult;

/** One attempt in progress: what its steps share, so each step can finish the attempt the same way. */
interface Attempt<Req> {
  input: AttemptInput<Req>;
  /** When the attempt started, on `input.now`'s clock: latencies are measured from here. */
  started: number;
  /** This attempt's timer, joined to the request's signal; every way out disposes of it. */
  deadline: Deadline;
  /** What every result carries; the upstream's headers are filled in once it answers. */
  base: { provider: CompiledProvider; upstreamHeaders: Record<string, string>; release: () => void };
  failed: Failed;
}

/** Starts the clock and the deadline (after the request is built, so a build error starts neither). */
function startAttempt<Req>(input: AttemptInput<Req>): Attempt<Req> {
  const started = input.now();
  const deadline = new Deadline(input.requestSignal, input.timeoutMs, 'request timeout');
  const base = { provider: input.provider, upstreamHeaders: {} as Record<string, string>, release: () => {} };
  const failed: Failed = (failure, status, reason, message, type, code, clientStatus) => {
    deadline.dispose();
    // `message` may be an upstream's own words (an error event inside a 200 stream).
    const body = input.redact(JSON.stringify(input.api.errorBody(clientStatus, message, type, code)));
    return { ...base, ok: false, status, failure, reason, latencyMs: input.now() - started, reply: { status: clientStatus, body, contentType: 'application/json' } };
  };
  return { input, started, deadline, base, failed };
}

/** No credentials in the chain, an unreachable metadata service: this provider cannot be called now. */
function cannotSign(attempt: Attempt<unknown>, error: unknown): AttemptResult {
  return attempt.failed(
    'credentials',
    undefined,
    `could not sign the request: ${(error as Error).message.slice(0, 200)}`,
    'modelgate could not sign the request to the upstream provider (no usable credentials).',
    'upstream_error',
    'upstream_credentials',
    502,
  );
}

/** The call got no answer at all: timed out, the request ended, or the connection failed or broke. */
function noAnswer(attempt: Attempt<unknown>, error: unknown): AttemptResult {
  const { deadline, failed } = attempt;
  const message = error instanceof Error ? error.message : String(error);
  if (deadline.timedOut) {
    return failed('timeout', undefined, `no answer within ${deadline.ms} ms`, 'The upstream provider did not answer in time.', 'timeout_error', 'upstream_timeout', 504);
  }
  if (attempt.input.requestSignal.aborted) {
    return failed('aborted', undefined, 'request ended (deadline or client gone)', 'The request timed out.', 'timeout_error', 'request_timeout', 504);
  }
  if (error instanceof UpstreamError && error.failure === 'connect') {
    return failed('connect', undefined, message, 'The upstream provider could not be reached.', 'upstream_error', 'upstream_unreachable', 502);
  }
  return failed('reset', undefined, message, 'The upstream provider closed the connection before answering.', 'upstream_error', 'upstream_reset', 502);
}

/**
 * A non-2xx answer: the client gets the upstream's status with its error translated into the
 * client's API. Only the head of the body is read; it is small and only carries the message.
 */
async function refused<Req>(attempt: Attempt<Req>, response: UpstreamResponse): Promise<AttemptResult> {
  const { input } = attempt;
  let text = '';
  try {
    text = (await readFromHead(response)).toString('utf8');
  } catch {
    // The status is the answer; a body cut short only loses the message.
  }
  attempt.deadline.dispose();
  return {
    ...attempt.base,
    ok: false,
    status: response.status,
    failure: 'status',
    reason: `HTTP ${response.status}`,
    latencyMs: input.now() - attempt.started,
    reply: { status: response.status, body: input.redact(JSON.stringify(input.adapter.translateError(response.status, text, response.headers))), contentType: 'application/json' },
  };
}

/**
 * The body sendUpstream began reading when the head arrived: runAttempt always says how (`readFor`),
 * so the read rules live in one place.
 */
function readFromHead(response: UpstreamResponse): Promise<Buffer> {
  return response.bytes ?? Promise.reject(new UpstreamError('reset', 'the answer body was not read'));
}

/** A 2xx buffered answer: read it whole (within the memory budget) and translate it for the client. */
async function readAnswer<Req>(attempt: Attempt<Req>, response: UpstreamResponse): Promise<AttemptResult> {
  const bytes = await readBufferedBody(attempt, response);
  if (!Buffer.isBuffer(bytes)) return bytes;
  attempt.deadline.dispose();
  try {
    return translateAnswer(attempt, response, bytes);
  } finally {
    // Held from the read until the translation is done with the bytes.
    attempt.input.budget?.release(bytes.length);
  }
}

/**
 * Reads a buffered body up to MAX_UPSTREAM_BODY, taking its bytes from the process's memory budget
 * (the caller releases them). A budget that cannot cover it is modelgate's overload, not the
 * provider's fault; any other failed read is a lost answer.
 */
async function readBufferedBody<Req>(attempt: Attempt<Req>, response: UpstreamResponse): Promise<Buffer | AttemptResult> {
  try {
    return await readFromHead(response);
  } catch (error) {
    if (error instanceof BudgetExceeded) {
      return attempt.failed(
        'overloaded',
        undefined,
        error.message,
        'modelgate is holding as many buffered answers as its memory budget allows; retry shortly.',
        'server_error',
        'gateway_overloaded',
        503,
      );
    }
    return noAnswer(attempt, error);
  }
}

/** The upstream's JSON in the client's API; a body that does not parse or translate is a malformed answer. */
function translateAnswer<Req>(attempt: Attempt<Req>, response: UpstreamResponse, bytes: Buffer): AttemptResult {
  const { input } = attempt;
  try {
    const text = bytes.toString('utf8');
    const parsed: unknown = JSON.parse(text);
    const translated = input.adapter.translateResponse(parsed, sentModel(input), { request: input.request, headers: response.headers });
    // An answer the adapter passed on unchanged (same API both sides) goes out as the provider wrote it: no second serialization.
    const body = translated.unchanged && translated.body === parsed ? text : JSON.stringify(translated.body);
    return {
      ...attempt.base,
      ok: true,
      status: response.status,
      reason: `HTTP ${response.status}`,
      model: translated.model,
      ...(translated.usage && { usage: translated.usage }),
      latencyMs: input.now() - attempt.started,
      reply: { status: response.status, body: input.redact(body), contentType: 'application/json' },
    };
  } catch (error) {
    return attempt.failed(
      'malformed',
      response.status,
      `malformed body: ${(error as Error).message.slice(0, 200)}`,
      'The upstream provider returned a response modelgate could not read.',
      'upstream_error',
      'upstream_malformed_response',
      502,
    );
  }
}

/** What a stream's hold has gathered so far: the client's frames, the bytes read, and what the events said. */
interface Hold {
  frames: string[];
  /** Bytes of events read (held or not), bounded by MAX_HELD_STREAM_BYTES. */
  bytes: number;
  model?: string;
  usage?: TokenUsage;
}

/** The stream of one attempt while it is held: where its events come from and how they translate. */
interface HeldStream {
  response: UpstreamResponse;
  reader: EventReader;
  translator: StreamTranslator;
  hold: Hold;
}

/** A hold step either hands back what it read, or the result that ends the attempt there. */
function isResult(value: SseEvent | StreamStep | AttemptResult | null): value is AttemptResult {
  return value !== null && 'reply' in value;
}

/**
 * Reads a 2xx stream until its first content event. Nothing has been sent to the client yet, so
 * an error event, a broken connection or a timeout here is an ordinary failed attempt.
 */
async function holdStream<Req>(attempt: Attempt<Req>, response: UpstreamResponse): Promise<AttemptResult> {
  const { input } = attempt;
  const stream: HeldStream = {
    response,
    translator: input.adapter.streamTranslator(sentModel(input), input.api.includeUsage(input.request)),
    reader: openEventReader(input.adapter.streamFormat, bodyChunks(response.body)),
    hold: { frames: [], bytes: 0 },
  };
  for (;;) {
    const event = await readHeldEvent(attempt, stream);
    if (isResult(event)) return event;
    const step = translateHeldEvent(attempt, stream, event);
    if (isResult(step)) return step;
    const result = takeHeldStep(attempt, stream, step);
    if (result) return result;
  }
}

/** The next event of a held stream (null at its close), counted against the hold's bound. */
async function readHeldEvent(attempt: Attempt<unknown>, { response, reader, hold }: HeldStream): Promise<SseEvent | null | AttemptResult> {
  let event: SseEvent | null;
  try {
    event = await reader.next();
  } catch (error) {
    void reader.cancel();
    // A frame the codec refuses (bad CRC, bad headers) is a malformed answer, not a lost connection.
    if (error instanceof EventStreamError) {
      attempt.deadline.dispose();
      return attempt.failed(
        'malformed',
        response.status,
        error.message.slice(0, 200),
        'The upstream provider sent a stream modelgate could not read.',
        'upstream_error',
        'upstream_malformed_response',
        502,
      );
    }
    return noAnswer(attempt, error);
  }
  if (event === null) return null;
  // Counted as read, not as held: events that translate to nothing (pings) cost reading too.
  hold.bytes += event.data.length + (event.event?.length ?? 0);
  if (hold.bytes > MAX_HELD_STREAM_BYTES) {
    void reader.cancel();
    return attempt.failed(
      'malformed',
      response.status,
      `no content in the first ${MAX_HELD_STREAM_BYTES} bytes of the stream`,
      'The upstream provider streamed no content.',
      'upstream_error',
      'upstream_no_content',
      502,
    );
  }
  return event;
}

/** An event (or the close) in the client's API; one the translator cannot read is a malformed answer. */
function translateHeldEvent(attempt: Attempt<unknown>, { response, reader, translator }: HeldStream, event: SseEvent | null): StreamStep | AttemptResult {
  if (event === null) {
    // A vendor without an end marker (Gemini) is complete at the close, if its translator says so.
    const step = translator.finish?.();
    if (step?.done) return step;
    attempt.deadline.dispose();
    return attempt.failed(
      'reset',
      undefined,
      'stream ended before any content',
      'The upstream provider ended the stream before sending any content.',
      'upstream_error',
      'upstream_stream_broken',
      502,
    );
  }
  try {
    return translator.push(event);
  } catch (error) {
    void reader.cancel();
    return attempt.failed(
      'malformed',
      response.status,
      `malformed stream event: ${(error as Error).message.slice(0, 200)}`,
      'The upstream provider sent a stream event modelgate could not read.',
      'upstream_error',
      'upstream_malformed_response',
      502,
    );
  }
}

/** Holds one translated step; the result when it ends the hold (an error, an empty end, the first content), else undefined. */
function takeHeldStep<Req>(attempt: Attempt<Req>, stream: HeldStream, step: StreamStep): AttemptResult | undefined {
  const { reader, hold } = stream;
  if (step.model) hold.model ??= step.model;
  if (step.usage) hold.usage = step.usage;
  if (step.failure) {
    void reader.cancel();
    const f = step.failure;
    return attempt.failed('stream', f.status, `${f.type} in stream: ${f.message.slice(0, 200)}`, f.message, f.type, f.type, f.status);
  }
  hold.frames.push(...step.frames);
  if (step.done && !step.content) {
    // The end, and not one choice, message or finish before it (a stream of only `[DONE]`):
    // a 200 with nothing in it is not an answer, and the next provider may have one.
    void reader.cancel();
    return attempt.failed(
      'malformed',
      stream.response.status,
      'stream ended without any content',
      'The upstream provider ended the stream without an answer.',
      'upstream_error',
      'upstream_empty_answer',
      502,
    );
  }
  if (step.content || step.done) return startFlowing(attempt, stream, step.done);
  return undefined;
}

/** The hold ends at the first content (or the end): the attempt succeeded, and the answer starts going out. */
function startFlowing<Req>(attempt: Attempt<Req>, { response, reader, translator, hold }: HeldStream, done: boolean): AttemptResult {
  const { input, deadline } = attempt;
  const firstContentAt = input.now();
  // From here the attempt succeeded; the request's own deadline and the idle timer govern the rest.
  deadline.stopTimer();
  const flowing = done ? finished(hold.frames, reader, deadline, input, hold.usage) : relay(hold.frames, reader, response, translator, deadline, input, hold.usage);
  let released = false;
  return {
    ...attempt.base,
    ok: true,
    status: response.status,
    reason: `HTTP ${response.status}`,
    ...(hold.model !== undefined && { model: hold.model }),
    ...(hold.usage && { usage: hold.usage }),
    latencyMs: firstContentAt - attempt.started,
    firstContentAt,
    reply: { status: response.status, body: flowing, contentType: 'text/event-stream' },
    release: () => {
      if (!released) void flowing.return?.(undefined);
      released = true;
    },
  };
}

/** The upstream said everything in the held events: send them, release the connection. */
async function* finished<Req>(
  held: string[],
  reader: EventReader,
  deadline: Deadline,
  input: AttemptInput<Req>,
  usage: TokenUsage | undefined,
): AsyncGenerator<string, void, undefined> {
  try {
    yield input.redact(held.join(''));
    input.onStreamEnd?.({ kind: 'done', ...(usage && { usage }) });
  } finally {
    deadline.dispose();
    void reader.cancel();
  }
}
