// The job-wide settings a program puts on its environment, carried by the StreamGraph and JobGraph (Flink's ExecutionConfig).

/**
 * Job-wide settings (Flink's ExecutionConfig and pipeline options); plain data.
 */
export interface ExecutionConfig {
  /** `execution.runtime-mode`: STREAMING (default) or BATCH (keyed aggregates emitted once, at the end of bounded input). */
  readonly runtimeMode: RuntimeExecutionMode;
  /** Parallelism of every operator that sets none (`parallelism.default`). */
  readonly parallelism: number;
  /**
   * Max parallelism (number of key groups) of every operator that sets none, or -1 to derive it per
   * operator from its parallelism (`pipeline.max-parallelism`; see `computeDefaultMaxParallelism`).
   */
  readonly maxParallelism: number;
  /** False turns operator chaining off for the whole job (`pipeline.operator-chaining`). */
  readonly isChainingEnabled: boolean;
  /**
   * Milliseconds after which a partly filled output buffer is flushed; 0 flushes after every record, -1
   * only flushes full buffers (`execution.buffer-timeout`).
   */
  readonly bufferTimeoutMs: number;
}

/** The settings of a new environment, each with its reason. */
/** Flink's RuntimeExecutionMode: STREAMING emits every update; BATCH (bounded inputs) emits keyed aggregates once, at the end of input. */
export type RuntimeExecutionMode = 'STREAMING' | 'BATCH';

export const DEFAULT_EXECUTION_CONFIG: ExecutionConfig = {
  runtimeMode: 'STREAMING', // Flink's default: results as records arrive, for unbounded streams
  parallelism: 1, // Flink's `parallelism.default` for a cluster: a job asks for more explicitly
  maxParallelism: -1, // derive: 128 key groups up to parallelism 85, more above (Flink's rule)
  isChainingEnabled: true, // chaining saves a serialization and a thread hop per record
  bufferTimeoutMs: 100, // Flink's default: latency of a slow stream bounded at 100 ms, full buffers otherwise
};
