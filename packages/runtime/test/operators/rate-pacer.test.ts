import { describe, expect, it } from 'vitest';
import { RatePacer } from '../../src/operators/rate-pacer.js';

/** A pacer for one of `parallelism` subtasks; the test sets the clock itself (no sleeping, no flakiness). */
function pacerOf(ratePerSecond: number, options: { name?: string; parallelism?: number } = {}) {
  const throttles = new Map<string, number>();
  const pacer = new RatePacer({ throttles, parallelism: options.parallelism ?? 1 }, options.name, ratePerSecond);
  return { pacer, throttles };
}

describe('RatePacer', () => {
  it('lets through no more than the rate allows since it was set, and says when the next record is due', () => {
    const { pacer } = pacerOf(1000, { parallelism: 2 }); // 500/s per subtask: one record every 2 ms
    pacer.update(100);
    expect(pacer.allowance(100)).toBe(0);
    expect(pacer.delayMs(100)).toBe(2);
    expect(pacer.allowance(110)).toBe(5);
    pacer.record(5);
    expect(pacer.allowance(110)).toBe(0);
    expect(pacer.delayMs(110)).toBe(2);
    expect(pacer.delayMs(111)).toBe(1);
    expect(pacer.delayMs(112)).toBe(0);
    // Behind the rate (e.g. backpressured): the accounting is cumulative, so it catches up.
    expect(pacer.allowance(130)).toBe(10);
    expect(pacer.delayMs(130)).toBe(-18);
  });

  it('re-bases its clock when the named throttle changes the rate mid-run', () => {
    const { pacer, throttles } = pacerOf(1000, { name: 'producer' });
    pacer.update(0);
    pacer.record(500);
    expect(pacer.allowance(1000)).toBe(500); // behind by 500 records at 1000/s
    throttles.set('producer', 100);
    pacer.update(1000);
    // No debt or credit from the old rate: the new one starts counting now.
    expect(pacer.allowance(1000)).toBe(0);
    expect(pacer.delayMs(1000)).toBe(10);
    expect(pacer.allowance(1050)).toBe(5);
    pacer.record(5);
    // The same rate again does not re-base.
    pacer.update(1050);
    expect(pacer.allowance(1050)).toBe(0);
    expect(pacer.allowance(1100)).toBe(5);
  });

  it('ignores throttles of other names, and a pacer without a name follows none', () => {
    const named = pacerOf(10, { name: 'consumer' });
    named.throttles.set('producer', 1);
    named.pacer.update(0);
    expect(named.pacer.allowance(1000)).toBe(10);
    const unnamed = pacerOf(10);
    unnamed.throttles.set('producer', 1);
    unnamed.pacer.update(0);
    expect(unnamed.pacer.allowance(1000)).toBe(10);
  });

  it('never waits when unthrottled, and switches between unthrottled and throttled at once', () => {
    const { pacer, throttles } = pacerOf(Infinity, { name: 'consumer' });
    pacer.update(0);
    pacer.record(1_000_000);
    expect(pacer.allowance(0)).toBe(Infinity);
    expect(pacer.delayMs(0)).toBe(0);
    throttles.set('consumer', 1000);
    pacer.update(5);
    expect(pacer.allowance(5)).toBe(0); // the million records before do not count
    expect(pacer.delayMs(5)).toBe(1);
    throttles.set('consumer', Infinity);
    pacer.update(6);
    expect(pacer.allowance(6)).toBe(Infinity);
    expect(pacer.delayMs(6)).toBe(0);
  });
});
