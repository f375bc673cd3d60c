// Per-second rates of one subtask's cumulative counters over a sliding window of timed samples (Flink's MeterView and TimerGauge, in miniature). [pure]

import { TASK_COUNTERS, type TaskCounterName } from './metric-names.js';

/**
 * Length of the window rates are computed over. 5 s is Flink's metric update interval: long enough that one
 * slow record or a buffer-timeout flush does not swing a rate, short enough that the web UI follows a
 * throttle change within seconds (Flink itself averages over 60 s since 1.17).
 */
export const DEFAULT_METRICS_WINDOW_MS = 5_000;

/** Cumulative values of one subtask at one moment, as `TaskIoMetrics.read()` returns them (waits in progress included). */
export type TaskCounterValues = Record<TaskCounterName | 'idleTimeMs' | 'softBackPressuredTimeMs' | 'hardBackPressuredTimeMs', number>;

/** The rates the window yields: `…PerSecond` of every counter and the time gauges, ms/s. */
export type TaskRates = Record<`${TaskCounterName}PerSecond`, number> & {
  idleTimeMsPerSecond: number;
  softBackPressuredTimeMsPerSecond: number;
  hardBackPressuredTimeMsPerSecond: number;
  backPressuredTimeMsPerSecond: number;
  busyTimeMsPerSecond: number;
};

interface Sample {
  readonly atMs: number;
  readonly values: TaskCounterValues;
}

/**
 * A sliding window of samples of one subtask's counters. Each rate is the difference between the newest
 * sample and the oldest one still in the window, divided by the time between them. Times per second are
 * clamped to [0, 1000] and scaled down together if clocks or rounding make idle + backpressured exceed 1000;
 * busy is what remains, as Flink computes it (`1000 − idle − backPressured`).
 *
 * Owned by: the TaskManager main thread (one per running subtask).
 */
export class TaskMetricsWindow {
  readonly #windowMs: number;
  readonly #samples: Sample[] = [];

  /** @param windowMs - span of the window; default {@link DEFAULT_METRICS_WINDOW_MS}. */
  constructor(windowMs: number = DEFAULT_METRICS_WINDOW_MS) {
    this.#windowMs = windowMs;
  }

  /** Adds a sample taken at `atMs` (any monotonic ms clock; samples must come in time order). */
  add(atMs: number, values: TaskCounterValues): void {
    const last = this.#samples.at(-1);
    if (last !== undefined && atMs <= last.atMs) return;
    this.#samples.push({ atMs, values: { ...values } });
    // Keep the newest sample at or before the window's start, so the window always spans ≥ windowMs once full.
    while (this.#samples.length > 2 && this.#samples[1].atMs <= atMs - this.#windowMs) this.#samples.shift();
  }

  /** Milliseconds between the oldest and newest samples (0 with fewer than two). */
  get spanMs(): number {
    return this.#samples.length < 2 ? 0 : this.#samples.at(-1)!.atMs - this.#samples[0].atMs;
  }

  /** The rates over the window, or null until two samples exist. */
  rates(): TaskRates | null {
    const spanMs = this.spanMs;
    if (spanMs <= 0) return null;
    const oldest = this.#samples[0].values;
    const newest = this.#samples.at(-1)!.values;
    const perSecond = (name: keyof TaskCounterValues): number => Math.max(0, ((newest[name] - oldest[name]) / spanMs) * 1000);
    const rates = {} as TaskRates;
    for (const name of TASK_COUNTERS) rates[`${name}PerSecond`] = perSecond(name);
    let idle = Math.min(1000, perSecond('idleTimeMs'));
    let soft = Math.min(1000, perSecond('softBackPressuredTimeMs'));
    let hard = Math.min(1000, perSecond('hardBackPressuredTimeMs'));
    const waited = idle + soft + hard;
    if (waited > 1000) [idle, soft, hard] = [idle, soft, hard].map((ms) => (ms * 1000) / waited);
    rates.idleTimeMsPerSecond = idle;
    rates.softBackPressuredTimeMsPerSecond = soft;
    rates.hardBackPressuredTimeMsPerSecond = hard;
    rates.backPressuredTimeMsPerSecond = soft + hard;
    rates.busyTimeMsPerSecond = Math.max(0, 1000 - idle - soft - hard);
    return rates;
  }
}
