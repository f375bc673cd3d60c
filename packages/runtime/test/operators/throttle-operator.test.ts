import { describe, expect, it } from 'vitest';
import type { OperatorContext } from '../../src/operators/stream-operator.js';
import { ThrottleOperator } from '../../src/operators/throttle-operator.js';

describe('ThrottleOperator', () => {
  it("passes records through unchanged, without sleeping, while the job's throttle of its name is unthrottled", () => {
    const out: number[] = [];
    // Its own rate would take 100 s per record here; the job's throttle 'consumer' overrides it.
    const throttle = new ThrottleOperator<number>('consumer', 0.01, { collect: (n: number) => out.push(n) });
    throttle.open({ subtaskIndex: 0, parallelism: 1, throttles: new Map([['consumer', Infinity]]) } as unknown as OperatorContext);
    const startedAt = Date.now();
    for (let i = 0; i < 1000; i++) throttle.processElement(i);
    expect(out).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });
});
