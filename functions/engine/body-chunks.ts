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

export function bodyChunks(body: Readable): AsyncIterableIterator<Uint8Array> {
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
  const onData = (chunk: Uint8Array) => {
    queue.push(chunk);
    if (waiting.length === 0) body.pause(); // nobody is reading: the socket waits, not a buffer
    settle();
  };
  const onEnd = () => {
    ended = true;
    settle();
  };
  const onError = (error: Error) => {
    failure ??= error;
    settle();
  };
  const onClose = () => {
    if (!ended) failure ??= Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
    settle();
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
      settle();
      return Promise.resolve({ value: undefined, done: true });
    },
  };
}
