// A subtask's output: one subpartition queue per consumer, one LocalBufferPool, availability and flushing.
import { LocalBufferPool, type WaitOptions } from '../buffer/local-buffer-pool.js';
import type { NetworkMemory } from '../memory/network-memory.js';
import { IO_METRIC, type TaskIoMetrics } from '../metrics/task-io-metrics.js';
import { END_OF_PARTITION_EVENT } from './events.js';
import { ResultSubpartition } from './result-subpartition.js';

/** What a producing thread needs to attach to a partition that the TaskManager allocated. */
export interface ResultPartitionDescriptor {
  poolId: number;
  /** One queue per subpartition, in subpartition order. */
  queueIds: number[];
}

/**
 * Flink's ResultPartition (BufferWritingResultPartition): the output of one subtask. Record writers fill
 * `subpartitions[i]` in place and call {@link requestNewBuffer} when one is full. The partition is
 * *available* while its pool can hand out a buffer and no subpartition is at max-buffers-per-channel; the
 * subtask's mailbox checks {@link isAvailable} before each record and otherwise awaits
 * {@link waitForAvailability}: soft backpressure. A record that needs a buffer while none is free
 * blocks the thread in {@link requestNewBuffer}: hard backpressure, as does a subpartition whose queue has
 * no free entry. All these waits are counted in the subtask's metrics while they last.
 *
 * Owned by: the producing subtask worker thread.
 */
export class ResultPartition {
  readonly subpartitions: ResultSubpartition[];
  readonly pool: LocalBufferPool;
  private available = true;
  private isFinished = false;

  constructor(
    readonly memory: NetworkMemory,
    readonly descriptor: ResultPartitionDescriptor,
    waitOptions: WaitOptions,
    private readonly metrics: TaskIoMetrics | null = null,
  ) {
    this.pool = new LocalBufferPool(memory, descriptor.poolId, waitOptions);
    this.subpartitions = descriptor.queueIds.map((queueId, index) => {
      const subpartition = new ResultSubpartition(memory, queueId, index);
      subpartition.onBlockedChange = (delta) => this.pool.addBlockedQueues(delta);
      subpartition.recycleEmpty = (segment) => this.pool.recycle(segment);
      subpartition.waitTimeoutMs = waitOptions.waitTimeoutMs;
      subpartition.metrics = metrics;
      return subpartition;
    });
  }

  get numSubpartitions(): number {
    return this.subpartitions.length;
  }

  /** Cached availability, recomputed whenever this thread takes a buffer or finishes waiting. */
  isAvailable(): boolean {
    return this.available;
  }

  /**
   * Waits until the pool can hand out a buffer and no subpartition is at its cap, without blocking the
   * event loop. The time is soft backpressure.
   */
  async waitForAvailability(): Promise<number> {
    this.metrics?.startTimer('softBackPressuredTimeMs'); // a wait in progress shows to readers on other threads
    try {
      const waitedMs = await this.pool.waitUntil();
      this.available = true;
      return waitedMs;
    } finally {
      this.metrics?.stopTimer('softBackPressuredTimeMs');
    }
  }

  /**
   * Finishes the subpartition's current buffer (if any) and gives it a fresh one, blocking the thread
   * while the pool is empty (hard backpressure).
   */
  requestNewBuffer(subpartition: ResultSubpartition): void {
    this.finishBuffer(subpartition);
    let segment = this.pool.requestSegment();
    if (segment < 0) {
      this.metrics?.startTimer('hardBackPressuredTimeMs'); // the TaskManager sees the thread blocked while it is
      try {
        segment = this.pool.requestSegmentBlocking();
      } finally {
        this.metrics?.stopTimer('hardBackPressuredTimeMs');
      }
    }
    subpartition.setBuffer(segment, this.pool.poolId);
    this.available = this.pool.isAvailable();
  }

  /** Makes everything written so far visible to consumers, leaving partly filled buffers in place. */
  flushAll(): void {
    for (const subpartition of this.subpartitions) subpartition.flush();
  }

  /** Adds an event to every subpartition after its pending data, flushing it at once. */
  broadcastEvent(payload: Uint8Array): void {
    for (const subpartition of this.subpartitions) this.addEvent(subpartition, payload);
  }

  /** Adds an event to one subpartition after its pending data, flushing it at once. */
  addEvent(subpartition: ResultSubpartition, payload: Uint8Array): void {
    this.countFinished(subpartition.finishBuffer());
    subpartition.addEvent(payload);
  }

  /** Ends the partition: end-of-partition on every subpartition. Consumers finish once they read it. */
  finish(): void {
    if (this.isFinished) return;
    this.broadcastEvent(END_OF_PARTITION_EVENT);
    for (const subpartition of this.subpartitions) subpartition.markFinished();
    this.isFinished = true;
  }

  /** Bytes written but not yet visible to consumers, over all subpartitions. */
  get numUnflushedBytes(): number {
    let total = 0;
    for (const subpartition of this.subpartitions) total += subpartition.numUnflushedBytes;
    return total;
  }

  private finishBuffer(subpartition: ResultSubpartition): void {
    this.countFinished(subpartition.finishBuffer());
  }

  private countFinished(bytes: number): void {
    if (bytes > 0 && this.metrics !== null) {
      this.metrics.values[IO_METRIC.numBytesOut] += bytes;
      this.metrics.values[IO_METRIC.numBuffersOut] += 1;
    }
  }
}
