// KeyedStream: a stream partitioned by key, with the keyed operators reduce, sum and process (Flink's KeyedStream).

import { RuntimeError } from '../errors.js';
import type { Transformation } from '../graph/transformation.js';
import { describeValue } from '../serialization/record-shape.js';
import { checkProcessFunction, DataStream, DEFAULT_OPERATOR_NAMES, erase, type SingleOutputStreamOperator } from './data-stream.js';
import type { StreamExecutionEnvironment } from './environment.js';
import type {
  FilterFunction,
  FlatMapFunction,
  KeyedProcessFunction,
  KeySelector,
  MapFunction,
  ReduceFunction,
} from './functions.js';
import { checkFunction } from './sources.js';

/** The names of the number-valued fields of `T`: what `sum(field)` accepts. */
export type NumericField<T> = { [P in keyof T]-?: T[P] extends number ? P : never }[keyof T] & string;

/**
 * A stream partitioned by the key `keySelector` extracts (Flink's KeyedStream): every record of a key
 * reaches the same subtask of the next operator, which keeps that key's state. Made by `DataStream.keyBy`.
 * Unlike Flink's it is not itself a DataStream: it offers the keyed operators, plus `map`, `flatMap` and
 * `filter` over the partitioned records.
 */
export class KeyedStream<T, K> {
  private readonly partitioned: DataStream<T>;

  /**
   * @param transformation the `hash` partition transformation of the keyBy
   * @param keySelector the key of each record, also the key of keyed state
   */
  constructor(
    readonly environment: StreamExecutionEnvironment,
    readonly transformation: Transformation,
    readonly keySelector: KeySelector<T, K>,
  ) {
    this.partitioned = new DataStream<T>(environment, transformation);
  }

  /**
   * Keeps a running value per key, `fn(running, record)`, and emits it after every record (Flink's
   * rolling reduce). The output keeps the input's record shape.
   */
  reduce(fn: ReduceFunction<T>): SingleOutputStreamOperator<T> {
    checkFunction('reduce', fn);
    return this.partitioned.transform(
      { kind: 'keyed-reduce', fn: erase(fn), keySelector: erase(this.keySelector), options: {} },
      DEFAULT_OPERATOR_NAMES['keyed-reduce'],
    );
  }

  /**
   * Keeps a running sum per key and emits it after every record: for number records the sum itself, for
   * object records the key's first record with `field` replaced by the sum (Flink's rolling `sum`).
   */
  sum(...field: T extends number ? [] : [field: NumericField<T>]): SingleOutputStreamOperator<T> {
    const name = field[0] as string | undefined;
    if (name !== undefined && (typeof name !== 'string' || name === '')) {
      throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `sum needs a field name, got ${describeValue(name)}`);
    }
    return this.partitioned.transform(
      { kind: 'keyed-sum', fn: createSumFunction(name), keySelector: erase(this.keySelector), options: { field: name } },
      DEFAULT_OPERATOR_NAMES['keyed-sum'],
    );
  }

  /** Processes every record with `fn.processElement(value, ctx, out)`; `ctx.getCurrentKey()` is its key. */
  process<R>(fn: KeyedProcessFunction<K, T, R>): SingleOutputStreamOperator<R> {
    checkProcessFunction('process', fn);
    return this.partitioned.transform(
      { kind: 'keyed-process', fn: erase(fn), keySelector: erase(this.keySelector), options: {} },
      DEFAULT_OPERATOR_NAMES['keyed-process'],
    );
  }

  /** Applies `fn` to every record, after partitioning by key. */
  map<R>(fn: MapFunction<T, R>): SingleOutputStreamOperator<R> {
    return this.partitioned.map(fn);
  }

  /** Applies `fn` to every record, after partitioning by key. */
  flatMap<R>(fn: FlatMapFunction<T, R>): SingleOutputStreamOperator<R> {
    return this.partitioned.flatMap(fn);
  }

  /** Keeps the records for which `fn` returns true, after partitioning by key. */
  filter(fn: FilterFunction<T>): SingleOutputStreamOperator<T> {
    return this.partitioned.filter(fn);
  }
}

/**
 * The reduce function behind `sum(field)`: adds numbers, or copies the running record with `field` summed
 * (a fresh object of the same key order, so typed records keep their hidden class).
 * @throws RuntimeError `ERR_RT_BAD_ARGUMENT` (at run time) when a summed value is not a number
 */
export function createSumFunction(field: string | undefined): ReduceFunction<unknown> {
  if (field === undefined) {
    return (running, value) => checkSummand(running, undefined) + checkSummand(value, undefined);
  }
  return (running, value) => {
    const a = (running as Record<string, unknown>)[field];
    const b = (value as Record<string, unknown>)[field];
    return { ...(running as object), [field]: checkSummand(a, field) + checkSummand(b, field) };
  };
}

function checkSummand(value: unknown, field: string | undefined): number {
  if (typeof value !== 'number') {
    const what = field === undefined ? 'a record' : `field "${field}"`;
    throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `sum needs numbers, but ${what} is ${describeValue(value)}`);
  }
  return value;
}
