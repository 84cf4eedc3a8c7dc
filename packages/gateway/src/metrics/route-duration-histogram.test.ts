import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { RouteDurationHistogram } from './route-duration-histogram.js';

const bounds = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The same observations into prom-client's own histogram and into ours, each in a registry of its own. */
function both(observations: readonly (readonly [string, number])[]): { theirs: Registry; ours: Registry; histogram: RouteDurationHistogram } {
  const theirs = new Registry();
  const reference = new Histogram({ name: 'portier_request_duration_seconds', help: 'Time from request to the end of the answer, by route.', labelNames: ['route'], buckets: bounds, registers: [theirs] });
  const ours = new Registry();
  const histogram = new RouteDurationHistogram('portier_request_duration_seconds', 'Time from request to the end of the answer, by route.', bounds, ours);
  for (const [route, seconds] of observations) {
    reference.labels(route).observe(seconds);
    histogram.observe(route, seconds);
  }
  return { theirs, ours, histogram };
}

describe('route duration histogram', () => {
  // Below the first bound, on bounds (an upper bound is inclusive), between them, above the last, and
  // routes first seen in an interleaved order, with label values the exposition must escape.
  const observations: (readonly [string, number])[] = [
    ['rows', 0.0003],
    ['rows', 0.0005],
    ['quote"d\\route', 0.0031],
    ['rows', 0.012],
    ['(none)', 31],
    ['rows', 30],
    ['quote"d\\route', 0.1],
    ['rows', 2.5000001],
    ['(none)', 0],
  ];

  it('is exposed exactly as prom-client exposes its own histogram, in text and in JSON', async () => {
    const { theirs, ours } = both(observations);
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain('portier_request_duration_seconds_bucket{le="0.0005",route="rows"} 2');
    expect(text).toContain('portier_request_duration_seconds_count{route="(none)"} 2');
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });

  it('shows nothing but its help and type before the first observation, and after a reset', async () => {
    const { theirs, ours } = both([]);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    const after = both(observations);
    after.histogram.reset();
    expect(await after.ours.metrics()).toBe(await theirs.metrics());
  });

  it('keeps counting across scrapes (a histogram is cumulative)', async () => {
    const { theirs, ours, histogram } = both(observations.slice(0, 4));
    await ours.metrics();
    const reference = theirs.getSingleMetric('portier_request_duration_seconds') as Histogram<'route'>;
    for (const [route, seconds] of observations.slice(4)) {
      reference.labels(route).observe(seconds);
      histogram.observe(route, seconds);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });
});
