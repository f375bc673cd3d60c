// A per-partition or per-gate quota of segments (min, max) drawn lazily from the NetworkBufferPool.
import { NetworkError } from '../errors.js';
import {
  P_DESTROYED, P_FREE_HEAD, P_IN_USE, P_LOCK, P_MAX, P_MIN, P_NUM_BLOCKED_QUEUES, P_NUM_FREE, P_NUM_REQUESTED,
  P_NUM_WAITERS, P_SIGNAL, H_GLOBAL_NUM_FREE, P_LISTENER_SIGNAL, P_FREE_TAIL, P_LISTENER_WANTED,
} from '../memory/layout.js';
import { lock, unlock } from '../memory/mutex.js';
import { SEGMENT_IN_USE, type NetworkMemory } from '../memory/network-memory.js';
import { blockForSignal, waitForSignal } from '../threads/wait-for-signal.js';
import { checkHandedOut, NetworkBufferPool } from './network-buffer-pool.js';

/** How long threads spin and sleep while waiting on a pool. */
export interface WaitOptions {
  spinBeforeWaitMicros: number;
  waitTimeoutMs: number;
}

/**
 * Flink's LocalBufferPool: a quota of at least `min` and at most `max` segments. The owner requests
 * segments; any thread recycles them (a consumer recycles to the *producer's* pool), so the free list
 * lives in shared memory under the pool's mutex. A writer that finds the pool empty waits on the pool's
 * signal word, which every recycle bumps: that wait is backpressure.
 *
 * The pool is also unavailable while one of its subpartitions holds `max-buffers-per-channel` buffers
 * (Flink's FLINK-16645), so one skewed channel cannot take the whole quota.
 *
 * Owned by: requests from the owning thread only (a subtask worker, or the TaskManager main thread for a
 * gate's floating buffers); recycle from any thread of the TaskManager.
 */
export class LocalBufferPool {
  private readonly words: Int32Array;
  private readonly base: number;
  private readonly global: NetworkBufferPool;

  constructor(readonly memory: NetworkMemory, readonly poolId: number, private readonly waitOptions: WaitOptions) {
    this.words = memory.words;
    this.base = memory.poolBase(poolId);
    this.global = new NetworkBufferPool(memory);
  }

  /**
   * Initialises pool slot `poolId` with its quota and reserves its `min` segments at once, so that a pool
   * that exists can always make progress. Called by the allocating thread (NetworkEnvironment).
   * @throws NetworkError `ERR_NET_POOL_EXHAUSTED` when the global pool cannot supply `min` segments
   */
  static initialize(memory: NetworkMemory, poolId: number, min: number, max: number, listenerSignal = -1): void {
    const w = memory.words;
    const base = memory.poolBase(poolId);
    const reserved = min > 0 ? new NetworkBufferPool(memory).requestSegments(min, poolId) : [];
    if (reserved === null) {
      throw new NetworkError(
        'ERR_NET_POOL_EXHAUSTED',
        `cannot reserve ${min} segments for buffer pool ${poolId}: only ${Atomics.load(w, H_GLOBAL_NUM_FREE)} of ${memory.numSegments} are free (raise taskmanager.network.numberOfBuffers)`,
      );
    }
    let head = -1;
    for (let i = reserved.length - 1; i >= 0; i--) {
      w[memory.layout.segmentNext + reserved[i]] = head;
      head = reserved[i];
    }
    w[base + P_LOCK] = 0;
    w[base + P_MIN] = min;
    w[base + P_MAX] = max;
    w[base + P_NUM_REQUESTED] = reserved.length;
    w[base + P_FREE_HEAD] = head;
    w[base + P_FREE_TAIL] = reserved.length > 0 ? reserved[reserved.length - 1] : -1;
    w[base + P_NUM_FREE] = reserved.length;
    w[base + P_SIGNAL] = 0;
    w[base + P_NUM_WAITERS] = 0;
    w[base + P_NUM_BLOCKED_QUEUES] = 0;
    w[base + P_DESTROYED] = 0;
    w[base + P_LISTENER_SIGNAL] = listenerSignal;
    w[base + P_LISTENER_WANTED] = 1;
    Atomics.store(w, base + P_IN_USE, 1);
  }

  /** Most segments the pool may hold. */
  get maxSegments(): number {
    return this.words[this.base + P_MAX];
  }

  /** Segments the pool reserved up front. */
  get minSegments(): number {
    return this.words[this.base + P_MIN];
  }

  /** Segments the pool holds now, free or handed out. */
  get numRequested(): number {
    return Atomics.load(this.words, this.base + P_NUM_REQUESTED);
  }

  /** Free segments the pool holds now. */
  get numFree(): number {
    return Atomics.load(this.words, this.base + P_NUM_FREE);
  }

  /** Segments handed out and not yet recycled. */
  get numInUse(): number {
    return this.numRequested - this.numFree;
  }

  /** Share of the quota in use, Flink's outPoolUsage / inPoolUsage (0..1). */
  get usage(): number {
    return this.numInUse / Math.max(1, this.maxSegments);
  }

  /** Word index of this pool's signal, bumped by every recycle. */
  get signalIndex(): number {
    return this.base + P_SIGNAL;
  }

  /** Subpartitions of this pool now at max-buffers-per-channel. */
  get numBlockedQueues(): number {
    return Atomics.load(this.words, this.base + P_NUM_BLOCKED_QUEUES);
  }

  /** True when a request would succeed now and no subpartition is at its cap. A hint: other threads move on. */
  isAvailable(): boolean {
    const w = this.words;
    const b = this.base;
    if (Atomics.load(w, b + P_NUM_BLOCKED_QUEUES) > 0) return false;
    return Atomics.load(w, b + P_NUM_FREE) > 0 || (Atomics.load(w, b + P_NUM_REQUESTED) < w[b + P_MAX] && Atomics.load(w, H_GLOBAL_NUM_FREE) > 0);
  }

  /** True when a request would succeed now, ignoring subpartition caps. */
  hasSegment(): boolean {
    const w = this.words;
    const b = this.base;
    return Atomics.load(w, b + P_NUM_FREE) > 0 || (Atomics.load(w, b + P_NUM_REQUESTED) < w[b + P_MAX] && Atomics.load(w, H_GLOBAL_NUM_FREE) > 0);
  }

  /** Takes a free segment, growing the pool up to its max from the global pool; -1 when none can be had now. */
  requestSegment(): number {
    const w = this.words;
    const b = this.base;
    lock(w, b + P_LOCK);
    try {
      if (w[b + P_DESTROYED]) throw new NetworkError('ERR_NET_POOL_DESTROYED', `buffer pool ${this.poolId} was destroyed`);
      if (w[b + P_NUM_FREE] > 0) {
        const segment = w[b + P_FREE_HEAD];
        const next = w[this.memory.layout.segmentNext + segment];
        w[b + P_FREE_HEAD] = next;
        if (next < 0) w[b + P_FREE_TAIL] = -1;
        w[this.memory.layout.segmentNext + segment] = SEGMENT_IN_USE;
        Atomics.sub(w, b + P_NUM_FREE, 1);
        return segment;
      }
      if (w[b + P_NUM_REQUESTED] < w[b + P_MAX]) {
        const segment = this.global.requestSegment(this.poolId);
        if (segment >= 0) Atomics.add(w, b + P_NUM_REQUESTED, 1);
        return segment;
      }
      return -1;
    } finally {
      unlock(w, b + P_LOCK);
    }
  }

  /**
   * Gives a handed-out segment back; callable from any thread. Wakes a waiting writer.
   * @throws NetworkError `ERR_NET_DOUBLE_RECYCLE` or `ERR_NET_FOREIGN_SEGMENT`
   */
  recycle(segment: number): void {
    const w = this.words;
    const b = this.base;
    lock(w, b + P_LOCK);
    try {
      checkHandedOut(this.memory, segment, this.poolId);
      if (w[b + P_DESTROYED] || w[b + P_NUM_REQUESTED] > w[b + P_MAX]) {
        Atomics.sub(w, b + P_NUM_REQUESTED, 1);
        this.global.returnFreeSegment(segment);
      } else {
        // FIFO: the segment recycled longest ago is handed out next, so a producer rarely writes lines that
        // the consumer's core read a moment ago (each such write costs a cross-core cache-line transfer).
        w[this.memory.layout.segmentNext + segment] = -1;
        const tail = w[b + P_FREE_TAIL];
        if (tail < 0) w[b + P_FREE_HEAD] = segment;
        else w[this.memory.layout.segmentNext + tail] = segment;
        w[b + P_FREE_TAIL] = segment;
        Atomics.add(w, b + P_NUM_FREE, 1);
      }
    } finally {
      unlock(w, b + P_LOCK);
    }
    this.signal();
  }

  /** Bumps the pool's signal and wakes its waiters; called after anything that may make the pool available. */
  signal(): void {
    Atomics.add(this.words, this.base + P_SIGNAL, 1);
    if (Atomics.load(this.words, this.base + P_NUM_WAITERS) > 0) Atomics.notify(this.words, this.base + P_SIGNAL);
    const listener = this.words[this.base + P_LISTENER_SIGNAL];
    if (listener >= 0 && Atomics.load(this.words, this.base + P_LISTENER_WANTED) !== 0) {
      Atomics.add(this.words, listener, 1);
      Atomics.notify(this.words, listener);
    }
  }

  /**
   * Waits without blocking the event loop until `isReady()` holds (by default: {@link isAvailable}).
   * @returns milliseconds waited
   */
  async waitUntil(isReady: () => boolean = () => this.isAvailable()): Promise<number> {
    if (isReady()) return 0;
    Atomics.add(this.words, this.base + P_NUM_WAITERS, 1);
    try {
      return await waitForSignal(this.words, this.base + P_SIGNAL, isReady, this.waitOptions.spinBeforeWaitMicros, this.waitOptions.waitTimeoutMs);
    } finally {
      Atomics.sub(this.words, this.base + P_NUM_WAITERS, 1);
    }
  }

  /**
   * Blocks the thread until a segment can be had and returns it: the hard wait of a writer in the middle of a
   * record (the caller times it as hard backpressure).
   */
  requestSegmentBlocking(): number {
    let segment = this.requestSegment();
    if (segment >= 0) return segment;
    Atomics.add(this.words, this.base + P_NUM_WAITERS, 1);
    try {
      while (segment < 0) {
        blockForSignal(this.words, this.base + P_SIGNAL, () => this.hasSegment(), this.waitOptions.waitTimeoutMs);
        segment = this.requestSegment();
      }
    } finally {
      Atomics.sub(this.words, this.base + P_NUM_WAITERS, 1);
    }
    return segment;
  }

  /**
   * Returns the free segments to the global pool; segments still handed out go there when recycled.
   * @returns how many segments were still handed out
   */
  destroy(): number {
    const w = this.words;
    const b = this.base;
    lock(w, b + P_LOCK);
    try {
      w[b + P_DESTROYED] = 1;
      let segment = w[b + P_FREE_HEAD];
      while (segment >= 0) {
        const next = w[this.memory.layout.segmentNext + segment];
        w[this.memory.layout.segmentNext + segment] = SEGMENT_IN_USE;
        this.global.returnFreeSegment(segment);
        segment = next;
      }
      Atomics.sub(w, b + P_NUM_REQUESTED, w[b + P_NUM_FREE]);
      w[b + P_FREE_HEAD] = -1;
      w[b + P_FREE_TAIL] = -1;
      Atomics.store(w, b + P_NUM_FREE, 0);
      return w[b + P_NUM_REQUESTED];
    } finally {
      unlock(w, b + P_LOCK);
    }
  }

  /** True once destroyed and every segment has come back to the global pool. */
  get isFullyReleased(): boolean {
    return Atomics.load(this.words, this.base + P_DESTROYED) === 1 && this.numRequested === 0;
  }

  /**
   * Says whether the listener (the TaskManager main thread for a remote channel's buffers) must be woken
   * by every recycle. A channel with plenty of credit outstanding will receive data, and so look at its
   * pools, soon anyway; waking the main thread for each recycle would only cost it CPU and latency.
   */
  setListenerWanted(isWanted: boolean): void {
    Atomics.store(this.words, this.base + P_LISTENER_WANTED, isWanted ? 1 : 0);
  }

  /** Adjusts the count of capped subpartitions; used by ResultSubpartition accounting. */
  addBlockedQueues(delta: number): void {
    Atomics.add(this.words, this.base + P_NUM_BLOCKED_QUEUES, delta);
  }
}
