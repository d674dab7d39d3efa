/**
 * The chunks of an upstream answer's body, one `next()` at a time, taken from the stream's own
 * events. Node's async iterator over a Readable sets up a dozen listeners per body and costs
 * several promises per chunk, and every chunk of every streamed answer is pulled through here
 * (measured at the first token: the hold's first read).
 *
 * It behaves as that iterator does where the engine depends on it: chunks in order, at most one
 * read ahead (the body is paused while a chunk waits), `done` after the end, the stream's error
 * when it is destroyed with one (a deadline, the idle timer, a reset), an error when it closes
 * before its end, and `return()` destroys the body (the upstream connection is let go).
 */
import type { Readable } from 'node:stream';
import type { FlowControl } from '../providers/types.js';

/** What a listener of the body's chunks is told, in order, each call at most once after the last chunk. */
export interface ChunkHandlers {
  data(chunk: Uint8Array): void;
  end(): void;
  /** The body failed: destroyed with an error, or closed before its end. */
  error(error: Error): void;
}

export interface BodyChunks extends AsyncIterableIterator<Uint8Array> {
  /**
   * From now on every chunk goes to `handlers` as it arrives (the queued ones first, at once) instead
   * of waiting for `next()`; the end or the failure too. Pulling and listening are not mixed: after
   * this, only `return()` is called.
   */
  listen(handlers: ChunkHandlers): FlowControl;
}

export function bodyChunks(body: Readable): BodyChunks {
  const queue: Uint8Array[] = [];
  let ended = false;
  let failure: Error | undefined;
  let returned = false;
  /** Calls of next() waiting for a chunk, served in order (Node's iterator queues them too). */
  const waiting: Array<{ resolve: (r: IteratorResult<Uint8Array>) => void; reject: (e: Error) => void }> = [];

  const settle = () => {
    while (waiting.length > 0) {
      if (queue.length > 0) waiting.shift()!.resolve({ value: queue.shift()!, done: false });
      else if (failure) waiting.shift()!.reject(failure);
      else if (ended) waiting.shift()!.resolve({ value: undefined, done: true });
      else return;
    }
  };
  /** Set by listen(): chunks, the end and a failure go to it as they happen. */
  let listener: ChunkHandlers | undefined;
  /** The listener was told the end or the failure (once). */
  let told = false;
  const tell = () => {
    if (!listener || told) return;
    if (failure) {
      told = true;
      listener.error(failure);
    } else if (ended && queue.length === 0) {
      told = true;
      listener.end();
    }
  };
  const onData = (chunk: Uint8Array) => {
    if (listener) {
      if (!told) listener.data(chunk);
      return;
    }
    queue.push(chunk);
    if (waiting.length === 0) body.pause(); // nobody is reading: the socket waits, not a buffer
    settle();
  };
  const onEnd = () => {
    ended = true;
    settle();
    tell();
  };
  const onError = (error: Error) => {
    failure ??= error;
    settle();
    tell();
  };
  const onClose = () => {
    if (!ended) failure ??= Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
    settle();
    tell();
  };
  const detach = () => {
    body.off('data', onData);
    body.off('end', onEnd);
    body.off('error', onError);
    body.off('close', onClose);
  };

  if (body.errored) failure = body.errored;
  else if (body.readableEnded) ended = true;
  else if (body.destroyed) onClose();
  body.on('data', onData);
  body.on('end', onEnd);
  body.on('error', onError);
  body.on('close', onClose);

  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next() {
      // Bytes the body holds already are taken now ('data' delivers them), not a tick later when it flows.
      if (queue.length === 0 && !ended && !failure && body.readableLength > 0) body.read();
      if (queue.length > 0) {
        const value = queue.shift()!;
        if (queue.length === 0 && !ended && !failure) body.resume();
        return Promise.resolve({ value, done: false });
      }
      if (failure) {
        detach();
        return Promise.reject(failure);
      }
      if (ended) {
        detach();
        return Promise.resolve({ value: undefined, done: true });
      }
      if (body.isPaused()) body.resume();
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
      });
    },
    listen(handlers) {
      listener = handlers;
      while (queue.length > 0 && !returned) handlers.data(queue.shift()!);
      if (!returned) {
        tell();
        if (!ended && !failure && body.isPaused()) body.resume();
      }
      return {
        pause: () => {
          if (!returned) body.pause();
        },
        resume: () => {
          if (!returned && !ended && !failure) body.resume();
        },
      };
    },
    return() {
      if (!returned) {
        returned = true;
        detach();
        // An error a destroyed body emits after this has no reader left to take it.
        body.on('error', () => {});
        if (!body.destroyed) body.destroy();
      }
      queue.length = 0;
      ended = true;
      listener = undefined;
      settle();
      return Promise.resolve({ value: undefined, done: true });
    },
  };
}
