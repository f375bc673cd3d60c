import { afterEach, describe, expect, it } from 'vitest';
import { NetworkEnvironment, NetworkError } from '../../src/index.js';

const WAIT = { spinBeforeWaitMicros: 10, waitTimeoutMs: 20 };

describe('LocalBufferPool', () => {
  let env: NetworkEnvironment;
  afterEach(() => env.assertNoLeaks());

  it('reserves its minimum at once and grows lazily up to its maximum', () => {
    env = new NetworkEnvironment({ numSegments: 16, segmentSizeBytes: 1024 });
    const pool = env.createBufferPool(2, 4);
    expect(pool.numRequested).toBe(2);
    expect(env.globalPool.numAvailable).toBe(14);
    const taken = [pool.requestSegment(), pool.requestSegment(), pool.requestSegment(), pool.requestSegment()];
    expect(taken.every((s) => s >= 0)).toBe(true);
    expect(new Set(taken).size).toBe(4);
    expect(pool.requestSegment()).toBe(-1);
    expect(pool.isAvailable()).toBe(false);
    expect(pool.numInUse).toBe(4);
    for (const s of taken) pool.recycle(s);
    expect(pool.numFree).toBe(4);
    expect(pool.isAvailable()).toBe(true);
    pool.destroy();
  });

  it('throws a coded error on a double recycle', () => {
    env = new NetworkEnvironment({ numSegments: 8, segmentSizeBytes: 1024 });
    const pool = env.createBufferPool(1, 2);
    const segment = pool.requestSegment();
    pool.recycle(segment);
    expect(() => pool.recycle(segment)).toThrowError(expect.objectContaining({ code: 'ERR_NET_DOUBLE_RECYCLE' }));
    pool.destroy();
  });

  it('throws a coded error when recycling a segment of another pool', () => {
    env = new NetworkEnvironment({ numSegments: 8, segmentSizeBytes: 1024 });
    const a = env.createBufferPool(1, 2);
    const b = env.createBufferPool(1, 2);
    const segment = a.requestSegment();
    let caught: unknown;
    try {
      b.recycle(segment);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NetworkError);
    expect((caught as NetworkError).code).toBe('ERR_NET_FOREIGN_SEGMENT');
    expect(() => b.recycle(12345)).toThrowError(/ERR_NET_FOREIGN_SEGMENT/);
    a.recycle(segment);
    a.destroy();
    b.destroy();
  });

  it('fails with ERR_NET_POOL_EXHAUSTED when its minimum cannot be reserved', () => {
    env = new NetworkEnvironment({ numSegments: 4, segmentSizeBytes: 1024 });
    expect(() => env.createBufferPool(5, 8)).toThrowError(/ERR_NET_POOL_EXHAUSTED.*only 4 of 4/);
  });

  it('returns segments still handed out to the global pool when they are recycled after destroy', () => {
    env = new NetworkEnvironment({ numSegments: 8, segmentSizeBytes: 1024 });
    const pool = env.createBufferPool(1, 3);
    const s1 = pool.requestSegment();
    const s2 = pool.requestSegment();
    expect(pool.destroy()).toBe(2);
    expect(() => pool.requestSegment()).toThrowError(/ERR_NET_POOL_DESTROYED/);
    pool.recycle(s1);
    pool.recycle(s2);
    expect(pool.isFullyReleased).toBe(true);
  });

  it('wakes a waiter when a segment is recycled', async () => {
    env = new NetworkEnvironment({ numSegments: 4, segmentSizeBytes: 1024 });
    const pool = env.createBufferPool(1, 1);
    const segment = pool.requestSegment();
    const waited = pool.waitUntil();
    setTimeout(() => pool.recycle(segment), 30);
    expect(await waited).toBeGreaterThanOrEqual(20);
    pool.destroy();
  });
});

describe('network options', () => {
  it('rejects bad values naming the Flink key', () => {
    expect(() => new NetworkEnvironment({ segmentSizeBytes: 100 })).toThrowError(/taskmanager\.memory\.segment-size/);
    expect(() => new NetworkEnvironment({ queueCapacity: 24 })).toThrowError(/power of two/);
    expect(() => new NetworkEnvironment({ bufferTimeoutMs: -2 })).toThrowError(/execution\.buffer-timeout/);
    expect(() => new NetworkEnvironment({ nope: 1 } as never)).toThrowError(/unknown network option "nope"/);
    void WAIT;
  });
});
