// How backpressured a subtask and a vertex are, from their time gauges: Flink's ratios and its ok/low/high levels. [pure]

import type { BackPressureLevel } from '../rest/rest-types.js';

export type { BackPressureLevel };

/** A ratio up to this is `ok` (Flink's threshold since FLINK-3310, unchanged). */
export const BACKPRESSURE_LOW_THRESHOLD = 0.1;
/** A ratio up to this (and above {@link BACKPRESSURE_LOW_THRESHOLD}) is `low`; above it, `high`. */
export const BACKPRESSURE_HIGH_THRESHOLD = 0.5;

/** The level of a backpressure ratio: ok ≤ 0.10 < low ≤ 0.50 < high. */
export function backPressureLevelOf(ratio: number): BackPressureLevel {
  if (ratio <= BACKPRESSURE_LOW_THRESHOLD) return 'ok';
  return ratio <= BACKPRESSURE_HIGH_THRESHOLD ? 'low' : 'high';
}

/** One subtask's shares of time, each in [0, 1]: backpressured (`ratio`), idle and busy. */
export interface SubtaskTimeRatios {
  ratio: number;
  idleRatio: number;
  busyRatio: number;
}

const clamp01 = (value: number): number => Math.min(1, Math.max(0, value));

/**
 * The time ratios of a subtask from its `…TimeMsPerSecond` gauges (÷ 1000, as Flink's handler does), or null
 * when it reported none (not running yet, or finished).
 */
export function timeRatiosOf(metrics: Readonly<Record<string, number | null>>): SubtaskTimeRatios | null {
  const backPressured = metrics.backPressuredTimeMsPerSecond;
  const idle = metrics.idleTimeMsPerSecond;
  const busy = metrics.busyTimeMsPerSecond;
  if (typeof backPressured !== 'number' || typeof idle !== 'number' || typeof busy !== 'number') return null;
  return { ratio: clamp01(backPressured / 1000), idleRatio: clamp01(idle / 1000), busyRatio: clamp01(busy / 1000) };
}
