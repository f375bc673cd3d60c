// A subtask's I/O counters in shared memory: written by the subtask thread, read by its TaskManager without messages.
import { performance } from 'node:perf_hooks';

/** Slots of the counter array; names follow Flink's task metrics. */
export const IO_METRIC = {
  numRecordsIn: 0,
  numRecordsOut: 1,
  numBytesInLocal: 2,
  numBytesInRemote: 3,
  numBytesOut: 4,
  numBuffersIn: 5,
  numBuffersOut: 6,
  idleTimeMs: 7,
  softBackPressuredTimeMs: 8,
  hardBackPressuredTimeMs: 9,
  startTimeMs: 10,
  /** Time origin of the subtask thread (performance.timeOrigin), so readers can compare clocks. */
  timeOrigin: 11,
} as const;

export type IoMetricName = keyof typeof IO_METRIC;
const NUM_SLOTS = 16;

/**
 * Monotonic counters of one subtask: records, bytes and buffers in and out, and milliseconds idle and
 * backpressured (soft: waiting for output availability; hard: blocked inside a buffer request). Busy time
 * is what remains of the wall-clock time, as in Flink. The subtask thread is the only writer, so plain
 * Float64 stores suffice (aligned 8-byte stores do not tear on the platforms Node runs on); readers on
 * other threads see values at most a moment old.
 *
 * Owned by: the subtask worker thread (writer); any thread of the TaskManager may read.
 */
export class TaskIoMetrics {
  readonly values: Float64Array;

  constructor(readonly sab: SharedArrayBuffer) {
    this.values = new Float64Array(sab, 0, NUM_SLOTS);
  }

  /** Allocates a fresh, zeroed set of counters. */
  static create(): TaskIoMetrics {
    const metrics = new TaskIoMetrics(new SharedArrayBuffer(NUM_SLOTS * 8));
    metrics.values[IO_METRIC.startTimeMs] = performance.timeOrigin + performance.now();
    return metrics;
  }

  add(name: IoMetricName, delta: number): void {
    this.values[IO_METRIC[name]] += delta;
  }

  get(name: IoMetricName): number {
    return this.values[IO_METRIC[name]];
  }

  /** A plain copy of every counter, for reporting. */
  snapshot(): Record<IoMetricName, number> {
    const out = {} as Record<IoMetricName, number>;
    for (const [name, slot] of Object.entries(IO_METRIC)) out[name as IoMetricName] = this.values[slot];
    return out;
  }
}
