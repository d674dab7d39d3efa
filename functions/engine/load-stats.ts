/**
 * What this instance knows about each provider and shares with nobody: an EWMA health score
 * (agentgateway's, alpha 0.3), an EWMA of latency, and the requests in flight. They rank
 * providers inside a group (power of two choices) and feed `healthThreshold`. The last unhealthy
 * answer is kept too, for the status an operator reads (the shared store keeps counters only).
 */

const ALPHA = 0.3;

/** The last unhealthy answer of a provider, as this instance saw it. */
interface LastFailure {
  /** The HTTP status, or the failure word (connect, timeout, reset, malformed, ...). */
  what: string;
  /** For a connection that failed, why (`getaddrinfo ENOTFOUND api.anthropic.com`); never an upstream's body. */
  reason?: string;
  /** Epoch ms, on the engine's clock. */
  at: number;
}

interface ProviderLoad {
  health: number;
  latencySeconds: number;
  pending: number;
  /** The end of the last eviction this instance saw, so `restoreHealth` is applied once when it ends. */
  evictedUntilSeen: number;
  lastFailure?: LastFailure;
}

export class LoadStats {
  private readonly loads = new Map<string, ProviderLoad>();

  get(id: string): ProviderLoad {
    let load = this.loads.get(id);
    if (!load) {
      load = { health: 1, latencySeconds: 0, pending: 0, evictedUntilSeen: 0 };
      this.loads.set(id, load);
    }
    return load;
  }

  /** What is known of `id`, without starting a record for it (a status read must not grow the map). */
  peek(id: string): Readonly<ProviderLoad> | undefined {
    return this.loads.get(id);
  }

  /** agentgateway's score: healthy and fast wins, and queueing counts against latency. */
  score(id: string): number {
    const l = this.get(id);
    return l.health / (1 + l.latencySeconds * (1 + 0.1 * l.pending));
  }

  begin(id: string): void {
    this.get(id).pending++;
  }

  end(id: string): void {
    const l = this.get(id);
    l.pending = Math.max(0, l.pending - 1);
  }

  recordHealthy(id: string, latencyMs: number): void {
    const l = this.get(id);
    l.health = ewma(l.health, 1);
    const seconds = latencyMs / 1000;
    l.latencySeconds = l.latencySeconds === 0 ? seconds : ewma(l.latencySeconds, seconds);
  }

  recordUnhealthy(id: string, failure?: LastFailure): void {
    const l = this.get(id);
    l.health = ewma(l.health, 0);
    if (failure) l.lastFailure = failure;
  }

  /** Called when the store reports an eviction; when it has ended, `restoreHealth` (if set) applies once. */
  noteEviction(id: string, evictedUntil: number, now: number, restoreHealth: number | undefined): void {
    const l = this.get(id);
    if (evictedUntil > now) {
      l.evictedUntilSeen = Math.max(l.evictedUntilSeen, evictedUntil);
    } else if (l.evictedUntilSeen !== 0 && l.evictedUntilSeen <= now) {
      l.evictedUntilSeen = 0;
      if (restoreHealth !== undefined) l.health = restoreHealth;
    }
  }
}

function ewma(old: number, sample: number): number {
  return old === 0 ? sample : ALPHA * sample + (1 - ALPHA) * old;
}
