// Keyed operators: reduce (and sum, a reduce) and process, with per-key state in memory.
import type { KeyedProcessContext, KeyedProcessFunction, KeySelector, ReduceFunction } from '../api/functions.js';
import { closeFunction, openFunction, type OperatorContext, type Output, type StreamOperator } from './stream-operator.js';

/**
 * Flink's StreamGroupedReduceOperator: keeps the running reduction per key. In STREAMING mode every
 * update is emitted; in BATCH mode each key's final value is emitted once, at the end of input. State
 * is a plain Map for now (keyed state backends with TTL and checkpoints come later).
 *
 * Owned by: one subtask worker thread.
 */
export class KeyedReduceOperator<T, K> implements StreamOperator<T> {
  private readonly state = new Map<K, T>();
  private isBatch = false;

  constructor(private readonly fn: ReduceFunction<T>, private readonly keySelector: KeySelector<T, K>, private readonly output: Output<T>) {}

  open(context: OperatorContext) {
    this.isBatch = context.config.runtimeMode === 'BATCH';
    return openFunction(this.fn, context);
  }

  processElement(record: T): void {
    const key = this.keySelector(record);
    const current = this.state.get(key);
    const next = current === undefined ? record : this.fn(current, record);
    this.state.set(key, next);
    if (!this.isBatch) this.output.collect(next);
  }

  endInput(): void {
    if (!this.isBatch) return;
    for (const value of this.state.values()) this.output.collect(value);
  }

  close() { return closeFunction(this.fn); }
}

/** Flink's KeyedProcessOperator (no timers yet). Owned by: one subtask worker thread. */
export class KeyedProcessOperator<K, I, O> implements StreamOperator<I>, KeyedProcessContext<K> {
  private currentKey: K | undefined;

  constructor(private readonly fn: KeyedProcessFunction<K, I, O>, private readonly keySelector: KeySelector<I, K>, private readonly output: Output<O>) {}

  open(context: OperatorContext) { return openFunction(this.fn, context); }

  processElement(record: I): void {
    this.currentKey = this.keySelector(record);
    this.fn.processElement(record, this, this.output);
  }

  getCurrentKey(): K {
    return this.currentKey as K;
  }

  timestamp(): number | undefined {
    return undefined;
  }

  close() { return closeFunction(this.fn); }
}
