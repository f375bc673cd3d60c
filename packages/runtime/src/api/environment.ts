// StreamExecutionEnvironment: where a program adds sources, sets job-wide settings, builds its graphs and calls execute().

import { RuntimeError } from '../errors.js';
import { DEFAULT_EXECUTION_CONFIG, type RuntimeExecutionMode, type ExecutionConfig } from '../graph/execution-config.js';
import { createJobGraph, type JobGraph } from '../graph/job-graph.js';
import { UPPER_BOUND_MAX_PARALLELISM } from '../graph/key-groups.js';
import type { OperatorDescriptor } from '../graph/operator-descriptor.js';
import { generateStreamGraph, type StreamGraph } from '../graph/stream-graph.js';
import { Transformation, type TransformationBody } from '../graph/transformation.js';
import { describeValue } from '../serialization/record-shape.js';
import { SingleOutputStreamOperator } from './data-stream.js';
import type { GeneratorFunction } from './functions.js';
import { getContextExecutionConfig, getJobExecutor, type JobExecutionResult } from './job-executor.js';
import {
  createCollectionSource,
  createFileSource,
  createGeneratorSource,
  DEFAULT_SOURCE_NAMES,
  type FromCollectionOptions,
  type FromGeneratorOptions,
} from './sources.js';

/** The job name `execute()` and the graph getters use when given none. */
export const DEFAULT_JOB_NAME = 'Sluice Streaming Job';

/**
 * The context a streaming program runs in (Flink's StreamExecutionEnvironment): it creates sources, holds
 * the job-wide settings and every transformation the program adds, and turns them into a StreamGraph and
 * a JobGraph. `execute()` runs nothing itself: it hands the graphs to the installed JobExecutor.
 *
 * A job module builds the same program in every process that imports it (the client, and each subtask
 * worker), so it must not depend on anything that differs between processes when it builds the graph.
 *
 * Owned by: the thread running the job module.
 */
export class StreamExecutionEnvironment {
  private config: ExecutionConfig;
  private readonly transformations: Transformation[] = [];
  private readonly known = new Set<Transformation>();

  /**
   * @param programConfig job-wide settings of the program; unset ones come from the context config the job runner
   *   installed (`setContextExecutionConfig`, e.g. `sluice run -p 4`), then {@link DEFAULT_EXECUTION_CONFIG}
   */
  constructor(programConfig: Partial<ExecutionConfig> = {}) {
    this.config = DEFAULT_EXECUTION_CONFIG;
    const config = { ...getContextExecutionConfig(), ...withoutUndefined(programConfig) };
    if (config.parallelism !== undefined) this.setParallelism(config.parallelism);
    if (config.maxParallelism !== undefined) this.setMaxParallelism(config.maxParallelism);
    if (config.isChainingEnabled !== undefined) this.config = { ...this.config, isChainingEnabled: config.isChainingEnabled };
    if (config.bufferTimeoutMs !== undefined) this.setBufferTimeout(config.bufferTimeoutMs);
  }

  /** A new environment (Flink's `getExecutionEnvironment()`); the executor decides where the job runs. */
  static getExecutionEnvironment(config: Partial<ExecutionConfig> = {}): StreamExecutionEnvironment {
    return new StreamExecutionEnvironment(config);
  }

  // ------------------------------------------------------------------------------------------------
  // Job-wide settings
  // ------------------------------------------------------------------------------------------------

  /**
   * Sets the parallelism of every operator that sets none.
   * @param parallelism default 1
   * @throws RuntimeError `ERR_RT_BAD_ARGUMENT` unless an integer in [1, 32768]
   */
  setParallelism(parallelism: number): this {
    checkInteger('parallelism', parallelism, 1);
    this.config = { ...this.config, parallelism };
    return this;
  }

  /** The parallelism of operators that set none. */
  getParallelism(): number {
    return this.config.parallelism;
  }

  /**
   * Sets the max parallelism (number of key groups) of every operator that sets none; fix it before a
   * job first keeps keyed state, since it cannot change afterwards.
   * @param maxParallelism default -1: derived per operator, 128 up to parallelism 85
   * @throws RuntimeError `ERR_RT_BAD_ARGUMENT` unless an integer in [1, 32768] or -1
   */
  setMaxParallelism(maxParallelism: number): this {
    if (maxParallelism !== -1) checkInteger('max parallelism', maxParallelism, 1);
    this.config = { ...this.config, maxParallelism };
    return this;
  }

  /** The max parallelism of operators that set none, or -1 when derived. */
  getMaxParallelism(): number {
    return this.config.maxParallelism;
  }

  /** Turns operator chaining off for the whole job: every operator runs in its own subtask. */
  disableOperatorChaining(): this {
    this.config = { ...this.config, isChainingEnabled: false };
    return this;
  }

  /** Whether operators may chain. */
  isChainingEnabled(): boolean {
    return this.config.isChainingEnabled;
  }

  /**
   * Sets how long a partly filled output buffer may wait before it is flushed; 0 flushes every record,
   * -1 flushes only full buffers.
   * @param bufferTimeoutMs default 100
   * @throws RuntimeError `ERR_RT_BAD_ARGUMENT` unless an integer ≥ -1
   */
  setBufferTimeout(bufferTimeoutMs: number): this {
    checkInteger('buffer timeout', bufferTimeoutMs, -1, Number.MAX_SAFE_INTEGER);
    this.config = { ...this.config, bufferTimeoutMs };
    return this;
  }

  /** The output buffer timeout in milliseconds. */
  getBufferTimeout(): number {
    return this.config.bufferTimeoutMs;
  }

  /**
   * Sets Flink's runtime mode: `STREAMING` (default) emits every update of a keyed aggregate; `BATCH`,
   * for bounded inputs, emits each key's final value once, when the input ends.
   */
  setRuntimeMode(runtimeMode: RuntimeExecutionMode): this {
    if (runtimeMode !== 'STREAMING' && runtimeMode !== 'BATCH') {
      throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `runtime mode must be 'STREAMING' or 'BATCH', got ${String(runtimeMode)}`);
    }
    this.config = { ...this.config, runtimeMode };
    return this;
  }

  /** A snapshot of the job-wide settings. */
  getConfig(): ExecutionConfig {
    return this.config;
  }

  // ------------------------------------------------------------------------------------------------
  // Sources
  // ------------------------------------------------------------------------------------------------

  /**
   * A parallel source of the records `fn(0)`, `fn(1)`, … at `ratePerSecond` (changeable while running under
   * the name `rateControl`), e.g. `env.fromGenerator((i) => ({ key: i % 10, value: i }), { ratePerSecond:
   * 1e6, rateControl: 'producer', shape: { key: 'int32', value: 'float64' } })`.
   */
  fromGenerator<T>(fn: GeneratorFunction<T>, options: FromGeneratorOptions = {}): SingleOutputStreamOperator<T> {
    const stream = this.addSource<T>(createGeneratorSource(fn, options), DEFAULT_SOURCE_NAMES.generator, true);
    if (options.shape !== undefined) stream.returns(options.shape);
    return stream;
  }

  /** A source of the elements of `elements` (copied now), in order, as one subtask. */
  fromCollection<T>(elements: Iterable<T>, options: FromCollectionOptions = {}): SingleOutputStreamOperator<T> {
    const stream = this.addSource<T>(createCollectionSource(elements), DEFAULT_SOURCE_NAMES.collection, false);
    if (options.shape !== undefined) stream.returns(options.shape);
    return stream;
  }

  /** A source of the given elements, in order, as one subtask. */
  fromElements<T>(...elements: T[]): SingleOutputStreamOperator<T> {
    return this.fromCollection(elements);
  }

  /** A source of the lines of the UTF-8 text file at `path`, without line terminators, as one subtask. */
  readTextFile(path: string): SingleOutputStreamOperator<string> {
    return this.addSource<string>(createFileSource(path), DEFAULT_SOURCE_NAMES.file, false);
  }

  // ------------------------------------------------------------------------------------------------
  // Graphs and execution
  // ------------------------------------------------------------------------------------------------

  /** Every transformation the program added, in creation order. */
  getTransformations(): readonly Transformation[] {
    return this.transformations;
  }

  /**
   * Records a transformation; the DataStream API's building block, not for job code.
   * @throws RuntimeError `ERR_RT_BAD_ARGUMENT` when an input belongs to another environment
   */
  addTransformation(
    body: TransformationBody,
    inputs: readonly Transformation[],
    name: string,
    isParallel = true,
  ): Transformation {
    for (const input of inputs) {
      if (!this.known.has(input)) {
        throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `stream "${input.name}" belongs to another environment`);
      }
    }
    const transformation = new Transformation(this.transformations.length, body, inputs, name, isParallel);
    this.transformations.push(transformation);
    this.known.add(transformation);
    return transformation;
  }

  /**
   * The program as a StreamGraph, one node per operator.
   * @throws RuntimeError `ERR_RT_BAD_GRAPH` when the program cannot form a job (see `generateStreamGraph`)
   */
  getStreamGraph(jobName: string = DEFAULT_JOB_NAME): StreamGraph {
    return generateStreamGraph(this.transformations, this.config, jobName);
  }

  /**
   * The program as a JobGraph of operator chains, what `sluice plan` prints.
   * @throws RuntimeError `ERR_RT_BAD_GRAPH` when the program cannot form a job
   */
  getJobGraph(jobName: string = DEFAULT_JOB_NAME): JobGraph {
    return createJobGraph(this.getStreamGraph(jobName));
  }

  /**
   * Builds the graphs and hands them to the installed JobExecutor, which submits the job (in the CLI) or
   * captures the graph (in a subtask worker); run job modules with `sluice run job.ts`.
   * @param jobName default `Sluice Streaming Job`
   * @throws RuntimeError `ERR_RT_NO_EXECUTOR` (as a rejection) when no executor is installed;
   *   `ERR_RT_BAD_GRAPH` when the program cannot form a job
   */
  async execute(jobName: string = DEFAULT_JOB_NAME): Promise<JobExecutionResult> {
    const executor = getJobExecutor();
    if (executor === undefined) {
      throw new RuntimeError(
        'ERR_RT_NO_EXECUTOR',
        `env.execute("${jobName}") found no job executor: a job module does not run on its own; ` +
          'run it with `sluice run job.ts` (or print its plan with `sluice plan job.ts`)',
      );
    }
    const streamGraph = this.getStreamGraph(jobName);
    const jobGraph = createJobGraph(streamGraph);
    return executor({ jobName, streamGraph, jobGraph, config: this.config });
  }

  private addSource<T>(
    operator: OperatorDescriptor,
    name: string,
    isParallel: boolean,
  ): SingleOutputStreamOperator<T> {
    const transformation = this.addTransformation({ type: 'operator', operator }, [], name, isParallel);
    return new SingleOutputStreamOperator<T>(this, transformation);
  }
}

function withoutUndefined(config: Partial<ExecutionConfig>): Partial<ExecutionConfig> {
  return Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined));
}

function checkInteger(what: string, value: number, min: number, max = UPPER_BOUND_MAX_PARALLELISM): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `${what} must be an integer in [${min}, ${max}], got ${describeValue(value)}`);
  }
}
