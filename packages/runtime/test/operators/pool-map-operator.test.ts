import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PoolMapOperator } from '../../src/operators/pool-map-operator.js';

const JOB = { jobModuleUrl: pathToFileURL(new URL('./fixtures/pool-job.ts', import.meta.url).pathname).href, programArgs: [], contextConfig: {} };

describe('PoolMapOperator on a real piscina pool', () => {
  it('takes a whole input buffer of batches past maxInFlight without failing, and keeps the order', async () => {
    const out: number[] = [];
    const operator = new PoolMapOperator<number, number>('double', 1, 1, 1, JOB, { collect: (value: number) => out.push(value) } as never);
    operator.open({} as never);
    try {
      // One buffer's worth of records arrives between two availability checks: 50 one-record batches.
      for (let i = 0; i < 50; i++) operator.processElement(i);
      expect(operator.isAvailable()).toBe(false); // the mailbox would stop taking input now
      operator.endInput();
      await operator.finish();
      expect(out).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
      expect(operator.isAvailable()).toBe(true);
    } finally {
      await operator.close();
    }
  }, 30_000);
});
