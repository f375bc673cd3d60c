// Paces records to a rate that the job's named throttle may change while it runs.
import type { OperatorContext } from './stream-operator.js';

/**
 * Paces this subtask's share of a rate: `ratePerSecond / parallelism` records per second, or what the job's
 * throttle `name` says once set (REST `PATCH /jobs/:id/throttles`). The n-th record since the rate was set is
 * due n intervals after that (never early, so the rate is an upper bound); the accounting is cumulative, so a
 * caller that fell behind (backpressure, a late first record) catches up at full speed.
 * `Infinity` is unthrottled; a rate is never 0 (the API and REST take only rates > 0).
 *
 * The pacer never waits itself: the caller decides how, since a source waits idle in its mailbox and a throttle
 * sleeps its thread (busy, like Flink's `Thread.sleep()`). The clock comes in as `nowMs` (`performance.now()`).
 *
 * Owned by: the subtask thread.
 */
export class RatePacer {
  private ratePerSubtask = Infinity;
  // Accounting starts over whenever the rate changes, so a change takes effect at once: no debt or credit
  // carried over from the old rate.
  private originMs = 0;
  private counted = 0;

  constructor(
    private readonly context: Pick<OperatorContext, 'throttles' | 'parallelism'>,
    private readonly name: string | undefined,
    private readonly ratePerSecond: number,
  ) {}

  /** Takes the current rate (the throttle overrides the initial one); a changed rate re-bases the clock at `nowMs`. */
  update(nowMs: number): void {
    const named = this.name === undefined ? undefined : this.context.throttles.get(this.name);
    const perSubtask = (named ?? this.ratePerSecond) / this.context.parallelism;
    if (perSubtask === this.ratePerSubtask) return;
    this.ratePerSubtask = perSubtask;
    this.originMs = nowMs;
    this.counted = 0;
  }

  /** Records that may go at `nowMs`: Infinity when unthrottled, 0 or less when ahead of the rate. */
  allowance(nowMs: number): number {
    if (this.ratePerSubtask === Infinity) return Infinity;
    return Math.floor(((nowMs - this.originMs) / 1000) * this.ratePerSubtask) - this.counted;
  }

  /** Ms from `nowMs` until the next record is due: 0 or less when it is due now (always when unthrottled). */
  delayMs(nowMs: number): number {
    if (this.ratePerSubtask === Infinity) return 0;
    return this.originMs + ((this.counted + 1) / this.ratePerSubtask) * 1000 - nowMs;
  }

  /** Counts records that went. */
  record(count: number): void {
    this.counted += count;
  }
}
