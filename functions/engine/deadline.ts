/**
 * A timer that aborts a signal, chained to a parent signal, and remembers whether it fired —
 * so the engine can tell "the upstream was too slow" (a timeout, retryable, unhealthy) from
 * "the client went away" (nobody to answer; nothing to record).
 */

export class Deadline {
  private readonly controller: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;
  private fired = false;
  private readonly unlink: () => void = () => {};

  constructor(
    private readonly parent: AbortSignal,
    readonly ms: number | undefined,
    readonly label: string,
  ) {
    // No deadline of its own: follow the parent's signal as is (no controller, no listener — this
    // runs on every request, and most routes set no request timeout).
    if (ms === undefined || ms === Infinity) return;
    const controller = new AbortController();
    this.controller = controller;
    const onParent = () => controller.abort(parent.reason);
    if (parent.aborted) controller.abort(parent.reason);
    else parent.addEventListener('abort', onParent, { once: true });
    this.unlink = () => parent.removeEventListener('abort', onParent);
    if (!parent.aborted) {
      this.timer = setTimeout(() => {
        this.fired = true;
        controller.abort(new Error(`${label} of ${ms} ms reached`));
      }, ms);
      this.timer.unref?.();
    }
  }

  get signal(): AbortSignal {
    return this.controller?.signal ?? this.parent;
  }

  /** True when this deadline's own timer aborted the signal. */
  get timedOut(): boolean {
    return this.fired;
  }

  /** Stops the timer (the signal keeps following the parent until dispose). */
  stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  dispose(): void {
    this.stopTimer();
    this.unlink();
  }
}

/** Resolves after `ms`, or rejects at once when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
