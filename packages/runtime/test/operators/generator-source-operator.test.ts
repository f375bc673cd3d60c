import { describe, expect, it } from 'vitest';
import { GeneratorSourceOperator } from '../../src/operators/source-operators.js';
import type { OperatorContext } from '../../src/operators/stream-operator.js';

function contextOf(subtaskIndex: number, parallelism: number, throttles = new Map<string, number>()): OperatorContext {
  return { subtaskIndex, parallelism, throttles } as unknown as OperatorContext;
}

describe('GeneratorSourceOperator', () => {
  it('as a collection (unthrottled, one subtask) emits every element in order, in batches of at most maxRecords', async () => {
    const items = ['a', 'b', 'c', 'd', 'e'];
    const out: string[] = [];
    const source = new GeneratorSourceOperator((i) => items[i], items.length, Infinity, undefined, { collect: (s: string) => out.push(s) });
    await source.open(contextOf(0, 1));
    expect(source.emitBatch(2, () => true)).toEqual({ kind: 'more' });
    expect(out).toEqual(['a', 'b']);
    expect(source.emitBatch(1024, () => true)).toEqual({ kind: 'end' });
    expect(out).toEqual(items);
  });

  it("emits only its subtask's share of the indices and stops when output is unavailable", async () => {
    const out: number[] = [];
    const source = new GeneratorSourceOperator((i) => i, 10, Infinity, undefined, { collect: (n: number) => out.push(n) });
    await source.open(contextOf(1, 3));
    expect(source.emitBatch(1024, () => out.length < 2)).toEqual({ kind: 'more' });
    expect(out).toEqual([1, 4]);
    expect(source.emitBatch(1024, () => true)).toEqual({ kind: 'end' });
    expect(out).toEqual([1, 4, 7]);
  });

  it('waits (without emitting) until its first record is due when throttled', async () => {
    const out: number[] = [];
    // 0.02 records/s over 2 subtasks: one per 100 s here, so nothing is due this soon after open.
    const source = new GeneratorSourceOperator((i) => i, Infinity, 0.02, 'producer', { collect: (n: number) => out.push(n) });
    await source.open(contextOf(0, 2));
    const status = source.emitBatch(1024, () => true);
    expect(status.kind).toBe('wait');
    expect(status.kind === 'wait' && status.delayMs > 0 && status.delayMs <= 100_000).toBe(true);
    expect(out).toEqual([]);
  });

  it('follows its named throttle: released to Infinity it emits at once', async () => {
    const out: number[] = [];
    const throttles = new Map<string, number>();
    const source = new GeneratorSourceOperator((i) => i, 3, 0.01, 'producer', { collect: (n: number) => out.push(n) });
    await source.open(contextOf(0, 1, throttles));
    expect(source.emitBatch(1024, () => true).kind).toBe('wait');
    throttles.set('producer', Infinity);
    expect(source.emitBatch(1024, () => true)).toEqual({ kind: 'end' });
    expect(out).toEqual([0, 1, 2]);
  });
});
