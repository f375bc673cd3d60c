import { describe, expect, it } from 'vitest';
import type { OperatorContext } from '../../src/operators/stream-operator.js';
import { ThrottleOperator } from '../../src/operators/throttle-operator.js';

function openThrottle(ownRate: number, throttles: Map<string, number>, out: number[]): ThrottleOperator<number> {
  const throttle = new ThrottleOperator<number>('consumer', ownRate, { collect: (n: number) => out.push(n) });
  throttle.open({ subtaskIndex: 0, parallelism: 1, throttles } as unknown as OperatorContext);
  return throttle;
}

describe('ThrottleOperator', () => {
  it("passes records through unchanged, without sleeping, while the job's throttle of its name is unthrottled", () => {
    const out: number[] = [];
    // Its own rate would hold 1 000 records for ~10 s; the job's throttle 'consumer' overrides it.
    const throttle = openThrottle(100, new Map([['consumer', Infinity]]), out);
    const startedAt = performance.now();
    for (let i = 0; i < 1000; i++) throttle.processElement(i);
    expect(out).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(performance.now() - startedAt).toBeLessThan(5_000);
  });

  it('sleeps its thread to hold the rate its throttle names, and follows a change at its next look at the clock', () => {
    const out: number[] = [];
    const throttles = new Map([['consumer', 10_000]]);
    const throttle = openThrottle(100, throttles, out);
    let startedAt = performance.now();
    for (let i = 0; i < 640; i++) throttle.processElement(i);
    // 640 records at 10 000/s: the 577th (the last one let through after a look at the clock) is due at 57.7 ms.
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(55);

    throttles.set('consumer', Infinity); // PATCH /jobs/:id/throttles while the job runs
    startedAt = performance.now();
    for (let i = 640; i < 64_640; i++) throttle.processElement(i);
    // At 10 000/s these would take 6.4 s.
    expect(performance.now() - startedAt).toBeLessThan(3_000);
    expect(out.length).toBe(64_640);
  });
});
