// Turns the heartbeat-dated cumulative counters of producer and consumer into rates, phase levels and reaction times.
import type { CounterPoint } from './metrics-sampler.js';

/** A stretch of the run with a name, e.g. a phase or its steady part. */
export interface Interval {
  readonly startMs: number;
  readonly endMs: number;
}

/** Rates of both vertices over one sample interval (the CSV's rows, the chart's lines). */
export interface RateSample {
  /** Start of the interval, epoch ms. */
  readonly atMs: number;
  readonly durationMs: number;
  readonly producerPerSec: number;
  readonly consumerPerSec: number;
  /** Producer's soft + hard backpressured time per second of the interval (Flink's backPressuredTimeMsPerSecond). */
  readonly producerBackPressuredMsPerSec: number;
  /**
   * Data the producer has written and the consumer has not read, at the end of the interval, in buffers (bytes
   * / segment size). The producer counts a buffer's bytes when it finishes the buffer, so the buffer being
   * filled is left out (and where the consumer already read part of it, the figure dips up to one below).
   */
  readonly inFlightBuffers: number;
}

/**
 * The value of cumulative counter `key` at `atMs`, interpolated linearly between the two heartbeats around it
 * (clamped to the first and last). Counters are cumulative, so differences of this are exact over any interval
 * whose ends fall on heartbeats, and spread evenly in between.
 */
export function valueAt(points: readonly CounterPoint[], key: string, atMs: number): number {
  if (points.length === 0) return 0;
  if (atMs <= points[0].atMs) return points[0].metrics[key] ?? 0;
  let lo = 0;
  let hi = points.length - 1;
  if (atMs >= points[hi].atMs) return points[hi].metrics[key] ?? 0;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (points[mid].atMs <= atMs) lo = mid;
    else hi = mid;
  }
  const [a, b] = [points[lo], points[hi]];
  const [va, vb] = [a.metrics[key] ?? 0, b.metrics[key] ?? 0];
  return va + ((vb - va) * (atMs - a.atMs)) / (b.atMs - a.atMs);
}

/** Sum of several cumulative counters at `atMs` (e.g. soft + hard backpressured time). */
export function sumAt(points: readonly CounterPoint[], keys: readonly string[], atMs: number): number {
  let sum = 0;
  for (const key of keys) sum += valueAt(points, key, atMs);
  return sum;
}

/** Average per-second rate of cumulative counter(s) `keys` over `interval`. */
export function rateOver(points: readonly CounterPoint[], keys: string | readonly string[], interval: Interval): number {
  const list = typeof keys === 'string' ? [keys] : keys;
  const seconds = (interval.endMs - interval.startMs) / 1000;
  return seconds <= 0 ? 0 : (sumAt(points, list, interval.endMs) - sumAt(points, list, interval.startMs)) / seconds;
}

/** The counters the samples are made of. */
export interface SampleKeys {
  readonly producerRecords: string;
  readonly consumerRecords: string;
  readonly producerBackPressure: readonly string[];
  readonly producerBytes: string;
  readonly consumerBytes: readonly string[];
  /** Bytes per network buffer, to count the bytes in flight in buffers. */
  readonly segmentSizeBytes: number;
}

/**
 * Cuts `[startMs, endMs)` into intervals of `stepMs` and measures both rates, the producer's backpressured time
 * and the buffers in flight over each. A last interval shorter than half a step is left out.
 */
export function sampleRates(
  producer: readonly CounterPoint[],
  consumer: readonly CounterPoint[],
  keys: SampleKeys,
  startMs: number,
  endMs: number,
  stepMs: number,
): RateSample[] {
  const samples: RateSample[] = [];
  for (let at = startMs; endMs - at >= stepMs / 2; at += stepMs) {
    const interval = { startMs: at, endMs: Math.min(endMs, at + stepMs) };
    samples.push({
      atMs: at,
      durationMs: interval.endMs - interval.startMs,
      producerPerSec: rateOver(producer, keys.producerRecords, interval),
      consumerPerSec: rateOver(consumer, keys.consumerRecords, interval),
      producerBackPressuredMsPerSec: rateOver(producer, keys.producerBackPressure, interval),
      inFlightBuffers: (valueAt(producer, keys.producerBytes, interval.endMs) - sumAt(consumer, keys.consumerBytes, interval.endMs)) / keys.segmentSizeBytes,
    });
  }
  return samples;
}

/** A reaction time and how it was bounded. */
export interface Reaction {
  /** Estimated ms from the change until the producer's rate is within 10 % of its new level; null: never in the phase. */
  readonly estimateMs: number | null;
  /** The same, read off whole heartbeat intervals: the end of the last interval not yet within 10 % (an upper bound). */
  readonly upperBoundMs: number | null;
}

/** Tolerance of "at its new level": within 10 % of it. */
export const REACTION_TOLERANCE = 0.1;
/** Heartbeat intervals a rate is averaged over to judge it at its new level (300 ms: one 100 ms interval is noisy at full speed). */
export const REACTION_WINDOW_INTERVALS = 3;

/**
 * How long after `changeMs` the rate of `key` reached `newLevel` (per second, within 10 %), from the
 * heartbeat-dated points up to `untilMs`.
 *
 * The transition is over at the first heartbeat from which the rate over the next
 * {@link REACTION_WINDOW_INTERVALS} intervals is within 10 % of the new level (the upper bound). The interval
 * just before that heartbeat (or, if the change's own interval already starts such a window, that one) holds
 * the end of the switch: treating it as a step from the rate before it (`oldLevel` for the change's own
 * interval) to `newLevel`, its average rate tells where in the interval the step happened (the estimate).
 * Without that interpolation the answer could only be read to the heartbeat interval (100 ms); both are returned.
 */
export function reactionTime(
  points: readonly CounterPoint[],
  key: string,
  changeMs: number,
  oldLevel: number,
  newLevel: number,
  untilMs: number,
): Reaction {
  const value = (k: number): number => points[k].metrics[key] ?? 0;
  const rateBetween = (from: number, to: number): number => (value(to) - value(from)) / ((points[to].atMs - points[from].atMs) / 1000);
  const isNearFrom = (k: number): boolean => {
    const to = Math.min(points.length - 1, k + REACTION_WINDOW_INTERVALS);
    return to > k && points[to].atMs <= untilMs && Math.abs(rateBetween(k, to) - newLevel) <= REACTION_TOLERANCE * newLevel;
  };
  // `first` ends the interval holding the change: [points[first - 1], points[first]].
  const first = points.findIndex((point, k) => k > 0 && point.atMs > changeMs);
  if (first < 0) return { estimateMs: null, upperBoundMs: null };
  for (let k = first - 1; k < points.length && points[k].atMs <= untilMs; k++) {
    if (!isNearFrom(k)) continue;
    // Interval j (ending at points[j]) holds the end of the switch.
    const j = Math.max(first, k);
    const [from, to] = [points[j - 1].atMs, points[j].atMs];
    const before = j === first ? oldLevel : rateBetween(j - 2, j - 1);
    const share = before === newLevel ? 0 : (rateBetween(j - 1, j) - newLevel) / (before - newLevel); // share of the interval still at `before`
    const switchMs = Math.min(to, Math.max(from, changeMs, from + (to - from) * Math.min(1, Math.max(0, share))));
    const upperBoundMs = Math.max(changeMs, points[k].atMs) - changeMs;
    return { estimateMs: Math.max(0, Math.min(switchMs - changeMs, upperBoundMs)), upperBoundMs };
  }
  return { estimateMs: null, upperBoundMs: null };
}

/** Mean and maximum of `values` (0 for none). */
export function meanAndMax(values: readonly number[]): { mean: number; max: number } {
  if (values.length === 0) return { mean: 0, max: 0 };
  let sum = 0;
  let max = -Infinity;
  for (const value of values) {
    sum += value;
    if (value > max) max = value;
  }
  return { mean: sum / values.length, max };
}
