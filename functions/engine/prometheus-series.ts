/**
 * Counters and histograms for the metrics every request updates, kept in prom-client's registry
 * (which writes the exposition, escapes label values and holds Node's process metrics beside them)
 * but counted here: one Map lookup per series, keyed by the label values in the metric's label
 * order.
 *
 * prom-client's own `inc`/`observe` validate the label names, build a `name:value,` hash string
 * and wrap the value in objects on every call — about six of those per request, the largest single
 * source of the gateway's garbage per request (heap sampling, issue 18). A series is found through
 * one Map per label, in label order: joining the values into one key built a new string per call,
 * which the Map then had to hash (label values are mostly the config's names and small numbers,
 * whose hashes V8 keeps). The values a series shows
 * are the same: `get()` answers in the shapes prom-client's Counter and Histogram do (series labels
 * in label-name order; a histogram's `le` first, then the series labels), so the text exposition
 * and `registry.getSingleMetric(name).get()` read as they did.
 */
import type { Metric, MetricValue, MetricValueWithName, Registry } from 'prom-client';

/** What the registry reads of a metric (prom-client's MetricObjectWithValues, less its optional hooks). */
interface Exposed<V> {
  name: string;
  help: string;
  type: 'counter' | 'histogram';
  values: V[];
  aggregator: 'sum';
}

interface Series<V> {
  labels: Record<string, string>;
  value: V;
}

/** One level of the lookup: a label's value to the next level, or to the series at the last label. */
type Level<V> = Map<string, Level<V> | Series<V>>;

abstract class LabelledMetric<V> {
  readonly aggregator = 'sum' as const;
  /** Series by label values, one level per label (a metric without labels keeps its one series under ''). */
  private readonly lookup: Level<V> = new Map();
  /** Every series, in the order made: what the exposition walks. */
  private readonly series: Series<V>[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    // prom-client's registry asks any registered metric for `get()`; the class union in its types is not the contract.
    registry.registerMetric(this as unknown as Metric);
  }

  /** The series of these label values (in `labelNames` order), made on first use. */
  protected at(values: readonly string[]): V {
    let level = this.lookup;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      const value = values[i]!;
      let next = level.get(value) as Level<V> | undefined;
      if (!next) {
        next = new Map();
        level.set(value, next);
      }
      level = next;
    }
    const leaf = last < 0 ? '' : values[last]!;
    let s = level.get(leaf) as Series<V> | undefined;
    if (!s) {
      const labels: Record<string, string> = {};
      for (let i = 0; i < this.labelNames.length; i++) labels[this.labelNames[i]!] = values[i]!;
      s = { labels, value: this.initial() };
      level.set(leaf, s);
      this.series.push(s);
    }
    return s.value;
  }

  protected abstract initial(): V;

  protected all(): readonly Series<V>[] {
    return this.series;
  }

  reset(): void {
    this.lookup.clear();
    this.series.length = 0;
  }
}

export class LabelledCounter extends LabelledMetric<{ n: number }> {
  readonly type = 'counter' as const;

  inc(values: readonly string[], by = 1): void {
    this.at(values).n += by;
  }

  protected initial(): { n: number } {
    return { n: 0 };
  }

  async get(): Promise<Exposed<MetricValue<string>>> {
    const values = [...this.all()].map((s) => ({ labels: s.labels, value: s.value.n }));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }
}

interface Cells {
  /** Observations per bucket (not cumulative); the last cell is past the highest bound. */
  counts: number[];
  sum: number;
  count: number;
}

export class LabelledHistogram extends LabelledMetric<Cells> {
  readonly type = 'histogram' as const;

  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    super(name, help, labelNames, registry);
  }

  observe(values: readonly string[], value: number): void {
    if (!Number.isFinite(value)) return; // a clock that went backwards must not poison the sum
    const cells = this.at(values);
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]!) i++;
    cells.counts[i]!++;
    cells.sum += value;
    cells.count++;
  }

  protected initial(): Cells {
    return { counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
  }

  /** What the registry writes: per series, cumulative buckets, `+Inf`, `_sum` and `_count`. */
  getForPromString(): Exposed<MetricValueWithName<string>> {
    const values: Array<MetricValueWithName<string> & { sharedLabels: Record<string, string> }> = [];
    const bucket = `${this.name}_bucket`;
    for (const { labels, value: cells } of this.all()) {
      let total = 0;
      this.buckets.forEach((le, i) => {
        total += cells.counts[i]!;
        values.push({ labels: { le }, sharedLabels: labels, value: total, metricName: bucket });
      });
      values.push(
        { labels: { le: '+Inf' }, sharedLabels: labels, value: cells.count, metricName: bucket },
        { labels: {}, sharedLabels: labels, value: cells.sum, metricName: `${this.name}_sum` },
        { labels: {}, sharedLabels: labels, value: cells.count, metricName: `${this.name}_count` },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** As prom-client's Histogram answers it: each value's labels with the series labels spread in. */
  async get(): Promise<Exposed<MetricValueWithName<string>>> {
    const data = this.getForPromString();
    const values = data.values.map((v) => {
      const { sharedLabels, ...rest } = v as typeof v & { sharedLabels: Record<string, string> };
      return { ...rest, labels: { ...v.labels, ...sharedLabels } };
    });
    return { ...data, values };
  }
}
