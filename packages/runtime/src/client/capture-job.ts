// Builds a job's graph in the client: imports the job module under a capturing executor and returns the JobPlan it hands to env.execute().
import { randomBytes } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { JobPlan } from '../api/job-executor.js';
import type { ExecutionConfig } from '../graph/execution-config.js';
import { CONFIG_KEYS, type SluiceConfig } from '../options.js';
import { importJobPlan } from '../task/import-job-plan.js';
import { jobGraphToJson } from '../graph/format-plan.js';
import { bundleJob, removeJobBundle, writeJobBundle } from './job-bundle.js';
import type { RestClient } from './rest-client.js';

/** How {@link captureJob} runs the job module. */
export interface CaptureJobOptions {
  /** Program arguments, seen by the job as `process.argv.slice(2)`. Default: none. */
  programArgs?: readonly string[];
  /** Job-wide settings every environment of the job starts from (`sluice run -p 4`). Default: none. */
  contextConfig?: Partial<ExecutionConfig>;
  /** What the job sees as `process.argv[1]`. Default: the imported file. */
  jobFile?: string;
}

// The executor, context config and process.argv are globals of this thread: one capture at a time.
let captureQueue: Promise<unknown> = Promise.resolve();

/**
 * Imports the job module at `moduleFile` (a bundle written by `writeJobBundle`, or a job file when the process
 * runs under tsx) with a capturing executor installed, the context config set and `process.argv` set to
 * `[execPath, jobFile, ...programArgs]` for the duration, and returns the JobPlan its `env.execute()` handed over.
 * Each call imports the module afresh, so the program runs again. Captures in one thread run one after another.
 *
 * @throws RuntimeError `ERR_RT_JOB_BUILD` when the job throws while building its graph (the cause attached),
 *   `ERR_RT_NO_EXECUTE` when it never calls `env.execute()`
 */
export function captureJob(moduleFile: string, options: CaptureJobOptions = {}): Promise<JobPlan> {
  const file = isAbsolute(moduleFile) ? moduleFile : resolve(moduleFile);
  const run = (): Promise<JobPlan> =>
    importJobPlan(pathToFileURL(file).href, {
      programArgs: [...(options.programArgs ?? [])],
      contextConfig: { ...options.contextConfig },
      jobFile: options.jobFile ?? file,
    });
  const result = captureQueue.then(run, run);
  captureQueue = result.catch(() => undefined);
  return result;
}

/** A job bundled and captured from exactly the bundled code, as `sluice run` and `sluice plan` do it. */
export interface BundledJob {
  /** The bundled module, what travels to the TaskManagers. */
  readonly code: string;
  /** The plan the bundle built in this process: its ids are the ones every subtask will rebuild. */
  readonly plan: JobPlan;
}

/**
 * Bundles `jobFile` ({@link bundleJob}), writes the bundle to a temporary `.jobs/client-…` directory so that its
 * `@sluice/runtime` import resolves, captures the plan from it ({@link captureJob}) and deletes the directory.
 *
 * @throws RuntimeError `ERR_RT_JOB_BUILD` (does not build, or throws while building), `ERR_RT_NO_EXECUTE`
 */
export async function bundleAndCaptureJob(jobFile: string, options: Omit<CaptureJobOptions, 'jobFile'> = {}): Promise<BundledJob> {
  const code = await bundleJob(jobFile);
  const bundleId = `client-${process.pid}-${randomBytes(4).toString('hex')}`;
  const bundleFile = await writeJobBundle(code, bundleId);
  try {
    const plan = await captureJob(bundleFile, { ...options, jobFile: resolve(jobFile) });
    return { code, plan };
  } finally {
    await removeJobBundle(bundleId);
  }
}

/**
 * Bundles `jobFile`, captures its plan from the bundle and submits both, as `sluice run` does (without
 * following the job); returns the job id.
 */
export async function submitJobFile(
  client: RestClient,
  jobFile: string,
  options: { programArgs?: string[]; contextConfig?: Partial<ExecutionConfig> } = {},
): Promise<string> {
  const { programArgs = [], contextConfig = {} } = options;
  const { code, plan } = await bundleAndCaptureJob(jobFile, { programArgs, contextConfig });
  return client.submit({ jobName: plan.jobName, jobGraph: jobGraphToJson(plan.jobGraph), code, programArgs, contextConfig: { ...contextConfig } });
}

/**
 * The context execution config the client installs for a job, from the resolved configuration: the parallelism
 * always (`-p N`, `parallelism.default`), the max parallelism and buffer timeout only when set to something other
 * than their defaults (unset, the environment derives max parallelism per operator, as Flink does). The same
 * object travels with the job, so every subtask rebuilds the graph with the same settings.
 */
export function contextConfigFrom(config: SluiceConfig): Partial<ExecutionConfig> {
  const context: { -readonly [K in keyof ExecutionConfig]?: ExecutionConfig[K] } = { parallelism: config['parallelism.default'] };
  if (config['pipeline.max-parallelism'] !== CONFIG_KEYS['pipeline.max-parallelism'].default) {
    context.maxParallelism = config['pipeline.max-parallelism'];
  }
  if (config['execution.buffer-timeout'] !== CONFIG_KEYS['execution.buffer-timeout'].default) {
    context.bufferTimeoutMs = config['execution.buffer-timeout'];
  }
  return context;
}
