// The producer side of one subpartition queue in shared memory: the buffer being written, flush, finish, events.
import { NetworkError } from '../errors.js';
import {
  E_COMMITTED, INDEX_MASK, E_EVENT_LENGTH, E_EVENT_PAYLOAD, E_FINISHED, E_KIND, E_POOL, E_SEGMENT, ENTRY_WORDS, KIND_DATA,
  KIND_EVENT, MAX_INLINE_EVENT_BYTES, Q_BACKLOG, Q_CONSUMER_SIGNAL, Q_FLAGS, Q_HEAD, Q_MAX_BUFFERS, Q_NUM_BUFFERS,
  Q_POOL, Q_PRODUCER_SIGNAL, Q_TAIL, QF_PRODUCER_FINISHED, QUEUE_HEADER_WORDS, Q_IN_USE, Q_CONSUMER_WAKE_OFF,
} from '../memory/layout.js';
import type { NetworkMemory } from '../memory/network-memory.js';
import type { TaskIoMetrics } from '../metrics/task-io-metrics.js';
import { blockForSignal } from '../threads/wait-for-signal.js';

//   queue entries (ring of `capacity`), written by the producer at TAIL, read by the consumer at HEAD:
//
//   HEAD                                  TAIL
//    v                                     v
//   | data seg 7, 32768 B, finished | event EOP? | data seg 3, 1200 B committed, being written |   ...
//
// A data entry is published at the first flush of its buffer (or when it is finished) and may keep
// growing in place afterwards: the producer raises COMMITTED, then sets FINISHED. The consumer reads
// FINISHED before COMMITTED, so a finished entry's COMMITTED is final (keep in sync with
// ResultSubpartitionView.poll).

/**
 * Flink's PipelinedSubpartition, producer side: one queue of buffers and events for one consumer, in
 * shared memory. The record writer fills the current buffer through the public `pos`/`limit` fields
 * (absolute byte offsets into network memory) and asks the partition for a new one when it is full.
 *
 * Owned by: the producing thread (a subtask worker, or the TaskManager main thread for a remote channel's
 * receive queue).
 */
export class ResultSubpartition {
  /** Segment being written, or -1. */
  segment = -1;
  /** Pool the current segment returns to. */
  segmentPool = -1;
  /** Absolute byte offset where the current buffer starts. */
  start = 0;
  /** Absolute byte offset of the next byte to write. Advanced by the record writer. */
  pos = 0;
  /** Absolute byte offset just past the current buffer. */
  limit = 0;

  private readonly words: Int32Array;
  private readonly base: number;
  private readonly capacity: number;
  private readonly maxBuffers: number;
  private publishedEntry = -1; // word index of the current buffer's entry once published
  private committed = 0;
  private tail: number;

  /** The producing subtask's counters: a wait on a full queue is hard backpressure, timed like a wait for a buffer. */
  metrics: TaskIoMetrics | null = null;
  /** Longest single sleep while blocked on a full queue. */
  waitTimeoutMs = 50;

  /** Called with +1 when this queue reaches max-buffers-per-channel (the partition's pool accounts it). */
  onBlockedChange: ((delta: number) => void) | null = null;

  constructor(readonly memory: NetworkMemory, readonly queueId: number, readonly index: number) {
    this.words = memory.words;
    this.base = memory.queueBase(queueId);
    this.capacity = memory.layout.queueCapacity;
    this.maxBuffers = this.words[this.base + Q_MAX_BUFFERS];
    this.tail = Atomics.load(this.words, this.base + Q_TAIL);
  }

  /**
   * Initialises queue slot `queueId`. Called by the allocating thread (NetworkEnvironment).
   * @param poolId pool whose availability counts this queue's max-buffers-per-channel, or -1
   * @param consumerSignal word index of the signal bumped when data becomes readable (the consumer's gate)
   * @param producerSignal word index of the signal bumped when the consumer frees an entry (the producer's pool)
   */
  static initialize(memory: NetworkMemory, queueId: number, poolId: number, maxBuffers: number, consumerSignal: number, producerSignal: number): void {
    const w = memory.words;
    const base = memory.queueBase(queueId);
    w.fill(0, base, base + memory.layout.queueWords);
    w[base + Q_POOL] = poolId;
    w[base + Q_MAX_BUFFERS] = maxBuffers;
    w[base + Q_CONSUMER_SIGNAL] = consumerSignal;
    w[base + Q_PRODUCER_SIGNAL] = producerSignal;
    Atomics.store(w, base + Q_IN_USE, 1);
  }

  /** Bytes written into the current buffer and not yet visible to the consumer. */
  get numUnflushedBytes(): number {
    return this.segment < 0 ? 0 : this.pos - this.start - this.committed;
  }

  /** Finished data buffers waiting for the consumer. */
  get backlog(): number {
    return Atomics.load(this.words, this.base + Q_BACKLOG);
  }

  /** Data buffers this queue holds, including the one being written. */
  get numBuffers(): number {
    return Atomics.load(this.words, this.base + Q_NUM_BUFFERS);
  }

  /** The consumer's read position (entries it has finished); changes whenever the consumer makes progress. */
  get consumedIndex(): number {
    return Atomics.load(this.words, this.base + Q_HEAD);
  }

  /** True once end-of-partition was added. */
  get isFinished(): boolean {
    return (Atomics.load(this.words, this.base + Q_FLAGS) & QF_PRODUCER_FINISHED) !== 0;
  }

  /** True when the consumer has freed room for one more entry. */
  hasEntrySpace(): boolean {
    return ((this.tail - Atomics.load(this.words, this.base + Q_HEAD)) & INDEX_MASK) < this.capacity;
  }

  /**
   * Makes `segment` the buffer being written. The previous one must have been finished.
   * @param length usable bytes of the segment (default the whole segment)
   */
  setBuffer(segment: number, poolId: number, length = this.memory.segmentSize): void {
    this.segment = segment;
    this.segmentPool = poolId;
    this.start = this.memory.segmentOffset(segment);
    this.pos = this.start;
    this.limit = this.start + length;
    this.committed = 0;
    this.publishedEntry = -1;
    const numBuffers = Atomics.add(this.words, this.base + Q_NUM_BUFFERS, 1) + 1;
    if (numBuffers === this.maxBuffers && this.onBlockedChange !== null) this.onBlockedChange(1);
  }

  /**
   * Makes the bytes written so far visible to the consumer without finishing the buffer (Flink ≥ 1.5's
   * in-place flush): the buffer stays queued and keeps filling.
   * @returns bytes newly made visible
   */
  flush(): number {
    if (this.segment < 0) return 0;
    const length = this.pos - this.start;
    const added = length - this.committed;
    if (added === 0) return 0;
    if (this.publishedEntry < 0) {
      this.publish(KIND_DATA, length, 0);
    } else {
      Atomics.store(this.words, this.publishedEntry + E_COMMITTED, length);
    }
    this.committed = length;
    this.notifyConsumer();
    return added;
  }

  /**
   * Finishes the current buffer: no more bytes go into it. An empty buffer is given back unpublished.
   * @returns the buffer's final length in bytes (0 when there was none or it was empty)
   */
  finishBuffer(): number {
    if (this.segment < 0) return 0;
    const length = this.pos - this.start;
    const w = this.words;
    if (length === 0 && this.publishedEntry < 0) {
      this.dropEmptyBuffer();
      return 0;
    }
    Atomics.add(w, this.base + Q_BACKLOG, 1);
    if (this.publishedEntry < 0) {
      this.publish(KIND_DATA, length, 1);
    } else {
      Atomics.store(w, this.publishedEntry + E_COMMITTED, length);
      Atomics.store(w, this.publishedEntry + E_FINISHED, 1);
    }
    this.segment = -1;
    this.pos = this.limit = this.start = 0;
    this.publishedEntry = -1;
    this.notifyConsumer();
    return length;
  }

  /**
   * Appends a whole, finished buffer: the remote receive path, where a segment arrives already full.
   */
  appendFinishedBuffer(segment: number, poolId: number, length: number): void {
    this.setBuffer(segment, poolId, length);
    this.pos = this.start + length;
    this.finishBuffer();
  }

  /**
   * Appends an event after finishing the current buffer, and makes it visible at once (events trigger an
   * immediate flush). Events need no buffer from the pool.
   */
  addEvent(payload: Uint8Array): void {
    if (payload.length > MAX_INLINE_EVENT_BYTES) {
      throw new NetworkError('ERR_NET_EVENT_TOO_LARGE', `an event payload may have at most ${MAX_INLINE_EVENT_BYTES} bytes, got ${payload.length}`);
    }
    if (this.isFinished) throw new NetworkError('ERR_NET_PARTITION_FINISHED', `subpartition ${this.index} already ended; no event can follow end-of-partition`);
    this.finishBuffer();
    this.waitForEntrySpace();
    const entry = this.entryBase(this.tail);
    const w = this.words;
    w[entry + E_KIND] = KIND_EVENT;
    w[entry + E_SEGMENT] = -1;
    w[entry + E_EVENT_LENGTH] = payload.length;
    const words = new Uint8Array(w.buffer, w.byteOffset + (entry + E_EVENT_PAYLOAD) * 4, MAX_INLINE_EVENT_BYTES);
    words.set(payload);
    Atomics.store(w, entry + E_FINISHED, 1);
    this.tail = (this.tail + 1) & INDEX_MASK;
    Atomics.store(w, this.base + Q_TAIL, this.tail);
    this.notifyConsumer(true);
  }

  /** Marks the queue finished (after the end-of-partition event was added). */
  markFinished(): void {
    Atomics.or(this.words, this.base + Q_FLAGS, QF_PRODUCER_FINISHED);
  }

  private publish(kind: number, committed: number, finished: number): void {
    this.waitForEntrySpace();
    const entry = this.entryBase(this.tail);
    const w = this.words;
    w[entry + E_KIND] = kind;
    w[entry + E_SEGMENT] = this.segment;
    w[entry + E_POOL] = this.segmentPool;
    w[entry + E_COMMITTED] = committed;
    w[entry + E_FINISHED] = finished;
    this.tail = (this.tail + 1) & INDEX_MASK;
    Atomics.store(w, this.base + Q_TAIL, this.tail);
    this.publishedEntry = entry;
  }

  private dropEmptyBuffer(): void {
    const numBuffers = Atomics.sub(this.words, this.base + Q_NUM_BUFFERS, 1) - 1;
    if (numBuffers === this.maxBuffers - 1 && this.onBlockedChange !== null) this.onBlockedChange(-1);
    const segment = this.segment;
    const pool = this.segmentPool;
    this.segment = -1;
    this.pos = this.limit = this.start = 0;
    this.recycleEmpty(segment, pool);
  }

  /** Set by the partition: returns an unused segment to its pool. */
  recycleEmpty: (segment: number, poolId: number) => void = () => {
    throw new Error('recycleEmpty not wired');
  };

  private waitForEntrySpace(): void {
    if (this.hasEntrySpace()) return;
    const signal = this.words[this.base + Q_PRODUCER_SIGNAL];
    this.metrics?.startTimer('hardBackPressuredTimeMs');
    try {
      blockForSignal(this.words, signal, () => this.hasEntrySpace(), this.waitTimeoutMs);
    } finally {
      this.metrics?.stopTimer('hardBackPressuredTimeMs');
    }
  }

  private entryBase(index: number): number {
    return this.base + QUEUE_HEADER_WORDS + (index & (this.capacity - 1)) * ENTRY_WORDS;
  }

  /**
   * Tells the consumer that data (or an event) became readable: bumps its signal, and wakes it unless it said
   * it will look by itself (a remote reader without credit, see {@link ResultSubpartitionView.setWakeWanted}).
   * Events always wake: they need no credit.
   */
  private notifyConsumer(isEvent = false): void {
    // Read every time: a consumer may bind to the queue after the producer started (see bindConsumer).
    const signal = Atomics.load(this.words, this.base + Q_CONSUMER_SIGNAL);
    if (signal < 0) return;
    Atomics.add(this.words, signal, 1);
    if (isEvent || Atomics.load(this.words, this.base + Q_CONSUMER_WAKE_OFF) === 0) Atomics.notify(this.words, signal);
  }

  /** Points queue `queueId` at the signal word its consumer sleeps on; -1 = no consumer yet. */
  static bindConsumer(memory: NetworkMemory, queueId: number, consumerSignal: number): void {
    Atomics.store(memory.words, memory.queueBase(queueId) + Q_CONSUMER_SIGNAL, consumerSignal);
    if (consumerSignal >= 0) {
      Atomics.add(memory.words, consumerSignal, 1);
      Atomics.notify(memory.words, consumerSignal);
    }
  }
}
