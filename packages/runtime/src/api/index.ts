// Public pieces of the DataStream API: the environment, streams, user function types, sources, sinks and the job executor hook.

export { DEFAULT_JOB_NAME, StreamExecutionEnvironment } from './environment.js';
export { DataStream, DEFAULT_OPERATOR_NAMES, SingleOutputStreamOperator } from './data-stream.js';
export { KeyedStream, type NumericField } from './keyed-stream.js';
export { DataStreamSink } from './data-stream-sink.js';
export type {
  Collector,
  FilterFunction,
  FlatMapFunction,
  GeneratorFunction,
  KeyedProcessContext,
  KeyedProcessFunction,
  KeySelector,
  MapFunction,
  ProcessContext,
  ProcessFunction,
  ReduceFunction,
  RichFunction,
  RuntimeContext,
  SinkFunction,
} from './functions.js';
export { DEFAULT_SOURCE_NAMES, type FromCollectionOptions, type FromGeneratorOptions } from './sources.js';
export { DEFAULT_SINK_NAMES } from './sinks.js';
export {
  getContextExecutionConfig,
  getJobExecutor,
  setContextExecutionConfig,
  setJobExecutor,
  type JobExecutionResult,
  type JobExecutor,
  type JobPlan,
} from './job-executor.js';
export { ParameterTool } from './parameter-tool.js';
