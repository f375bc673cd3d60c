// The stateless one-input operators: map, filter, flatMap, process.
import type { FilterFunction, FlatMapFunction, MapFunction, ProcessContext, ProcessFunction } from '../api/functions.js';
import { closeFunction, openFunction, type OperatorContext, type Output, type StreamOperator } from './stream-operator.js';

/** Flink's StreamMap. Owned by: one subtask worker thread. */
export class MapOperator<I, O> implements StreamOperator<I> {
  constructor(private readonly fn: MapFunction<I, O>, private readonly output: Output<O>) {}
  open(context: OperatorContext) { return openFunction(this.fn, context); }
  processElement(record: I): void {
    this.output.collect(this.fn(record));
  }
  close() { return closeFunction(this.fn); }
}

/** Flink's StreamFilter. Owned by: one subtask worker thread. */
export class FilterOperator<T> implements StreamOperator<T> {
  constructor(private readonly fn: FilterFunction<T>, private readonly output: Output<T>) {}
  open(context: OperatorContext) { return openFunction(this.fn, context); }
  processElement(record: T): void {
    if (this.fn(record)) this.output.collect(record);
  }
  close() { return closeFunction(this.fn); }
}

/** Flink's StreamFlatMap. Owned by: one subtask worker thread. */
export class FlatMapOperator<I, O> implements StreamOperator<I> {
  constructor(private readonly fn: FlatMapFunction<I, O>, private readonly output: Output<O>) {}
  open(context: OperatorContext) { return openFunction(this.fn, context); }
  processElement(record: I): void {
    this.fn(record, this.output);
  }
  close() { return closeFunction(this.fn); }
}

const NO_TIMESTAMP: ProcessContext = { timestamp: () => undefined };

/** Flink's ProcessOperator. Owned by: one subtask worker thread. */
export class ProcessOperator<I, O> implements StreamOperator<I> {
  constructor(private readonly fn: ProcessFunction<I, O>, private readonly output: Output<O>) {}
  open(context: OperatorContext) { return openFunction(this.fn, context); }
  processElement(record: I): void {
    this.fn.processElement(record, NO_TIMESTAMP, this.output);
  }
  close() { return closeFunction(this.fn); }
}
