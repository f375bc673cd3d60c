// DataStream and SingleOutputStreamOperator: the DataStream API's transformations, partitionings and sinks (Flink's names).

import { RuntimeError } from '../errors.js';
import type { OperatorDescriptor } from '../graph/operator-descriptor.js';
import type { PartitionerKind } from '../graph/partitioners.js';
import type { Transformation } from '../graph/transformation.js';
import { describeValue, type RecordShape } from '../serialization/record-shape.js';
import { DataStreamSink } from './data-stream-sink.js';
import type { StreamExecutionEnvironment } from './environment.js';
import type { FilterFunction, FlatMapFunction, KeySelector, MapFunction, ProcessFunction, SinkFunction } from './functions.js';
import { KeyedStream } from './keyed-stream.js';
import { createDiscardingSink, createFileSink, createFunctionSink, createPrintSink, DEFAULT_SINK_NAMES } from './sinks.js';
import { checkFunction } from './sources.js';

/** Default names of the built-in operators, Flink's. */
export const DEFAULT_OPERATOR_NAMES = {
  map: 'Map',
  flatMap: 'Flat Map',
  filter: 'Filter',
  process: 'Process',
  'keyed-reduce': 'Keyed Reduce',
  'keyed-sum': 'Keyed Aggregation',
  'keyed-process': 'KeyedProcess',
  'pool-map': 'Pool Map',
  throttle: 'Throttle',
} as const;

/**
 * A stream of records of type `T` (Flink's DataStream). Each method records a transformation in the
 * environment and returns the new stream; nothing runs until `env.execute()`.
 */
export class DataStream<T> {
  /** @param transformation the step that produces this stream */
  constructor(
    readonly environment: StreamExecutionEnvironment,
    readonly transformation: Transformation,
  ) {}

  /** Applies `fn` to every record. */
  map<R>(fn: MapFunction<T, R>): SingleOutputStreamOperator<R> {
    checkFunction('map', fn);
    return this.transform({ kind: 'map', fn: erase(fn), options: {} }, DEFAULT_OPERATOR_NAMES.map);
  }

  /** Applies `fn` to every record; it emits zero or more records through its collector. */
  flatMap<R>(fn: FlatMapFunction<T, R>): SingleOutputStreamOperator<R> {
    checkFunction('flatMap', fn);
    return this.transform({ kind: 'flatMap', fn: erase(fn), options: {} }, DEFAULT_OPERATOR_NAMES.flatMap);
  }

  /** Keeps the records for which `fn` returns true; the output keeps the input's record shape. */
  filter(fn: FilterFunction<T>): SingleOutputStreamOperator<T> {
    checkFunction('filter', fn);
    return this.transform({ kind: 'filter', fn: erase(fn), options: {} }, DEFAULT_OPERATOR_NAMES.filter);
  }

  /** Processes every record with `fn.processElement(value, ctx, out)`. */
  process<R>(fn: ProcessFunction<T, R>): SingleOutputStreamOperator<R> {
    checkProcessFunction('process', fn);
    return this.transform({ kind: 'process', fn: erase(fn), options: {} }, DEFAULT_OPERATOR_NAMES.process);
  }

  /**
   * Runs CPU-heavy work off the subtask thread: records are batched (`batchSize`, default 256) and each
   * batch is handed to the function the job module exports as `exportName` — `(batch) => results` — in
   * a piscina pool of `maxThreads` threads (default 2). With `maxInFlight` batches (default 4) in the pool
   * the operator stops taking input (checked per input buffer), so a slow pool backpressures upstream
   * (Flink's async I/O pattern with a bounded queue). Results keep the input's order.
   */
  mapBatchesInPool<R>(exportName: string, options: { batchSize?: number; maxThreads?: number; maxInFlight?: number } = {}): SingleOutputStreamOperator<R> {
    if (typeof exportName !== 'string' || exportName.length === 0) throw new RuntimeError('ERR_RT_BAD_ARGUMENT', 'mapBatchesInPool needs the name of a function the job module exports');
    const { batchSize = 256, maxThreads = 2, maxInFlight = 4 } = options;
    for (const [name, value] of Object.entries({ batchSize, maxThreads, maxInFlight })) {
      if (!Number.isInteger(value) || value < 1) throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `mapBatchesInPool: ${name} must be a positive integer, got ${value}`);
    }
    return this.transform({ kind: 'pool-map', options: { exportName, batchSize, maxThreads, maxInFlight } }, DEFAULT_OPERATOR_NAMES['pool-map']);
  }

  /**
   * Lets at most `recordsPerSecond` records per second through (over all subtasks), holding the rest
   * back — which backpressures upstream. The rate can be changed while the job runs under `name`
   * (REST `PATCH /jobs/:id/throttles`); the backpressure experiment throttles its consumer this way.
   */
  throttle(name: string, recordsPerSecond = Infinity): SingleOutputStreamOperator<T> {
    if (typeof name !== 'string' || name.length === 0) throw new RuntimeError('ERR_RT_BAD_ARGUMENT', 'throttle needs a name');
    if (!(recordsPerSecond > 0)) throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `throttle ${name}: records per second must be > 0, got ${recordsPerSecond}`);
    return this.transform({ kind: 'throttle', options: { name, recordsPerSecond } }, DEFAULT_OPERATOR_NAMES.throttle);
  }

  /**
   * Partitions the stream by key: records with equal keys go to the same subtask, through key groups
   * (`murmurHash(hashCode(key)) % maxParallelism`). Keyed operators (reduce, sum, process) follow.
   */
  keyBy<K>(key: KeySelector<T, K>): KeyedStream<T, K> {
    checkFunction('keyBy', key);
    const partition = this.environment.addTransformation(
      { type: 'partition', partitioner: 'hash', keySelector: erase(key) },
      [this.transformation],
      'Partition',
    );
    return new KeyedStream(this.environment, partition, key);
  }

  /** Sends records to the consumer subtask of the same index; needs equal parallelism, and chains. */
  forward(): DataStream<T> {
    return this.partition('forward');
  }

  /** Distributes records round-robin over all consumer subtasks. */
  rebalance(): DataStream<T> {
    return this.partition('rebalance');
  }

  /** Distributes records round-robin over a local group of consumer subtasks (fewer channels than rebalance). */
  rescale(): DataStream<T> {
    return this.partition('rescale');
  }

  /** Sends each record to a uniformly random consumer subtask. */
  shuffle(): DataStream<T> {
    return this.partition('shuffle');
  }

  /** Sends every record to every consumer subtask. */
  broadcast(): DataStream<T> {
    return this.partition('broadcast');
  }

  /** Sends every record to consumer subtask 0. */
  global(): DataStream<T> {
    return this.partition('global');
  }

  /** Merges this stream with `streams` (of the same type and environment) into one. */
  union(...streams: DataStream<T>[]): DataStream<T> {
    for (const stream of streams) {
      if (!(stream instanceof DataStream)) {
        throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `union needs DataStreams, got ${describeValue(stream)}`);
      }
    }
    const inputs = [this.transformation, ...streams.map((stream) => stream.transformation)];
    return new DataStream(this.environment, this.environment.addTransformation({ type: 'union' }, inputs, 'Union'));
  }

  /**
   * Prints every record as a line to stdout, prefixed `prefix> ` (or `<subtask>> ` when parallel).
   * @param prefix default none
   */
  print(prefix?: string): DataStreamSink<T> {
    return this.sink(createPrintSink(prefix, 'stdout'), DEFAULT_SINK_NAMES.print);
  }

  /** Like {@link print}, to stderr. */
  printToErr(prefix?: string): DataStreamSink<T> {
    return this.sink(createPrintSink(prefix, 'stderr'), DEFAULT_SINK_NAMES.printToErr);
  }

  /** Writes every record as a line of the text file at `path` (a directory of files when parallel). */
  writeAsText(path: string): DataStreamSink<T> {
    return this.sink(createFileSink(path), DEFAULT_SINK_NAMES.file);
  }

  /** Drops every record (Flink's DiscardingSink): a sink for benchmarks. */
  discard(): DataStreamSink<T> {
    return this.sink(createDiscardingSink(), DEFAULT_SINK_NAMES.discard);
  }

  /** Calls `sink.invoke(record)` for every record. */
  addSink(sink: SinkFunction<T>): DataStreamSink<T> {
    return this.sink(createFunctionSink(erase(sink)), DEFAULT_SINK_NAMES.function);
  }

  /**
   * Adds the operator `operator` reading this stream; the building block of the methods above, also used by
   * KeyedStream. The descriptor's functions are the user's own objects.
   */
  transform<R>(operator: OperatorDescriptor, name: string): SingleOutputStreamOperator<R> {
    const transformation = this.environment.addTransformation({ type: 'operator', operator }, [this.transformation], name);
    return new SingleOutputStreamOperator<R>(this.environment, transformation);
  }

  private partition(partitioner: PartitionerKind): DataStream<T> {
    const transformation = this.environment.addTransformation(
      { type: 'partition', partitioner },
      [this.transformation],
      'Partition',
    );
    return new DataStream(this.environment, transformation);
  }

  private sink(operator: OperatorDescriptor, name: string): DataStreamSink<T> {
    const transformation = this.environment.addTransformation({ type: 'operator', operator }, [this.transformation], name);
    return new DataStreamSink<T>(transformation);
  }
}

/**
 * The stream an operator produces, whose settings can still change (Flink's SingleOutputStreamOperator).
 * Every setter returns the same stream, so calls chain.
 */
export class SingleOutputStreamOperator<T> extends DataStream<T> {
  /** Names the operator in plans, metrics and the web UI. */
  name(name: string): this {
    this.transformation.setName(name);
    return this;
  }

  /** Sets a stable user id; the operator id is then derived from it alone (keep it for savepoints). */
  uid(uid: string): this {
    this.transformation.setUid(uid);
    return this;
  }

  /**
   * Sets the number of parallel subtasks.
   * @param parallelism default: the environment's (`env.setParallelism`)
   */
  setParallelism(parallelism: number): this {
    this.transformation.setParallelism(parallelism);
    return this;
  }

  /**
   * Sets the max parallelism (number of key groups) of the operator.
   * @param maxParallelism default: the environment's, else 128 up to parallelism 85 (Flink's derivation)
   */
  setMaxParallelism(maxParallelism: number): this {
    this.transformation.setMaxParallelism(maxParallelism);
    return this;
  }

  /** Chains the operator to neither its input nor its outputs. */
  disableChaining(): this {
    this.transformation.chainingStrategy = 'never';
    return this;
  }

  /** Starts a new chain at this operator: not chained to its input, its outputs may chain to it. */
  startNewChain(): this {
    this.transformation.chainingStrategy = 'head';
    return this;
  }

  /**
   * Puts the operator in slot sharing group `group`; operators in different groups never share a slot
   * (and never chain).
   * @param group default: the inputs' group when they share one, else `'default'`
   */
  slotSharingGroup(group: string): this {
    this.transformation.setSlotSharingGroup(group);
    return this;
  }

  /**
   * Declares the shape of the output records, e.g. `{ key: 'int32', value: 'float64' }`: edges leaving
   * this operator use the typed serializer (fast, fixed layout) instead of msgpackr.
   */
  returns(shape: RecordShape): this {
    this.transformation.setOutputShape(shape);
    return this;
  }
}

/**
 * Checks that `fn` has a `processElement` method.
 * @throws RuntimeError `ERR_RT_BAD_ARGUMENT` naming the API call
 */
export function checkProcessFunction(call: string, fn: unknown): void {
  if (fn === null || typeof fn !== 'object' || typeof (fn as { processElement?: unknown }).processElement !== 'function') {
    throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `${call} needs an object with a processElement method, got ${describeValue(fn)}`);
  }
}

/** Forgets a user function's record types: graph nodes hold functions of `unknown` records. */
export function erase<F>(fn: unknown): F {
  return fn as F;
}
