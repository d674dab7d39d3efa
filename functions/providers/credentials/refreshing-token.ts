/**
 * A minted credential (an access token, ID token or AWS session), cached and refreshed before it
 * expires. Requests never wait for a refresh while the current token is still good: once a token
 * enters its refresh window the next request starts one refresh in the background and goes on
 * with the current token. Only the first request, or one after the token expired, waits; and all
 * requests that arrive meanwhile share that one refresh. A failed mint is remembered for a short
 * cooldown, so a token endpoint that is down is asked again at that pace, not once per request.
 */

/** What a mint produced: the value and when it stops being accepted (ms since the epoch; Infinity: never). */
export interface Minted<T> {
  value: T;
  expiresAt: number;
}

/** A token is not used in its last seconds (10 s, or a tenth of a short lifetime): clocks differ, and the request still has to reach the provider. */
const EXPIRY_SKEW_MS = 10_000;
/** The refresh window: a quarter of the token's lifetime, at most 5 minutes (a 1 h token refreshes at 55 min, a 60 s token at 45 s). */
const MAX_REFRESH_MARGIN_MS = 5 * 60_000;
/** How long a failed mint is the answer before the endpoint is asked again. */
export const MINT_FAILURE_COOLDOWN_MS = 5_000;

/** When a token minted at `mintedAt` that expires at `expiresAt` should be replaced. */
export function refreshAt(mintedAt: number, expiresAt: number): number {
  if (!Number.isFinite(expiresAt)) return Infinity;
  const lifetime = Math.max(0, expiresAt - mintedAt);
  return expiresAt - Math.min(MAX_REFRESH_MARGIN_MS, lifetime / 4);
}

export class RefreshingToken<T> {
  private current: (Minted<T> & { refreshAt: number; usableUntil: number }) | undefined;
  private inflight: Promise<Minted<T>> | undefined;
  private failedUntil = 0;
  private lastError: Error | undefined;
  /** How many mints were started: tests read it to see that requests share one. */
  mints = 0;

  constructor(
    private readonly mint: () => Promise<Minted<T>>,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<T> {
    const now = this.now();
    const current = this.current;
    if (current && now < current.usableUntil) {
      // In its refresh window: one background refresh; its failure leaves the current token in use.
      if (now >= current.refreshAt && now >= this.failedUntil) this.refresh().catch(() => {});
      return current.value;
    }
    if (this.lastError && now < this.failedUntil) throw this.lastError;
    return (await this.refresh()).value;
  }

  private refresh(): Promise<Minted<T>> {
    if (!this.inflight) {
      const started = this.now();
      this.mints++;
      this.inflight = this.mint().then(
        (minted) => {
          const lifetime = Math.max(0, minted.expiresAt - started);
          this.current = { ...minted, refreshAt: refreshAt(started, minted.expiresAt), usableUntil: minted.expiresAt - Math.min(EXPIRY_SKEW_MS, lifetime / 10) };
          this.lastError = undefined;
          this.failedUntil = 0;
          this.inflight = undefined;
          return minted;
        },
        (error: unknown) => {
          this.lastError = error instanceof Error ? error : new Error(String(error));
          this.failedUntil = this.now() + MINT_FAILURE_COOLDOWN_MS;
          this.inflight = undefined;
          throw this.lastError;
        },
      );
    }
    return this.inflight;
  }
}
