// The contract every operator of a chain implements, and the context it runs in.
import type { Collector, RuntimeContext } from '../api/functions.js';
import type { ExecutionConfig } from '../graph/execution-config.js';

/** Where an operator sends its records: the next operator of the chain, a RecordWriter, or several. */
export type Output<T> = Collector<T>;

/** What an operator knows about the subtask it runs in. */
export interface OperatorContext extends RuntimeContext {
  readonly config: ExecutionConfig;
  /** Throttles of the job by name (records/s over all subtasks); the runtime updates them while running. */
  readonly throttles: Map<string, number>;
}

/**
 * One operator of a chain (Flink's StreamOperator). The subtask's mailbox calls `processElement` for
 * every record of the operator's input, `endInput` once all inputs ended (bounded input), and `close`
 * last. Operators are synchronous per record; `open` and `close` may be async.
 *
 * Owned by: one subtask worker thread.
 */
export interface StreamOperator<IN> {
  open(context: OperatorContext): void | Promise<void>;
  processElement(record: IN): void;
  /** Only operators that hold records back until the end (batch reductions, buffers) need one. */
  endInput?(): void;
  close(): void | Promise<void>;
  /** False while the operator cannot take more input (its own bounded queue is full); the mailbox waits. */
  isAvailable?(): boolean;
  /** Resolves when {@link isAvailable} may be true again. */
  availability?(): Promise<void>;
  /** After endInput: resolves once everything in flight was emitted (async operators). */
  finish?(): Promise<void>;
}

/** What a source reports after emitting a batch. */
export type SourceStatus =
  /** More records are ready now. */
  | { kind: 'more' }
  /** Throttled: the next record is due in `delayMs`. */
  | { kind: 'wait'; delayMs: number }
  /** The source is exhausted. */
  | { kind: 'end' };

/** A source at the head of a chain (Flink's SourceOperator, driven by the mailbox). */
export interface SourceOperator<OUT> {
  open(context: OperatorContext): void | Promise<void>;
  /** Emits at most `maxRecords` records to `output` while `isAvailable()` stays true. */
  emitBatch(maxRecords: number, isAvailable: () => boolean): SourceStatus;
  close(): void | Promise<void>;
  /** Only for the type: sources emit OUT. */
  readonly output: Output<OUT>;
}

/** Calls a rich function's optional `open`. */
export async function openFunction(fn: unknown, context: OperatorContext): Promise<void> {
  const rich = fn as { open?: (context: OperatorContext) => unknown };
  if (rich !== null && typeof rich === 'object' && typeof rich.open === 'function') await rich.open(context);
}

/** Calls a rich function's optional `close`. */
export async function closeFunction(fn: unknown): Promise<void> {
  const rich = fn as { close?: () => unknown };
  if (rich !== null && typeof rich === 'object' && typeof rich.close === 'function') await rich.close();
}
