/**
 * What this instance knows to decide hedges: each provider's recent times to first content (for
 * `hedge-after: auto`), and each backend's share of requests that hedged over a sliding window (the
 * hedge budget, so a slow provider cannot double the bill). Both are per instance and bounded: a
 * fixed ring of samples per provider, a fixed set of window buckets per backend.
 */
import { AUTO_HEDGE_BOUNDS_MS, type HedgingSettings } from '../model/compile-hedging.js';

/** Samples kept per provider for its p95: enough for a stable tail, small enough to follow a change within a minute of traffic. */
const SAMPLES = 64;
/** Fewer samples than this and `auto` uses the upper bound: no hedge on a guess. */
const MIN_SAMPLES = 8;
/** The budget's window: 60 s in 6 buckets, so it slides in 10 s steps. */
const BUCKET_MS = 10_000;
const BUCKETS = 6;
/**
 * Requests a window must hold before the share applies. Below it, one hedge is allowed per window
 * (so a quiet backend can hedge at all: 10% of 3 requests would be none).
 */
const MIN_WINDOW_REQUESTS = 10;

class Ring {
  private readonly values = new Float64Array(SAMPLES);
  private count = 0;
  private next = 0;

  add(v: number): void {
    this.values[this.next] = v;
    this.next = (this.next + 1) % SAMPLES;
    this.count = Math.min(this.count + 1, SAMPLES);
  }

  p95(): number | undefined {
    if (this.count < MIN_SAMPLES) return undefined;
    const sorted = Array.from(this.values.subarray(0, this.count)).sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)];
  }
}

interface Window {
  /** Start of each bucket's period, and its counts. */
  starts: number[];
  requests: number[];
  hedged: number[];
}

export class HedgeState {
  private readonly firstContent = new Map<string, Ring>();
  private readonly windows = new Map<string, Window>();

  /** A provider's time to first content (streamed) or to its whole answer (buffered), from a successful attempt. */
  noteFirstContent(providerId: string, ms: number): void {
    let ring = this.firstContent.get(providerId);
    if (!ring) {
      ring = new Ring();
      this.firstContent.set(providerId, ring);
    }
    ring.add(Math.max(0, ms));
  }

  /** When to start a hedge beside an attempt on `providerId`, or undefined when this backend does not hedge. */
  hedgeDelayMs(settings: HedgingSettings | undefined, providerId: string): number | undefined {
    const after = settings?.hedgeAfter;
    if (after === undefined) return undefined;
    if (after !== 'auto') return after.ms;
    const p95 = this.firstContent.get(providerId)?.p95() ?? AUTO_HEDGE_BOUNDS_MS.max;
    return Math.min(AUTO_HEDGE_BOUNDS_MS.max, Math.max(AUTO_HEDGE_BOUNDS_MS.min, p95));
  }

  /** Counts one request of a hedging backend in its window. */
  noteRequest(backendId: string, now: number): void {
    const w = this.windowOf(backendId, now);
    w.requests[this.bucket(w, now)]!++;
  }

  /** Whether one more request may hedge within the backend's budget now; when it may, it is counted. */
  takeHedge(backendId: string, settings: HedgingSettings, now: number): boolean {
    const w = this.windowOf(backendId, now);
    const requests = sum(w.requests);
    const hedged = sum(w.hedged);
    const share = Math.floor(requests * settings.budget);
    const allowed = requests < MIN_WINDOW_REQUESTS && settings.budget > 0 ? Math.max(1, share) : share;
    if (hedged >= allowed) return false;
    w.hedged[this.bucket(w, now)]!++;
    return true;
  }

  private windowOf(backendId: string, now: number): Window {
    let w = this.windows.get(backendId);
    if (!w) {
      w = { starts: new Array(BUCKETS).fill(-Infinity), requests: new Array(BUCKETS).fill(0), hedged: new Array(BUCKETS).fill(0) };
      this.windows.set(backendId, w);
    }
    // Buckets older than the window are emptied before anything reads them.
    for (let i = 0; i < BUCKETS; i++) {
      if (now - w.starts[i]! >= BUCKET_MS * BUCKETS) {
        w.requests[i] = 0;
        w.hedged[i] = 0;
      }
    }
    return w;
  }

  private bucket(w: Window, now: number): number {
    const start = Math.floor(now / BUCKET_MS) * BUCKET_MS;
    const i = Math.floor(now / BUCKET_MS) % BUCKETS;
    if (w.starts[i] !== start) {
      w.starts[i] = start;
      w.requests[i] = 0;
      w.hedged[i] = 0;
    }
    return i;
  }
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
