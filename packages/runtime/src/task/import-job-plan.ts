// Runs a job module with a capturing executor and returns the plan its env.execute() hands over (and the module).
import type { JobExecutionResult, JobPlan } from '../api/job-executor.js';
import { setContextExecutionConfig, setJobExecutor } from '../api/job-executor.js';
import { RuntimeError } from '../errors.js';

let importCounter = 0;

/** What the job module handed over and what it exports (for `mapBatchesInPool`'s named functions). */
export interface ImportedJob {
  plan: JobPlan;
  module: Record<string, unknown>;
}

/**
 * Imports the job module at `moduleUrl` so that its `env.execute()` does not run anything but hands its
 * JobPlan (with the user's functions) to us. The same module builds the same graph with the same ids in
 * every process (subtask threads and pool threads alike), given the same program arguments and context config.
 *
 * @throws RuntimeError `ERR_RT_JOB_BUILD` when the module throws, `ERR_RT_NO_EXECUTE` when it never calls execute()
 */
export async function importJobModule(
  moduleUrl: string,
  options: { programArgs: string[]; contextConfig: Record<string, unknown>; jobFile?: string },
): Promise<ImportedJob> {
  let captured: JobPlan | undefined;
  const executor = async (plan: JobPlan): Promise<JobExecutionResult> => {
    captured ??= plan;
    return { jobId: '', jobName: plan.jobName, netRuntimeMs: 0 };
  };
  const previousExecutor = setJobExecutor(executor);
  const previousContext = setContextExecutionConfig(options.contextConfig);
  const previousArgv = process.argv;
  process.argv = [process.execPath, options.jobFile ?? moduleUrl, ...options.programArgs];
  let module: Record<string, unknown>;
  try {
    module = await import(`${moduleUrl}${moduleUrl.includes('?') ? '&' : '?'}v=${++importCounter}`);
  } catch (error) {
    throw new RuntimeError('ERR_RT_JOB_BUILD', `the job ${options.jobFile ?? moduleUrl} threw while building its graph: ${(error as Error).message ?? String(error)}`, { cause: error });
  } finally {
    process.argv = previousArgv;
    setJobExecutor(previousExecutor);
    setContextExecutionConfig(previousContext);
  }
  if (captured === undefined) {
    throw new RuntimeError('ERR_RT_NO_EXECUTE', `the job ${options.jobFile ?? moduleUrl} did not call env.execute()`);
  }
  return { plan: captured, module };
}

/** {@link importJobModule}, for callers that need only the plan. */
export async function importJobPlan(
  moduleUrl: string,
  options: { programArgs: string[]; contextConfig: Record<string, unknown>; jobFile?: string },
): Promise<JobPlan> {
  return (await importJobModule(moduleUrl, options)).plan;
}
