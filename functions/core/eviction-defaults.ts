/**
 * The eviction default every layer agrees on: the engine's eviction decision applies it, the
 * config description (config/) shows it.
 */

/** `eviction.duration` when unset: 3 s, multiplied by (timesEvicted + 1). */
export const DEFAULT_EVICTION_MS = 3_000;
