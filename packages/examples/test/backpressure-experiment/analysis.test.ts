// Tests of the experiment's arithmetic on made-up heartbeats: interpolation, rates, samples and reaction times.
import { describe, expect, it } from 'vitest';
import { rateOver, reactionTime, sampleRates, valueAt } from '../../src/backpressure-experiment/analysis.js';
import type { CounterPoint } from '../../src/backpressure-experiment/metrics-sampler.js';

/** Heartbeats every `everyMs` from 0 to `untilMs` of a counter growing at `rateAt(t)` records per second. */
function heartbeats(rateAt: (ms: number) => number, untilMs: number, everyMs = 100, key = 'n'): CounterPoint[] {
  const points: CounterPoint[] = [];
  let value = 0;
  for (let t = 0, last = 0; t <= untilMs; t += everyMs) {
    for (let ms = last; ms < t; ms++) value += rateAt(ms) / 1000; // integrate in 1 ms steps
    last = t;
    points.push({ atMs: t, metrics: { [key]: value, b: 2 * value } });
  }
  return points;
}

describe('valueAt', () => {
  it('interpolates linearly between heartbeats and clamps outside them', () => {
    const points: CounterPoint[] = [{ atMs: 100, metrics: { n: 10 } }, { atMs: 200, metrics: { n: 30 } }];
    expect(valueAt(points, 'n', 150)).toBe(20);
    expect(valueAt(points, 'n', 0)).toBe(10);
    expect(valueAt(points, 'n', 500)).toBe(30);
    expect(valueAt([], 'n', 5)).toBe(0);
  });
});

describe('rateOver', () => {
  it('measures a steady rate over any interval, summing several counters', () => {
    const points = heartbeats(() => 1000, 2000, 97);
    expect(rateOver(points, 'n', { startMs: 130, endMs: 1730 })).toBeCloseTo(1000, 6);
    expect(rateOver(points, ['n', 'b'], { startMs: 0, endMs: 1940 })).toBeCloseTo(3000, 6);
  });
});

describe('sampleRates', () => {
  it('cuts the span into steps, leaves out a short last one, and counts buffers in flight', () => {
    // 24 bytes per record; the consumer is 3 buffers of 1 KiB behind.
    const producer = heartbeats(() => 2000, 1000).map((p) => ({ atMs: p.atMs, metrics: { out: p.metrics.n, bytes: p.metrics.n * 24 } }));
    const consumer = heartbeats(() => 2000, 1000).map((p) => ({ atMs: p.atMs, metrics: { in: p.metrics.n, local: p.metrics.n * 24 - 3072 } }));
    const keys = { producerRecords: 'out', consumerRecords: 'in', producerBackPressure: ['none'], producerBytes: 'bytes', consumerBytes: ['local', 'remote'], segmentSizeBytes: 1024 };
    const samples = sampleRates(producer, consumer, keys, 0, 1040, 100);
    expect(samples).toHaveLength(10);
    expect(samples[3].producerPerSec).toBeCloseTo(2000, 6);
    expect(samples[3].inFlightBuffers).toBeCloseTo(3, 6);
    expect(sampleRates(producer, consumer, keys, 0, 1060, 100)).toHaveLength(11);
  });
});

describe('reactionTime', () => {
  const rate = (switchMs: number) => (ms: number) => (ms < switchMs ? 10_000 : 3_000);

  it('finds a step inside a heartbeat interval to the millisecond', () => {
    const points = heartbeats(rate(1180), 3000);
    const reaction = reactionTime(points, 'n', 1130, 10_000, 3_000, 3000);
    expect(reaction.estimateMs).toBeCloseTo(50, 0);
    expect(reaction.upperBoundMs).toBe(70); // end of the interval [1100, 1200] that still holds the old rate
  });

  it('is about zero when the producer follows at once, and bounded by the next heartbeat', () => {
    const points = heartbeats(rate(1030), 3000);
    const reaction = reactionTime(points, 'n', 1030, 10_000, 3_000, 3000);
    expect(reaction.estimateMs).toBeLessThan(2);
    expect(reaction.upperBoundMs).toBe(70);
  });

  it('during a slow ramp, waits until the rate over the next 300 ms is within 10 %', () => {
    // From 10 000/s down to 3 000/s linearly over 600 ms starting at 1000 ms: [1500, 1800] averages 3 194/s.
    const ramp = (ms: number) => (ms < 1000 ? 10_000 : ms < 1600 ? 10_000 - (7_000 * (ms - 1000)) / 600 : 3_000);
    const reaction = reactionTime(heartbeats(ramp, 3000), 'n', 1000, 10_000, 3_000, 3000);
    expect(reaction.estimateMs).toBeGreaterThan(400);
    expect(reaction.estimateMs).toBeLessThanOrEqual(500);
    expect(reaction.upperBoundMs).toBe(500);
  });

  it('judges the new level over 300 ms, so one noisy heartbeat interval does not delay it', () => {
    // At once to ±15 % noise around 3 000/s, alternating: each 100 ms interval alone is outside 10 %.
    const noisy = (ms: number) => (ms < 1000 ? 10_000 : Math.floor(ms / 100) % 2 === 0 ? 3_450 : 2_550);
    const reaction = reactionTime(heartbeats(noisy, 3000), 'n', 1000, 10_000, 3_000, 3000);
    expect(reaction.estimateMs).toBeLessThan(5);
    expect(reaction.upperBoundMs).toBeLessThanOrEqual(100);
  });

  it('reports never when the rate does not reach the new level before the end', () => {
    const reaction = reactionTime(heartbeats(() => 10_000, 3000), 'n', 1000, 10_000, 3_000, 3000);
    expect(reaction).toEqual({ estimateMs: null, upperBoundMs: null });
  });
});
