// One TaskManager's network memory: a single SharedArrayBuffer holding control tables and segments.
import { NetworkError } from '../errors.js';
import type { ResolvedNetworkOptions } from '../options.js';
import {
  computeLayout, H_GLOBAL_FREE_HEAD, H_GLOBAL_NUM_FREE, H_MAGIC, H_MAX_POOLS, H_MAX_QUEUES, H_NUM_SEGMENTS,
  H_QUEUE_CAPACITY, H_SEGMENT_SIZE, H_VERSION, MEMORY_MAGIC, MEMORY_VERSION, type MemoryLayout,
} from './layout.js';

/** Marks a segment as handed out in its SEGMENT_NEXT word (free segments hold the next free index or -1). */
export const SEGMENT_IN_USE = -2;
/** Owner of a segment that sits in the global pool. */
export const OWNER_GLOBAL = -1;

/**
 * Views over one TaskManager's network memory. Every thread of the TaskManager builds its own
 * NetworkMemory over the same SharedArrayBuffer with {@link NetworkMemory.attach}; the views are cheap and
 * hold no state of their own, so any thread may use them. Bytes are never copied between threads: a
 * segment changes hands as its index.
 */
export class NetworkMemory {
  /** Control words: header, segment table, pools, signals, queues. */
  readonly words: Int32Array;
  /** Byte view over the whole buffer; segment `i` starts at {@link segmentOffset}(i). */
  readonly bytes: Uint8Array;
  /** DataView over the whole buffer, for serializers that write fields in place. */
  readonly view: DataView;

  private constructor(readonly sab: SharedArrayBuffer, readonly layout: MemoryLayout) {
    this.words = new Int32Array(sab, 0, layout.controlWords);
    this.bytes = new Uint8Array(sab);
    this.view = new DataView(sab);
  }

  /** Allocates and initialises network memory: every segment starts in the global pool. */
  static create(options: ResolvedNetworkOptions): NetworkMemory {
    const layout = computeLayout(options.segmentSizeBytes, options.numSegments, options.maxPools, options.maxQueues, options.queueCapacity);
    const memory = new NetworkMemory(new SharedArrayBuffer(layout.totalBytes), layout);
    const w = memory.words;
    w[H_MAGIC] = MEMORY_MAGIC;
    w[H_VERSION] = MEMORY_VERSION;
    w[H_SEGMENT_SIZE] = layout.segmentSize;
    w[H_NUM_SEGMENTS] = layout.numSegments;
    w[H_MAX_POOLS] = layout.maxPools;
    w[H_MAX_QUEUES] = layout.maxQueues;
    w[H_QUEUE_CAPACITY] = layout.queueCapacity;
    for (let i = 0; i < layout.numSegments; i++) {
      w[layout.segmentNext + i] = i + 1 < layout.numSegments ? i + 1 : -1;
      w[layout.segmentOwner + i] = OWNER_GLOBAL;
    }
    w[H_GLOBAL_FREE_HEAD] = 0;
    Atomics.store(w, H_GLOBAL_NUM_FREE, layout.numSegments);
    return memory;
  }

  /** Builds views over network memory created by another thread of the same TaskManager. */
  static attach(sab: SharedArrayBuffer): NetworkMemory {
    const header = new Int32Array(sab, 0, 16);
    if (header[H_MAGIC] !== MEMORY_MAGIC || header[H_VERSION] !== MEMORY_VERSION) {
      throw new NetworkError('ERR_NET_BAD_MEMORY', 'the SharedArrayBuffer is not Sluice network memory (bad magic or version)');
    }
    const layout = computeLayout(header[H_SEGMENT_SIZE], header[H_NUM_SEGMENTS], header[H_MAX_POOLS], header[H_MAX_QUEUES], header[H_QUEUE_CAPACITY]);
    return new NetworkMemory(sab, layout);
  }

  get segmentSize(): number {
    return this.layout.segmentSize;
  }

  get numSegments(): number {
    return this.layout.numSegments;
  }

  /** Byte offset of segment `segment` in {@link bytes} / {@link view}. */
  segmentOffset(segment: number): number {
    return this.layout.dataOffset + segment * this.layout.segmentSize;
  }

  /** Word index of pool `poolId`'s control block. */
  poolBase(poolId: number): number {
    return this.layout.pools + poolId * 16;
  }

  /** Word index of signal `signal`. */
  signalIndex(signal: number): number {
    return this.layout.signals + signal;
  }

  /** Word index of queue `queueId`'s header; its entries follow. */
  queueBase(queueId: number): number {
    return this.layout.queues + queueId * this.layout.queueWords;
  }
}
