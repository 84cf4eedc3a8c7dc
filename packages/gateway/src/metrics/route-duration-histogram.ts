import type { Metric, MetricObjectWithValues, MetricValueWithName, Registry } from 'prom-client';

/** One route's observations: a count per bucket (not cumulative; the last is above every bound), sum and count. */
interface Series {
  readonly labels: { readonly route: string };
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

/** A value as prom-client's histogram hands it to the registry: its own labels, and the series' as shared ones. */
interface ExportedValue {
  readonly labels: Record<string, string | number>;
  readonly sharedLabels: { readonly route: string };
  readonly value: number;
  readonly metricName: string;
  readonly exemplar: null | undefined;
}

/**
 * A Prometheus histogram of request durations by route, registered in a prom-client registry and shown
 * exactly as prom-client's `Histogram` shows one (same lines, same order, same JSON). Observing is an
 * array index and two additions: prom-client's `observe` validates and hashes the labels and allocates
 * on every call, which the pipeline would pay once per request; here the work is done at scrape time.
 */
export class RouteDurationHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    /** Upper bounds in seconds, ascending. */
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  /** Counts one request of `route` that took `seconds`. */
  observe(route: string, seconds: number): void {
    let series = this.series.get(route);
    if (series === undefined) {
      series = { labels: { route }, counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
      this.series.set(route, series);
    }
    const bounds = this.bounds;
    let bucket = 0;
    while (bucket < bounds.length && seconds > (bounds[bucket] as number)) bucket++;
    (series.counts[bucket] as number)++;
    series.sum += seconds;
    series.count++;
  }

  /** What the registry's text exposition reads (prom-client's `getForPromString` shape). */
  getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    const values: ExportedValue[] = [];
    const bucketName = `${this.name}_bucket`;
    for (const series of this.series.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += series.counts[i] as number;
        values.push({ labels: { le: this.bounds[i] as number }, sharedLabels: series.labels, value: cumulative, metricName: bucketName, exemplar: null });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: series.labels, value: series.count, metricName: bucketName, exemplar: null });
      values.push({ labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${this.name}_sum`, exemplar: undefined });
      values.push({ labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_count`, exemplar: undefined });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator } as unknown as MetricObjectWithValues<MetricValueWithName<string>>);
  }

  /** What the registry's JSON reads (prom-client's `get`: the shared labels merged into each value's). */
  async get(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    const data = await this.getForPromString();
    const values = (data.values as unknown as ExportedValue[]).map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } }));
    return { ...data, values } as unknown as MetricObjectWithValues<MetricValueWithName<string>>;
  }

  reset(): void {
    this.series.clear();
  }
}
