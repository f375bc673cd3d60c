// TaskMetricsWindow and the backpressure levels: rates over a sliding window, times that add up to 1000 ms/s, Flink's thresholds.
import { describe, expect, it } from 'vitest';
import { backPressureLevelOf, timeRatiosOf } from '../../src/metrics/backpressure.js';
import { TaskMetricsWindow, type TaskCounterValues } from '../../src/metrics/task-metrics-window.js';

function counters(values: Partial<TaskCounterValues> = {}): TaskCounterValues {
  return {
    numRecordsIn: 0, numRecordsOut: 0, numBytesInLocal: 0, numBytesInRemote: 0, numBytesOut: 0, numBuffersIn: 0, numBuffersOut: 0,
    idleTimeMs: 0, softBackPressuredTimeMs: 0, hardBackPressuredTimeMs: 0, ...values,
  };
}

describe('TaskMetricsWindow', () => {
  it('has no rates until it holds two samples', () => {
    const window = new TaskMetricsWindow(5000);
    expect(window.rates()).toBeNull();
    window.add(1000, counters());
    expect(window.rates()).toBeNull();
  });

  it('turns counter differences into per-second rates and splits each second into idle, backpressured and busy', () => {
    const window = new TaskMetricsWindow(5000);
    window.add(0, counters());
    window.add(2000, counters({ numRecordsIn: 10_000, numBytesOut: 4096, idleTimeMs: 500, softBackPressuredTimeMs: 800, hardBackPressuredTimeMs: 200 }));
    const rates = window.rates()!;
    expect(rates.numRecordsInPerSecond).toBe(5000);
    expect(rates.numBytesOutPerSecond).toBe(2048);
    expect(rates.idleTimeMsPerSecond).toBe(250);
    expect(rates.softBackPressuredTimeMsPerSecond).toBe(400);
    expect(rates.hardBackPressuredTimeMsPerSecond).toBe(100);
    expect(rates.backPressuredTimeMsPerSecond).toBe(500);
    expect(rates.busyTimeMsPerSecond).toBe(250);
  });

  it('slides: rates cover the last window only, from the newest sample at or before its start', () => {
    const window = new TaskMetricsWindow(3000);
    window.add(0, counters({ numRecordsOut: 0 }));
    window.add(1000, counters({ numRecordsOut: 1_000_000 })); // a burst long ago
    for (let t = 2000; t <= 6000; t += 1000) window.add(t, counters({ numRecordsOut: 1_000_000 + (t - 1000) }));
    expect(window.spanMs).toBe(3000);
    expect(window.rates()!.numRecordsOutPerSecond).toBe(1000);
  });

  it('scales the waits down together when clocks make them exceed a second, so busy is never negative', () => {
    const window = new TaskMetricsWindow(5000);
    window.add(0, counters());
    window.add(1000, counters({ idleTimeMs: 900, softBackPressuredTimeMs: 300 }));
    const rates = window.rates()!;
    expect(rates.idleTimeMsPerSecond + rates.backPressuredTimeMsPerSecond + rates.busyTimeMsPerSecond).toBeCloseTo(1000, 6);
    expect(rates.busyTimeMsPerSecond).toBe(0);
    expect(rates.idleTimeMsPerSecond / rates.backPressuredTimeMsPerSecond).toBeCloseTo(3, 6);
  });

  it('ignores a sample that is not newer than the last one', () => {
    const window = new TaskMetricsWindow(5000);
    window.add(1000, counters());
    window.add(1000, counters({ numRecordsIn: 99 }));
    expect(window.rates()).toBeNull();
  });
});

describe('backpressure levels', () => {
  it("uses Flink's thresholds: ok ≤ 0.10 < low ≤ 0.50 < high", () => {
    expect([0, 0.1, 0.1001, 0.5, 0.5001, 1].map(backPressureLevelOf)).toEqual(['ok', 'ok', 'low', 'low', 'high', 'high']);
  });

  it('derives ratios from the ms/s gauges, clamped to [0, 1], and none without them', () => {
    expect(timeRatiosOf({ backPressuredTimeMsPerSecond: 930, idleTimeMsPerSecond: 20, busyTimeMsPerSecond: 50 })).toEqual({ ratio: 0.93, idleRatio: 0.02, busyRatio: 0.05 });
    expect(timeRatiosOf({ backPressuredTimeMsPerSecond: 1200, idleTimeMsPerSecond: -3, busyTimeMsPerSecond: 0 })).toEqual({ ratio: 1, idleRatio: 0, busyRatio: 0 });
    expect(timeRatiosOf({ numRecordsIn: 5 })).toBeNull();
  });
});
