/**
 * Gateway API durations (`1h`, `10s`, `1m30s`, `500ms`): what every timeout and eviction field
 * in agentgateway's API uses. Parsed once at load time into milliseconds.
 */

/** The CRDs' own pattern: 1 to 4 `<number><unit>` pairs, numbers of at most 5 digits. */
export const DURATION_PATTERN = /^([0-9]{1,5}(h|m|s|ms)){1,4}$/;

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/** Milliseconds in a Gateway API duration, or undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION_PATTERN.test(text)) return undefined;
  let total = 0;
  for (const [, value, unit] of text.matchAll(/([0-9]+)(ms|h|m|s)/g)) total += Number(value) * UNIT_MS[unit!]!;
  return total;
}

/** `10000` -> `10s`, `90000` -> `1m30s`: for log lines and rendered manifests. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const unit of ['h', 'm', 's', 'ms'] as const) {
    const size = UNIT_MS[unit]!;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
