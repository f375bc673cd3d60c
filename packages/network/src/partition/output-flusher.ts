// Flink's OutputFlusher: makes partly filled buffers visible every `execution.buffer-timeout` milliseconds.
import { performance } from 'node:perf_hooks';
import type { ResultPartition } from './result-partition.js';

/**
 * Flushes a subtask's partitions on a timer so that records do not wait for a full buffer at low load.
 * `bufferTimeoutMs` > 0 flushes at that interval; 0 asks the record writer to flush after every record
 * ({@link flushAlways}); -1 flushes only when buffers are full (and at events and the end).
 *
 * Flink runs the flusher on its own thread. Here it runs on the subtask's thread: a timer fires while the
 * mailbox waits, and the mailbox calls {@link maybeFlush} between batches while it is busy, so a busy
 * subtask still flushes on time.
 *
 * Owned by: the producing subtask worker thread.
 */
export class OutputFlusher {
  private timer: NodeJS.Timeout | undefined;
  private lastFlushMs = performance.now();

  constructor(private readonly partitions: ResultPartition[], readonly bufferTimeoutMs: number) {}

  /** True when the record writer must flush after every record (`execution.buffer-timeout: 0`). */
  get flushAlways(): boolean {
    return this.bufferTimeoutMs === 0;
  }

  /** Starts the timer (no-op for 0 and -1). */
  start(): void {
    if (this.bufferTimeoutMs > 0 && this.timer === undefined) {
      this.timer = setInterval(() => this.maybeFlush(performance.now()), this.bufferTimeoutMs);
      this.timer.unref();
    }
  }

  /** Flushes when the timeout has passed since the last flush; cheap enough to call per batch. */
  maybeFlush(nowMs: number): void {
    if (this.bufferTimeoutMs > 0 && nowMs - this.lastFlushMs >= this.bufferTimeoutMs) this.flushNow(nowMs);
  }

  /** Flushes every partition now. */
  flushNow(nowMs = performance.now()): void {
    this.lastFlushMs = nowMs;
    for (const partition of this.partitions) partition.flushAll();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
