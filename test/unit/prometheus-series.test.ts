/**
 * LabelledCounter and LabelledHistogram count in the gateway's own series but must expose exactly
 * what prom-client's Counter and Histogram would: the same operations on both, in two registries,
 * give the same text exposition and the same `get()` values — label values that need escaping,
 * observations on a bound, past the highest bound and at zero included.
 */
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LabelledCounter, LabelledHistogram } from '../../functions/engine/prometheus-series.js';

const BUCKETS = [0.01, 0.1, 1, 10];
const LABELS = ['route', 'provider', 'status'] as const;
const VALUES: Array<[string, string, string]> = [
  ['ns/r', 'a', '200'],
  ['ns/r', 'b', '429'],
  ['ns/"quoted"\\back', 'line\nbreak', '200'],
  ['ns/r', 'a', '200'],
  ['', 'a', '500'],
];
const OBSERVED = [0, 0.01, 0.05, 1, 10, 10.5, 1e6, 0.1];

describe('LabelledCounter and LabelledHistogram expose what prom-client would', () => {
  it('the same text exposition and get() values, operation for operation', async () => {
    const theirs = new Registry();
    const ours = new Registry();
    const counter = new Counter({ name: 't_requests_total', help: 'requests', labelNames: LABELS, registers: [theirs] });
    const histogram = new Histogram({ name: 't_duration_seconds', help: 'durations', labelNames: LABELS, buckets: BUCKETS, registers: [theirs] });
    const myCounter = new LabelledCounter('t_requests_total', 'requests', LABELS, ours);
    const myHistogram = new LabelledHistogram('t_duration_seconds', 'durations', LABELS, BUCKETS, ours);

    VALUES.forEach(([route, provider, status], i) => {
      counter.inc({ route, provider, status }, i + 1);
      myCounter.inc([route, provider, status], i + 1);
      for (const v of OBSERVED.slice(i)) {
        histogram.observe({ route, provider, status }, v);
        myHistogram.observe([route, provider, status], v);
      }
    });

    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain('t_duration_seconds_bucket{le="+Inf",route="ns/r",provider="a",status="200"} 13');
    expect(text).toContain('provider="line\\nbreak"');
    expect(await myCounter.get()).toEqual(await counter.get());
    // prom-client's values carry an `exemplar` (null: exemplars are off), which the text never shows.
    const { values, ...rest } = await histogram.get();
    expect(await myHistogram.get()).toEqual({
      ...rest,
      values: values.map((v) => {
        const { exemplar: _, ...shown } = v as typeof v & { exemplar?: unknown };
        return shown;
      }),
    });
  });

  it('one series per distinct set of label values, however often it is counted', async () => {
    const registry = new Registry();
    const counter = new LabelledCounter('t_total', 'n', ['a', 'b'], registry);
    for (let i = 0; i < 1000; i++) counter.inc([`x${i % 3}`, 'y']);
    const { values } = await counter.get();
    expect(values.map((v) => [v.labels, v.value])).toEqual([
      [{ a: 'x0', b: 'y' }, 334],
      [{ a: 'x1', b: 'y' }, 333],
      [{ a: 'x2', b: 'y' }, 333],
    ]);
  });

  it('keeps label values apart whatever characters they hold, and starts over after reset', async () => {
    const registry = new Registry();
    const counter = new LabelledCounter('t_total', 'n', ['a', 'b'], registry);
    // Joined with a separator, these two would have been one key.
    counter.inc(['p\u0000q', 'r']);
    counter.inc(['p', 'q\u0000r'], 2);
    counter.inc(['', '']);
    expect((await counter.get()).values.map((v) => [v.labels, v.value])).toEqual([
      [{ a: 'p\u0000q', b: 'r' }, 1],
      [{ a: 'p', b: 'q\u0000r' }, 2],
      [{ a: '', b: '' }, 1],
    ]);
    counter.reset();
    expect((await counter.get()).values).toEqual([]);
    counter.inc(['p', 'q\u0000r']);
    expect((await counter.get()).values.map((v) => v.value)).toEqual([1]);
    // A metric without labels has its one series.
    const total = new LabelledCounter('t_all_total', 'n', [], registry);
    total.inc([], 3);
    total.inc([]);
    expect((await total.get()).values).toEqual([{ labels: {}, value: 4 }]);
  });
});
