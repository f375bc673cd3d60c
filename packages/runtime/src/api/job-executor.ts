// The hooks whoever runs a job module (the CLI, a subtask worker) installs: the JobExecutor behind env.execute(), and the context config.

import type { ExecutionConfig } from '../graph/execution-config.js';
import type { JobGraph } from '../graph/job-graph.js';
import type { StreamGraph } from '../graph/stream-graph.js';

/** What `env.execute()` hands to the executor: the program's graphs, built in this process. */
export interface JobPlan {
  readonly jobName: string;
  readonly streamGraph: StreamGraph;
  readonly jobGraph: JobGraph;
  readonly config: ExecutionConfig;
}

/** What a finished (or, for a detached submission, accepted) job reports (Flink's JobExecutionResult). */
export interface JobExecutionResult {
  readonly jobId: string;
  readonly jobName: string;
  /** Milliseconds from the job's start to its end; 0 when the executor does not wait for the end. */
  readonly netRuntimeMs: number;
}

/**
 * Runs (or captures) the job a program built. The CLI installs one that submits the job to a JobManager;
 * a subtask worker installs one that captures the plan and looks up its operators by id.
 */
export type JobExecutor = (plan: JobPlan) => Promise<JobExecutionResult>;

// Kept on globalThis under a registered symbol, so that a second copy of this module (a bundled job module
// next to the CLI's runtime) sees the executor the CLI installed. Each worker thread has its own globalThis.
const EXECUTOR_KEY = Symbol.for('sluice.job-executor');
type ExecutorHolder = { [EXECUTOR_KEY]?: JobExecutor };

/**
 * Installs `executor` as the one `env.execute()` calls in this thread, or removes it with `undefined`.
 * @returns the executor installed before, so a caller can put it back
 */
export function setJobExecutor(executor: JobExecutor | undefined): JobExecutor | undefined {
  const holder = globalThis as ExecutorHolder;
  const previous = holder[EXECUTOR_KEY];
  if (executor === undefined) delete holder[EXECUTOR_KEY];
  else holder[EXECUTOR_KEY] = executor;
  return previous;
}

/** The executor `env.execute()` would call in this thread, if one is installed. */
export function getJobExecutor(): JobExecutor | undefined {
  return (globalThis as ExecutorHolder)[EXECUTOR_KEY];
}

const CONTEXT_CONFIG_KEY = Symbol.for('sluice.context-execution-config');
type ContextConfigHolder = { [CONTEXT_CONFIG_KEY]?: Partial<ExecutionConfig> };

/**
 * Installs the job-wide settings every environment created afterwards in this thread starts from (Flink's
 * context environment), e.g. `{ parallelism: 4 }` for `sluice run -p 4`; settings the program makes itself
 * still win. A subtask worker must install the same config as the client, or the graphs would differ.
 * @returns the config installed before
 */
export function setContextExecutionConfig(config: Partial<ExecutionConfig> | undefined): Partial<ExecutionConfig> | undefined {
  const holder = globalThis as ContextConfigHolder;
  const previous = holder[CONTEXT_CONFIG_KEY];
  if (config === undefined) delete holder[CONTEXT_CONFIG_KEY];
  else holder[CONTEXT_CONFIG_KEY] = Object.freeze({ ...config });
  return previous;
}

/** The context config new environments start from in this thread, if one is installed. */
export function getContextExecutionConfig(): Partial<ExecutionConfig> | undefined {
  return (globalThis as ContextConfigHolder)[CONTEXT_CONFIG_KEY];
}
