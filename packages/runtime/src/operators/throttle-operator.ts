// Lets records through at a named, changeable rate, sleeping the subtask like Flink's experiment did with Thread.sleep().
import { performance } from 'node:perf_hooks';
import { RatePacer } from './rate-pacer.js';
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
  private pacer!: RatePacer;
  /** Records let through since the last look at the clock. */
  private unpaced = 0;

  constructor(private readonly name: string, private readonly recordsPerSecond: number, private readonly output: Output<T>) {}

  open(context: OperatorContext): void {
    this.pacer = new RatePacer(context, this.name, this.recordsPerSecond);
    this.pacer.update(performance.now());
  }

  processElement(record: T): void {
    if (this.unpaced >= CHECK_EVERY) this.pace();
    this.unpaced++;
    this.output.collect(record);
  }

  /** Counts the records let through since the last look, then sleeps until the next one is due. */
  private pace(): void {
    const now = performance.now();
    const pacer = this.pacer;
    // Counted before the rate is read: records that went at an old rate do not count against a new one.
    pacer.record(this.unpaced);
    this.unpaced = 0;
    pacer.update(now);
    const delayMs = pacer.delayMs(now);
    if (delayMs > 0) Atomics.wait(SLEEP_WORD, 0, 0, delayMs);
  }

  close(): void {}
}
