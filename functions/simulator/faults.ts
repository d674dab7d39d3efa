/**
 * The ways a simulated provider can misbehave — every way a real one does. Tests script them per
 * call; the demo uses one rule: a model name that does not exist answers 404, as the vendor would.
 */

export type Fault =
  /**
   * An error answer in the vendor's error shape, e.g. 404 unknown model, 429 rate limited, 529
   * overloaded. `errorType` is the vendor's own name: Anthropic's `error.type`, Google's `status`
   * (`RESOURCE_EXHAUSTED`), Bedrock's exception (`ThrottlingException`).
   */
  | { kind: 'status'; status: number; headers?: Record<string, string>; message?: string; errorType?: string }
  /** The connection is destroyed before any response byte. */
  | { kind: 'reset' }
  /** Headers never come (until the client gives up). */
  | { kind: 'hang' }
  /** Answers correctly, after a pause. */
  | { kind: 'delay'; ms: number }
  /** A 200 whose body is not JSON. */
  | { kind: 'malformed-json' }
  /** A 200 event stream with garbage where events should be. */
  | { kind: 'malformed-sse' }
  /**
   * A 200 stream whose first event is an error event (Anthropic's overloaded_error inside a 200;
   * a Google error chunk; a Bedrock exception message such as `throttlingException`).
   */
  | { kind: 'stream-error-before-content'; errorType?: string; message?: string }
  /** A 200 stream that sends `afterEvents` events, then an error event. */
  | { kind: 'stream-error-after-content'; afterEvents: number; errorType?: string }
  /** A 200 stream that sends `afterEvents` events, then the connection is destroyed. */
  | { kind: 'stream-break'; afterEvents: number }
  /** A 200 stream that sends `afterEvents` events, then goes silent without closing. */
  | { kind: 'stream-stall'; afterEvents: number };

export interface SimulatedCall {
  /** The wire format the call was made in (Azure OpenAI speaks `openai`, Vertex AI `gemini`). */
  api: 'anthropic' | 'openai' | 'gemini' | 'bedrock';
  /** From the body, or from the path for vendors that put it there (Gemini, Bedrock, an Azure deployment). */
  model: string;
  stream: boolean;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  method: string;
  /** The path, without the query. */
  path: string;
  /** The query string, without `?`. */
  query: string;
  /** The body as it arrived (what a signature covers). */
  rawBody: string;
  /** Set when the caller closed the connection before the answer was complete (a cancelled hedge, a client gone). */
  abandoned?: boolean;
}

/** Decides the fault for one call; undefined answers normally. */
export type FaultPlan = (call: SimulatedCall, index: number) => Fault | undefined;

/** The demo's rule: models whose name ends in `-FAKE` do not exist. */
export const unknownFakeModels: FaultPlan = (call) =>
  /-FAKE$/i.test(call.model) ? { kind: 'status', status: 404, errorType: 'not_found_error', message: `model: ${call.model}` } : undefined;
