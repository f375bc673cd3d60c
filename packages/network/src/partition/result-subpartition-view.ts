// The consumer side of one subpartition queue: reads buffers in place, slice by slice, and recycles them.
import { LocalBufferPool, type WaitOptions } from '../buffer/local-buffer-pool.js';
import {
  E_COMMITTED, E_EVENT_LENGTH, E_EVENT_PAYLOAD, E_FINISHED, E_KIND, E_POOL, E_SEGMENT, ENTRY_WORDS, INDEX_MASK,
  KIND_EVENT, MAX_INLINE_EVENT_BYTES, P_NUM_BLOCKED_QUEUES, Q_BACKLOG, Q_FLAGS, Q_HEAD, Q_MAX_BUFFERS, Q_NUM_BUFFERS,
  Q_POOL, Q_PRODUCER_SIGNAL, Q_TAIL, QF_CONSUMER_RELEASED, QUEUE_HEADER_WORDS, Q_CONSUMER_WAKE_OFF,
} from '../memory/layout.js';
import type { NetworkMemory } from '../memory/network-memory.js';
import type { BufferSlice } from './buffer-slice.js';

/**
 * Flink's ResultSubpartitionView: reads one subpartition queue. `poll` hands out the next readable slice
 * of the head buffer (the bytes committed since the last poll) or the next event; `release` gives it
 * back, and the release of a buffer's last slice recycles its segment to the pool it came from (the
 * producer's pool for a local channel) and advances the queue.
 *
 * Owned by: the consuming thread (a subtask worker for a local channel; the TaskManager main thread when
 * it sends the subpartition to a remote consumer). At most one slice is outstanding at a time.
 */
export class ResultSubpartitionView {
  private readonly words: Int32Array;
  private readonly base: number;
  private readonly capacity: number;
  private readonly maxBuffers: number;
  private readonly capPool: number;
  private head: number;
  private readOffset = 0;
  private nextSequenceNumber = 0;
  private readonly pools = new Map<number, LocalBufferPool>();

  constructor(readonly memory: NetworkMemory, readonly queueId: number, private readonly waitOptions: WaitOptions) {
    this.words = memory.words;
    this.base = memory.queueBase(queueId);
    this.capacity = memory.layout.queueCapacity;
    this.maxBuffers = this.words[this.base + Q_MAX_BUFFERS];
    this.capPool = this.words[this.base + Q_POOL];
    this.head = Atomics.load(this.words, this.base + Q_HEAD);
  }

  /**
   * Whether the producer must wake this consumer when data becomes readable (default: yes). A remote reader
   * without credit says no: it cannot send anyway, and its AddCredit wakes it. After saying yes again, look
   * for data once more: what was published meanwhile woke no one. Events wake regardless.
   */
  setWakeWanted(wanted: boolean): void {
    Atomics.store(this.words, this.base + Q_CONSUMER_WAKE_OFF, wanted ? 0 : 1);
  }

  /** Finished data buffers waiting in the queue (Flink's backlog). */
  get backlog(): number {
    return Atomics.load(this.words, this.base + Q_BACKLOG);
  }

  /** Data buffers the queue holds, including one being written. */
  get numBuffers(): number {
    return Atomics.load(this.words, this.base + Q_NUM_BUFFERS);
  }

  /** True when {@link poll} would return something now. */
  hasData(): boolean {
    const w = this.words;
    if (this.head === Atomics.load(w, this.base + Q_TAIL)) return false;
    const entry = this.entryBase(this.head);
    if (w[entry + E_KIND] === KIND_EVENT) return true;
    return Atomics.load(w, entry + E_FINISHED) === 1 || Atomics.load(w, entry + E_COMMITTED) > this.readOffset;
  }

  /** True when the next item is an event (events need no credit). */
  isNextEvent(): boolean {
    if (this.head === Atomics.load(this.words, this.base + Q_TAIL)) return false;
    return this.words[this.entryBase(this.head) + E_KIND] === KIND_EVENT;
  }

  /**
   * Fills `slice` with the next readable bytes or event.
   * @returns false when nothing is readable now
   */
  poll(slice: BufferSlice): boolean {
    const w = this.words;
    for (;;) {
      if (this.head === Atomics.load(w, this.base + Q_TAIL)) return false;
      const entry = this.entryBase(this.head);
      if (w[entry + E_KIND] === KIND_EVENT) {
        const length = w[entry + E_EVENT_LENGTH];
        const payload = new Uint8Array(w.buffer, w.byteOffset + (entry + E_EVENT_PAYLOAD) * 4, MAX_INLINE_EVENT_BYTES);
        slice.isEvent = true;
        slice.event = payload.slice(0, length);
        slice.segment = -1;
        slice.offset = 0;
        slice.length = length;
        slice.isLast = true;
        slice.sequenceNumber = this.nextSequenceNumber++;
        return true;
      }
      // FINISHED before COMMITTED: a finished entry's COMMITTED is final (see ResultSubpartition).
      const finished = Atomics.load(w, entry + E_FINISHED) === 1;
      const committed = Atomics.load(w, entry + E_COMMITTED);
      const segment = w[entry + E_SEGMENT];
      if (committed > this.readOffset) {
        slice.isEvent = false;
        slice.event = null;
        slice.segment = segment;
        slice.offset = this.memory.segmentOffset(segment) + this.readOffset;
        slice.length = committed - this.readOffset;
        slice.isLast = finished;
        slice.sequenceNumber = this.nextSequenceNumber++;
        this.readOffset = committed;
        return true;
      }
      if (!finished) return false;
      this.retireHead(entry); // fully read earlier, finished since: recycle and look further
    }
  }

  /** Gives back a slice from {@link poll}; the last slice of a buffer recycles its segment. */
  release(slice: BufferSlice): void {
    if (!slice.isLast) return;
    const entry = this.entryBase(this.head);
    if (slice.isEvent) {
      this.advanceHead();
      return;
    }
    this.retireHead(entry);
  }

  /**
   * Consumer gives up the queue (cancel or end): recycles every buffer still in it and marks it released.
   * @returns the number of buffers recycled
   */
  releaseAll(): number {
    const w = this.words;
    let recycled = 0;
    while (this.head !== Atomics.load(w, this.base + Q_TAIL)) {
      const entry = this.entryBase(this.head);
      if (w[entry + E_KIND] === KIND_EVENT) {
        this.advanceHead();
      } else if (Atomics.load(w, entry + E_FINISHED) === 1) {
        this.retireHead(entry);
        recycled++;
      } else {
        break; // the producer still writes into it; it recycles its own when it releases
      }
    }
    Atomics.or(w, this.base + Q_FLAGS, QF_CONSUMER_RELEASED);
    return recycled;
  }

  private retireHead(entry: number): void {
    const w = this.words;
    const segment = w[entry + E_SEGMENT];
    const poolId = w[entry + E_POOL];
    Atomics.sub(w, this.base + Q_BACKLOG, 1);
    const numBuffers = Atomics.sub(w, this.base + Q_NUM_BUFFERS, 1) - 1;
    if (numBuffers === this.maxBuffers - 1 && this.capPool >= 0) {
      Atomics.sub(w, this.memory.poolBase(this.capPool) + P_NUM_BLOCKED_QUEUES, 1);
    }
    this.readOffset = 0;
    this.advanceHead();
    this.poolFor(poolId).recycle(segment); // bumps the pool's signal: wakes a producer waiting for buffers
  }

  private advanceHead(): void {
    this.head = (this.head + 1) & INDEX_MASK;
    Atomics.store(this.words, this.base + Q_HEAD, this.head);
    const producerSignal = this.words[this.base + Q_PRODUCER_SIGNAL];
    Atomics.add(this.words, producerSignal, 1);
    Atomics.notify(this.words, producerSignal);
  }

  private poolFor(poolId: number): LocalBufferPool {
    let pool = this.pools.get(poolId);
    if (pool === undefined) {
      pool = new LocalBufferPool(this.memory, poolId, this.waitOptions);
      this.pools.set(poolId, pool);
    }
    return pool;
  }

  private entryBase(index: number): number {
    return this.base + QUEUE_HEADER_WORDS + (index & (this.capacity - 1)) * ENTRY_WORDS;
  }
}
