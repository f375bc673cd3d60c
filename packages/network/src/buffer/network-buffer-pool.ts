// The TaskManager-wide pool of segments: the free list in shared memory that every LocalBufferPool draws from.
import { NetworkError } from '../errors.js';
import { H_GLOBAL_FREE_HEAD, H_GLOBAL_LOCK, H_GLOBAL_NUM_FREE } from '../memory/layout.js';
import { lock, unlock } from '../memory/mutex.js';
import { OWNER_GLOBAL, SEGMENT_IN_USE, type NetworkMemory } from '../memory/network-memory.js';

/**
 * Flink's NetworkBufferPool: all segments of one TaskManager, handed out to LocalBufferPools (and to
 * remote channels as exclusive buffers) and taken back. The free list lives in shared memory under one
 * mutex, so any thread of the TaskManager may use it through its own instance.
 *
 * Owned by: no thread; state lives in shared memory. Instances are per thread and stateless.
 */
export class NetworkBufferPool {
  constructor(readonly memory: NetworkMemory) {}

  /** Segments in the whole network memory. */
  get numTotal(): number {
    return this.memory.numSegments;
  }

  /** Segments currently free in the global pool. */
  get numAvailable(): number {
    return Atomics.load(this.memory.words, H_GLOBAL_NUM_FREE);
  }

  /**
   * Takes `count` segments for `owner` (a pool id), all or none.
   * @returns the segment indices, or null when fewer than `count` are free
   */
  requestSegments(count: number, owner: number): number[] | null {
    const w = this.memory.words;
    const { segmentNext, segmentOwner } = this.memory.layout;
    lock(w, H_GLOBAL_LOCK);
    try {
      if (w[H_GLOBAL_NUM_FREE] < count) return null;
      const taken: number[] = [];
      let head = w[H_GLOBAL_FREE_HEAD];
      for (let i = 0; i < count; i++) {
        taken.push(head);
        const next = w[segmentNext + head];
        w[segmentNext + head] = SEGMENT_IN_USE;
        w[segmentOwner + head] = owner;
        head = next;
      }
      w[H_GLOBAL_FREE_HEAD] = head;
      Atomics.sub(w, H_GLOBAL_NUM_FREE, count);
      return taken;
    } finally {
      unlock(w, H_GLOBAL_LOCK);
    }
  }

  /** Takes one segment for `owner`, or returns -1 when none is free. */
  requestSegment(owner: number): number {
    const taken = this.requestSegments(1, owner);
    return taken === null ? -1 : taken[0];
  }

  /**
   * Gives a segment back to the global pool. The segment must be handed out (not free) and belong to `owner`.
   * @throws NetworkError `ERR_NET_DOUBLE_RECYCLE` or `ERR_NET_FOREIGN_SEGMENT`
   */
  recycleSegment(segment: number, owner: number): void {
    lock(this.memory.words, H_GLOBAL_LOCK);
    try {
      checkHandedOut(this.memory, segment, owner);
      this.pushFree(segment);
    } finally {
      unlock(this.memory.words, H_GLOBAL_LOCK);
    }
  }

  /** Puts a segment a pool gives back (free or just recycled) on the global free list, unchecked. */
  returnFreeSegment(segment: number): void {
    lock(this.memory.words, H_GLOBAL_LOCK);
    try {
      this.pushFree(segment);
    } finally {
      unlock(this.memory.words, H_GLOBAL_LOCK);
    }
  }

  /** Pushes `segment` on the global free list; call under the global lock. */
  private pushFree(segment: number): void {
    const w = this.memory.words;
    const { segmentNext, segmentOwner } = this.memory.layout;
    w[segmentNext + segment] = w[H_GLOBAL_FREE_HEAD];
    w[segmentOwner + segment] = OWNER_GLOBAL;
    w[H_GLOBAL_FREE_HEAD] = segment;
    Atomics.add(w, H_GLOBAL_NUM_FREE, 1);
  }
}

/**
 * Checks that `segment` is a valid, handed-out segment of `owner`; call under the lock that guards it.
 * @throws NetworkError `ERR_NET_DOUBLE_RECYCLE` when it is already free, `ERR_NET_FOREIGN_SEGMENT` when it belongs elsewhere
 */
export function checkHandedOut(memory: NetworkMemory, segment: number, owner: number): void {
  const w = memory.words;
  const { segmentNext, segmentOwner, numSegments } = memory.layout;
  if (!Number.isInteger(segment) || segment < 0 || segment >= numSegments) {
    throw new NetworkError('ERR_NET_FOREIGN_SEGMENT', `segment ${segment} is not a segment of this network memory (0..${numSegments - 1})`);
  }
  const actualOwner = w[segmentOwner + segment];
  if (actualOwner !== owner) {
    throw new NetworkError(
      'ERR_NET_FOREIGN_SEGMENT',
      `segment ${segment} belongs to ${actualOwner === OWNER_GLOBAL ? 'the global pool' : `pool ${actualOwner}`}, not to ${owner === OWNER_GLOBAL ? 'the global pool' : `pool ${owner}`}`,
    );
  }
  if (w[segmentNext + segment] !== SEGMENT_IN_USE) {
    throw new NetworkError('ERR_NET_DOUBLE_RECYCLE', `segment ${segment} of pool ${owner} was recycled twice`);
  }
}
