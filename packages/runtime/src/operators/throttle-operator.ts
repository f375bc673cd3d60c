// Lets records through at a named, changeable rate, sleeping the subtask like Flink's experiment did with Thread.sleep().
import { performance } from 'node:perf_hooks';
import type { OperatorContext, Output, StreamOperator } from './stream-operator.js';

/** Records between two looks at the clock. */
const CHECK_EVERY = 64;
const SLEEP_WORD = new Int32Array(new SharedArrayBuffer(4));

/**
 * An identity operator with a rate limit: at most `recordsPerSecond / parallelism` records per second
 * pass this subtask. When ahead of its rate it sleeps the thread (a synchronous wait, counted as busy time,
 * exactly like the `Thread.sleep()` of Flink's 2015 backpressure experiment), so upstream fills up and is
 * backpressured. The job's throttle of the same name overrides the rate while the job runs.
 *
 * Owned by: one subtask worker thread.
 */
export class ThrottleOperator<T> implements StreamOperator<T> {
  private context!: OperatorContext;
  private ratePerSubtask = Infinity;
  private originMs = 0;
  private passed = 0;
  private sinceCheck = 0;

  constructor(private readonly name: string, private readonly recordsPerSecond: number, private readonly output: Output<T>) {}

  open(context: OperatorContext): void {
    this.context = context;
    this.updateRate(performance.now());
  }

  processElement(record: T): void {
    if (++this.sinceCheck >= CHECK_EVERY) {
      this.sinceCheck = 0;
      this.pace();
    }
    this.passed++;
    this.output.collect(record);
  }

  private pace(): void {
    const now = performance.now();
    this.updateRate(now);
    if (this.ratePerSubtask === Infinity) return;
    const dueMs = this.originMs + (this.passed / this.ratePerSubtask) * 1000;
    if (dueMs > now) Atomics.wait(SLEEP_WORD, 0, 0, dueMs - now);
  }

  private updateRate(now: number): void {
    const total = this.context.throttles.get(this.name) ?? this.recordsPerSecond;
    const perSubtask = total / this.context.parallelism;
    if (perSubtask !== this.ratePerSubtask) {
      this.ratePerSubtask = perSubtask;
      this.originMs = now;
      this.passed = 0;
    }
  }

  endInput(): void {}
  close(): void {}
}
