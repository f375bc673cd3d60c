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

/** The time counters a wait adds to: idle (waiting for input), soft and hard backpressure (waiting for output). */
export type TimedIoMetricName = 'idleTimeMs' | 'softBackPressuredTimeMs' | 'hardBackPressuredTimeMs';

/** Slots holding the epoch ms at which the wait now running began (0: none runs). Not counters: not in snapshots. */
const SINCE_SLOT: Record<TimedIoMetricName, number> = { idleTimeMs: 12, softBackPressuredTimeMs: 13, hardBackPressuredTimeMs: 14 };
const TIMED_NAMES = Object.keys(SINCE_SLOT) as TimedIoMetricName[];
const NUM_SLOTS = 16;
/** Int32 index of the sequence word (seqlock) guarding timer starts and stops: the last 8-byte slot. */
const SEQ_INDEX = (NUM_SLOTS - 1) * 2;
/** Reads {@link TaskIoMetrics.read} retries while a timer changes under it, before taking what it has. */
const MAX_READ_ATTEMPTS = 100;

/** Milliseconds since the epoch at sub-millisecond resolution; comparable between the threads of one process. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Monotonic counters of one subtask: records, bytes and buffers in and out, and milliseconds idle and
 * backpressured (soft: waiting for output availability; hard: blocked inside a buffer request or on a full subpartition queue). Busy time
 * is what remains of the wall-clock time, as in Flink. The subtask thread is the only writer, so plain
 * Float64 stores suffice (aligned 8-byte stores do not tear on the platforms Node runs on); readers on
 * other threads see values at most a moment old.
 *
 * Waits are timed with {@link startTimer}/{@link stopTimer}, which also leave the start of the running wait
 * in shared memory, so {@link read} counts a wait in progress (Flink's TimerGauge does the same): a subtask
 * idle for a minute reads as idle during that minute, not only once the wait ends. A sequence word (a
 * seqlock: odd while a timer changes) lets readers on other threads see each start/stop whole.
 *
 * Owned by: the subtask worker thread (writer); any thread of the TaskManager may read.
 */
export class TaskIoMetrics {
  readonly values: Float64Array;
  /** The same memory as 32-bit words, for the sequence word. */
  private readonly seq: Int32Array;

  constructor(readonly sab: SharedArrayBuffer) {
    this.values = new Float64Array(sab, 0, NUM_SLOTS);
    this.seq = new Int32Array(sab, 0, NUM_SLOTS * 2);
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

  /** Starts timing a wait of kind `name` (idle, soft or hard backpressure); {@link stopTimer} adds it to the counter. */
  startTimer(name: TimedIoMetricName): void {
    const seq = this.seq;
    Atomics.add(seq, SEQ_INDEX, 1);
    this.values[SINCE_SLOT[name]] = epochMs();
    Atomics.add(seq, SEQ_INDEX, 1);
  }

  /**
   * Ends the wait begun by {@link startTimer} and adds its length to counter `name`.
   * @returns the milliseconds added (0 when no wait of that kind was running)
   */
  stopTimer(name: TimedIoMetricName): number {
    const since = this.values[SINCE_SLOT[name]];
    if (since === 0) return 0;
    const elapsedMs = Math.max(0, epochMs() - since);
    const seq = this.seq;
    Atomics.add(seq, SEQ_INDEX, 1);
    this.values[IO_METRIC[name]] += elapsedMs;
    this.values[SINCE_SLOT[name]] = 0;
    Atomics.add(seq, SEQ_INDEX, 1);
    return elapsedMs;
  }

  /**
   * Every counter as of `nowMs` (epoch ms), the waits running now included in their time counters. Safe to
   * call from any thread of the process.
   */
  read(nowMs: number = epochMs()): Record<IoMetricName, number> {
    const seq = this.seq;
    for (let attempt = 1; ; attempt++) {
      const before = Atomics.load(seq, SEQ_INDEX);
      const out = this.snapshot();
      const since = TIMED_NAMES.map((name) => this.values[SINCE_SLOT[name]]);
      const isConsistent = (before & 1) === 0 && Atomics.load(seq, SEQ_INDEX) === before;
      if (isConsistent || attempt >= MAX_READ_ATTEMPTS) {
        TIMED_NAMES.forEach((name, i) => {
          if (since[i] > 0) out[name] += Math.max(0, nowMs - since[i]);
        });
        return out;
      }
    }
  }

  /** A plain copy of every counter, for reporting (waits in progress left out; see {@link read}). */
  snapshot(): Record<IoMetricName, number> {
    const out = {} as Record<IoMetricName, number>;
    for (const [name, slot] of Object.entries(IO_METRIC)) out[name as IoMetricName] = this.values[slot];
    return out;
  }
}
