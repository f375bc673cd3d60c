// The user function types of the DataStream API (Flink's MapFunction, ProcessFunction, SinkFunction, …).
//
// Functions are never serialized: every subtask imports the job module, rebuilds the same graph and finds
// its functions on the graph's nodes by operator id. So a function may close over anything in the module.

/**
 * Generates the record with `index` (0, 1, 2, …) for a generator source. With parallelism p, subtask i
 * calls it for the indices i, i + p, i + 2p, … so that together they produce each index once.
 */
export type GeneratorFunction<T> = (index: number) => T;

/** Turns one record into one record (Flink's MapFunction). */
export type MapFunction<T, R> = (value: T) => R;

/** Collects the records a function emits (Flink's Collector); call `collect` zero or more times. */
export interface Collector<T> {
  collect(record: T): void;
}

/** Turns one record into zero or more records, emitted through `out` (Flink's FlatMapFunction). */
export type FlatMapFunction<T, R> = (value: T, out: Collector<R>) => void;

/** Keeps the records for which it returns `true` (Flink's FilterFunction). */
export type FilterFunction<T> = (value: T) => boolean;

/**
 * Combines the running value of a key (`value1`) with its next record (`value2`) into the new running value
 * (Flink's ReduceFunction). It must not mutate `value1` if it is still referenced elsewhere.
 */
export type ReduceFunction<T> = (value1: T, value2: T) => T;

/**
 * Extracts the key of a record (Flink's KeySelector). It must be deterministic: the same record gives the
 * same key in every process, since the key's hash picks the subtask (see `hashCode` in graph/key-groups.ts).
 */
export type KeySelector<T, K> = (value: T) => K;

/** What a function learns about the subtask it runs in, handed to `open` (Flink's RuntimeContext). */
export interface RuntimeContext {
  /** The job vertex's name, e.g. `Source: gen -> Map`. */
  readonly taskName: string;
  /** This subtask's index, 0-based. */
  readonly subtaskIndex: number;
  /** The number of parallel subtasks of this vertex. */
  readonly parallelism: number;
  /** The vertex's max parallelism, the number of key groups. */
  readonly maxParallelism: number;
  // Keyed state (`getState(descriptor)`) comes with the state backend.
}

/** Optional lifecycle hooks of process functions and sinks (Flink's RichFunction). */
export interface RichFunction {
  /** Called once before the first record; the runtime awaits a returned promise. */
  open?(context: RuntimeContext): void | Promise<void>;
  /** Called once after the last record (or on cancel); the runtime awaits a returned promise. */
  close?(): void | Promise<void>;
}

/** The context of one `processElement` call (Flink's ProcessFunction.Context). */
export interface ProcessContext {
  /** The timestamp of the current record, or `undefined` while records carry none (event time comes later). */
  timestamp(): number | undefined;
  // Side outputs (`output(tag, value)`) and the timer service come later.
}

/** The context of one keyed `processElement` call (Flink's KeyedProcessFunction.Context). */
export interface KeyedProcessContext<K> extends ProcessContext {
  /** The key of the current record. */
  getCurrentKey(): K;
  // `timerService()` (processing- and event-time timers, keyed and checkpointed) comes later.
}

/** Processes each record with full control over what it emits (Flink's ProcessFunction). */
export interface ProcessFunction<I, O> extends RichFunction {
  processElement(value: I, ctx: ProcessContext, out: Collector<O>): void;
}

/**
 * Processes each record of a keyed stream, seeing its key (Flink's KeyedProcessFunction). Keyed state (in
 * `open`'s context) and `onTimer(timestamp, ctx, out)` come later.
 */
export interface KeyedProcessFunction<K, I, O> extends RichFunction {
  processElement(value: I, ctx: KeyedProcessContext<K>, out: Collector<O>): void;
}

/** Writes each record somewhere outside the job (Flink's SinkFunction). */
export interface SinkFunction<T> extends RichFunction {
  invoke(value: T): void;
}
