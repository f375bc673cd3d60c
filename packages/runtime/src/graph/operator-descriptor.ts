// What each kind of operator is, as the runtime reads it off a StreamNode: its kind, user function, key selector and options.

import type {
  FilterFunction,
  FlatMapFunction,
  GeneratorFunction,
  KeyedProcessFunction,
  KeySelector,
  MapFunction,
  ProcessFunction,
  ReduceFunction,
  SinkFunction,
} from '../api/functions.js';

/** Options of a generator source (resolved: every field set). */
export interface GeneratorSourceOptions {
  /** Records to generate over all subtasks; `Infinity` = unbounded. */
  readonly count: number;
  /** Target records per second over all subtasks (each subtask takes its share); `Infinity` = as fast as possible. */
  readonly ratePerSecond: number;
  /** The name under which the rate can be changed while the job runs, or `undefined` when it can't. */
  readonly rateControl: string | undefined;
}

/** Options of a collection source: `fn(index)` returns element `index`, for `index < count`. */
export interface CollectionSourceOptions {
  readonly count: number;
}

/** Options of a file source: it emits the lines of a UTF-8 text file, without line terminators. */
export interface FileSourceOptions {
  readonly path: string;
}

/** Options of a keyed sum: the summed field, or `undefined` when the records are numbers. */
export interface KeyedSumOptions {
  readonly field: string | undefined;
}

/**
 * Options of a print sink: each record as one line, prefixed `prefix> ` when a prefix is set, else
 * `<subtask index + 1>> ` when the sink's parallelism is above 1 (Flink's PrintSinkFunction).
 */
export interface PrintSinkOptions {
  readonly prefix: string | undefined;
  readonly target: 'stdout' | 'stderr';
}

/**
 * Options of a text file sink: one line per record (strings as they are, other values as JSON). With
 * parallelism 1 the sink writes `path`; with more, `path` is a directory of files `1`, `2`, … (Flink's writeAsText).
 */
export interface FileSinkOptions {
  readonly path: string;
}

/** No options. */
export interface PoolMapOptions {
  /** Name of the function the job module exports: `(batch: T[]) => R[] | Promise<R[]>`, run in a piscina pool. */
  readonly exportName: string;
  /** Records per task handed to the pool. */
  readonly batchSize: number;
  /** Threads of the pool (per subtask). */
  readonly maxThreads: number;
  /** Batches in flight at once; more backpressures upstream. */
  readonly maxInFlight: number;
}

export interface ThrottleOptions {
  /** The throttle's name: the job's throttle of that name (REST `PATCH /jobs/:id/throttles`) sets its rate. */
  readonly name: string;
  /** Records per second over all subtasks until changed; `Infinity` = unthrottled. */
  readonly recordsPerSecond: number;
}

export type NoOptions = Readonly<Record<string, never>>;

// Members without a key selector say so, so that `node.keySelector` reads on every kind.
type Unkeyed = { readonly keySelector?: undefined };

/**
 * What an operator does, one member per kind; the runtime switches on `kind` to build the operator.
 * `fn` and `keySelector` are the user's own objects, never serialized; `options` is plain data.
 * Keyed kinds carry the `keySelector` of their input's keyBy (the key of their state, Flink's
 * `statePartitioner`); sinks that write elsewhere than a user function have no `fn`.
 */
export type OperatorDescriptor =
  | (Unkeyed & { readonly kind: 'source-generator'; readonly fn: GeneratorFunction<unknown>; readonly options: GeneratorSourceOptions })
  | (Unkeyed & { readonly kind: 'source-collection'; readonly fn: GeneratorFunction<unknown>; readonly options: CollectionSourceOptions })
  | (Unkeyed & { readonly kind: 'source-file'; readonly fn?: undefined; readonly options: FileSourceOptions })
  | (Unkeyed & { readonly kind: 'map'; readonly fn: MapFunction<unknown, unknown>; readonly options: NoOptions })
  | (Unkeyed & { readonly kind: 'flatMap'; readonly fn: FlatMapFunction<unknown, unknown>; readonly options: NoOptions })
  | (Unkeyed & { readonly kind: 'filter'; readonly fn: FilterFunction<unknown>; readonly options: NoOptions })
  | (Unkeyed & { readonly kind: 'process'; readonly fn: ProcessFunction<unknown, unknown>; readonly options: NoOptions })
  | (Unkeyed & { readonly kind: 'pool-map'; readonly fn?: undefined; readonly options: PoolMapOptions })
  | (Unkeyed & { readonly kind: 'throttle'; readonly fn?: undefined; readonly options: ThrottleOptions })
  | {
      readonly kind: 'keyed-reduce';
      readonly fn: ReduceFunction<unknown>;
      readonly keySelector: KeySelector<unknown, unknown>;
      readonly options: NoOptions;
    }
  | {
      /** `fn` is the reduce function that sums `options.field`; a runtime may use it as a keyed-reduce. */
      readonly kind: 'keyed-sum';
      readonly fn: ReduceFunction<unknown>;
      readonly keySelector: KeySelector<unknown, unknown>;
      readonly options: KeyedSumOptions;
    }
  | {
      readonly kind: 'keyed-process';
      readonly fn: KeyedProcessFunction<unknown, unknown, unknown>;
      readonly keySelector: KeySelector<unknown, unknown>;
      readonly options: NoOptions;
    }
  | (Unkeyed & { readonly kind: 'sink-print'; readonly fn?: undefined; readonly options: PrintSinkOptions })
  | (Unkeyed & { readonly kind: 'sink-file'; readonly fn?: undefined; readonly options: FileSinkOptions })
  | (Unkeyed & { readonly kind: 'sink-discard'; readonly fn?: undefined; readonly options: NoOptions })
  | (Unkeyed & { readonly kind: 'sink-function'; readonly fn: SinkFunction<unknown>; readonly options: NoOptions });

/** Every kind of operator. */
export type OperatorKind = OperatorDescriptor['kind'];

/** True for sources: operators with no input. */
export function isSourceKind(kind: OperatorKind): boolean {
  return kind.startsWith('source-');
}

/** True for sinks: operators with no output. */
export function isSinkKind(kind: OperatorKind): boolean {
  return kind.startsWith('sink-');
}

/** True for keyed operators, whose input must come through a keyBy (a `hash` edge). */
export function isKeyedKind(kind: OperatorKind): boolean {
  return kind.startsWith('keyed-');
}

/**
 * True when the operator emits records of its input's type (filter, keyed reduce and sum), so that its
 * output inherits the input's declared record shape unless it declares its own.
 */
export function preservesRecordType(kind: OperatorKind): boolean {
  return kind === 'filter' || kind === 'keyed-reduce' || kind === 'keyed-sum';
}
