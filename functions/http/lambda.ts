/**
 * The Lambda function URL adapter (payload format 2.0, invoke mode RESPONSE_STREAM): event in,
 * GatewayRequest to the engine, and a response middy can stream — a string for buffered answers,
 * a Readable for event streams, written chunk by chunk as the upstream produces them.
 */
import { Readable } from 'node:stream';
import type { GatewayRequest, GatewayResponse } from '../engine/types.js';

/** The parts of a function URL event modelgate reads. */
export interface FunctionUrlEvent {
  version?: string;
  rawPath?: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
  requestContext?: { requestId?: string; http?: { method?: string; path?: string; sourceIp?: string } };
}

export interface LambdaContextLike {
  awsRequestId?: string;
  getRemainingTimeInMillis?: () => number;
}

export interface StreamingResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string | Readable;
}

/** Time kept back from the invocation's deadline to finish the response and log it. */
export const DEADLINE_MARGIN_MS = 1_000;

export function toGatewayRequest(event: FunctionUrlEvent, context: LambdaContextLike): { request: GatewayRequest; dispose: () => void } {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) if (value !== undefined) headers[name.toLowerCase()] = value;
  const body = event.body === undefined ? new Uint8Array(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  // Upstream calls are cut before the invocation runs out, so the client gets an answer, not a dropped stream.
  const controller = new AbortController();
  const remaining = context.getRemainingTimeInMillis?.();
  const timer = remaining === undefined ? undefined : setTimeout(() => controller.abort(new Error('the Lambda invocation is about to time out')), Math.max(0, remaining - DEADLINE_MARGIN_MS));
  timer?.unref?.();
  return {
    request: {
      method: event.requestContext?.http?.method ?? 'GET',
      path: event.rawPath ?? event.requestContext?.http?.path ?? '/',
      query: event.rawQueryString ?? '',
      headers,
      body,
      signal: controller.signal,
      id: context.awsRequestId ?? event.requestContext?.requestId ?? 'unknown',
    },
    dispose: () => {
      if (timer) clearTimeout(timer);
    },
  };
}

export function toStreamingResult(res: GatewayResponse, onEnd: () => void): StreamingResult {
  if (typeof res.body === 'string') {
    onEnd();
    return { statusCode: res.status, headers: res.headers, body: res.body };
  }
  const readable = Readable.from(res.body, { objectMode: false });
  readable.once('close', onEnd);
  return { statusCode: res.status, headers: res.headers, body: readable };
}
