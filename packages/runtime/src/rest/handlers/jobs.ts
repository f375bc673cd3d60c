// The `/jobs` resources on Flink's paths: list, overview, details, plan, exceptions, submit, cancel, and run-time throttles.

import type { SerializedError } from '@sluice/network';
import { RuntimeError } from '../../errors.js';
import type { Job, SubtaskExecution } from '../../jobmanager/job.js';
import { TERMINAL_EXECUTION_STATES, type ExecutionState } from '../../rpc/messages.js';
import { jobIdParam, type RestRequest, type RestRoute } from '../rest-handler.js';
import type { ExceptionInfo, ExecutionExceptionInfo, JobDetails, JobExceptionsInfo, JobIdWithStatus, JobSubmitResponse, JobSummary } from '../rest-types.js';
import { validateSubmitRequest } from '../validate-submit-request.js';
import { ioMetricsInfoOf } from './vertices.js';

/** One entry of `GET /jobs/overview` (Flink's JobDetails overview; task counts by lower-case state). */
export interface JobOverview extends JobSummary {
  'last-modification': number;
  'tasks': Record<'total' | 'created' | 'deploying' | 'initializing' | 'running' | 'finished' | 'canceling' | 'canceled' | 'failed', number>;
}

/** Flink's default of `maxExceptions` on `GET /jobs/:jobid/exceptions` (JobExceptionsHandler.MAX_NUMBER_EXCEPTION_TO_REPORT). */
export const DEFAULT_MAX_EXCEPTIONS = 20;

/** Routes of the job resources. */
export const jobRoutes: readonly RestRoute[] = [
  {
    method: 'GET',
    path: '/jobs',
    handler: (_request, { jobManager }) => {
      const jobs = jobManager.jobs().map((job): JobIdWithStatus => ({ id: job.jobId, status: job.state }));
      return { status: 200, body: { jobs } };
    },
  },
  {
    method: 'GET',
    path: '/jobs/overview',
    handler: (_request, { jobManager }) => {
      const now = jobManager.now();
      return { status: 200, body: { jobs: jobManager.jobs().reverse().map((job) => renderJobOverview(job, now)) } };
    },
  },
  {
    method: 'POST',
    path: '/jobs',
    handler: (request, { jobManager }) => {
      const submission = validateSubmitRequest(request.body);
      const body: JobSubmitResponse = { jobid: jobManager.submitJob(submission) };
      return { status: 202, body };
    },
  },
  {
    method: 'GET',
    path: '/jobs/:jobid',
    handler: (request, { jobManager }) => ({ status: 200, body: renderJobDetails(jobManager.getJob(jobIdParam(request)), jobManager.now()) }),
  },
  {
    method: 'PATCH',
    path: '/jobs/:jobid',
    handler: (request, { jobManager }) => {
      const jobId = jobIdParam(request);
      const mode = request.query.get('mode') ?? 'cancel';
      if (mode !== 'cancel') throw new RuntimeError('ERR_RT_BAD_REQUEST', `mode must be "cancel" (stop with a savepoint is not supported), got ${JSON.stringify(mode)}`);
      jobManager.cancelJob(jobId);
      return { status: 202, body: {} };
    },
  },
  {
    method: 'GET',
    path: '/jobs/:jobid/plan',
    handler: (request, { jobManager }) => ({ status: 200, body: { plan: jobManager.getJob(jobIdParam(request)).graph } }),
  },
  {
    method: 'GET',
    path: '/jobs/:jobid/exceptions',
    handler: (request, { jobManager }) => {
      const job = jobManager.getJob(jobIdParam(request));
      return { status: 200, body: renderJobExceptions(job, maxExceptionsParam(request), (resourceId) => jobManager.taskManagerAddress(resourceId)) };
    },
  },
  {
    method: 'PATCH',
    path: '/jobs/:jobid/throttles',
    handler: (request, { jobManager }) => {
      const jobId = jobIdParam(request);
      const { name, recordsPerSecond } = parseThrottle(request.body);
      const numTaskManagers = jobManager.setThrottle(jobId, name, recordsPerSecond);
      return { status: 202, body: { taskmanagers: numTaskManagers } };
    },
  },
];

/**
 * Checks a throttle body: `{ name: string, recordsPerSecond: number > 0 }`; `null` or `"Infinity"` means
 * unthrottled (JSON has no Infinity).
 */
function parseThrottle(body: unknown): { name: string; recordsPerSecond: number } {
  const record = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
  if (record === undefined || typeof record.name !== 'string' || record.name.length === 0) {
    throw new RuntimeError('ERR_RT_BAD_REQUEST', 'throttle body must be { "name": string, "recordsPerSecond": number > 0 | null | "Infinity" }');
  }
  const rate = record.recordsPerSecond;
  const recordsPerSecond = rate === null || rate === 'Infinity' ? Infinity : rate;
  if (typeof recordsPerSecond !== 'number' || Number.isNaN(recordsPerSecond) || recordsPerSecond <= 0) {
    throw new RuntimeError('ERR_RT_BAD_REQUEST', `recordsPerSecond must be a number > 0, null or "Infinity", got ${JSON.stringify(rate) ?? 'nothing'}`);
  }
  return { name: record.name, recordsPerSecond };
}

/**
 * The `maxExceptions` query parameter (Flink's): how many entries `all-exceptions` and the history may hold.
 *
 * @throws RuntimeError `ERR_RT_BAD_REQUEST` when it is not a non-negative integer.
 */
function maxExceptionsParam(request: RestRequest): number {
  const text = request.query.get('maxExceptions');
  if (text === null) return DEFAULT_MAX_EXCEPTIONS;
  if (!/^\d{1,9}$/.test(text)) throw new RuntimeError('ERR_RT_BAD_REQUEST', `maxExceptions must be a non-negative integer, got ${JSON.stringify(text.slice(0, 80))}`);
  return Number(text);
}

// ---- Renderings ------------------------------------------------------------------------------------------------

/** Counts subtasks per execution state (subtasks never deployed are left out). */
function countStates(subtasks: readonly SubtaskExecution[]): Partial<Record<ExecutionState, number>> {
  const counts: Partial<Record<ExecutionState, number>> = {};
  for (const subtask of subtasks) if (subtask.state !== 'CREATED') counts[subtask.state] = (counts[subtask.state] ?? 0) + 1;
  return counts;
}

/** Flink's aggregate state of a vertex from its subtasks (ExecutionJobVertex.getAggregateJobVertexState). */
function aggregateState(subtasks: readonly SubtaskExecution[]): ExecutionState | 'CREATED' {
  const has = (state: ExecutionState | 'CREATED'): boolean => subtasks.some((subtask) => subtask.state === state);
  if (has('FAILED')) return 'FAILED';
  if (has('CANCELING')) return 'CANCELING';
  if (has('CANCELED')) return 'CANCELED';
  if (has('RUNNING')) return 'RUNNING';
  if (has('INITIALIZING')) return 'INITIALIZING';
  if (has('DEPLOYING')) return 'DEPLOYING';
  if (has('FINISHED')) return subtasks.every((subtask) => subtask.state === 'FINISHED') ? 'FINISHED' : 'RUNNING';
  return 'CREATED';
}

/**
 * A vertex's metrics from its subtasks' latest heartbeat values: counts and rates (`num…`) add up, anything else
 * (times per second, usages, ratios) takes the maximum, as backpressure is judged by the worst subtask. Flink's
 * IOMetricsInfo numbers (`read-records`, `write-bytes`, …) come along.
 */
function aggregateMetrics(subtasks: readonly SubtaskExecution[]): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const [name, value] of Object.entries(ioMetricsInfoOf(subtasks))) if (typeof value === 'number') metrics[name] = value;
  for (const subtask of subtasks) {
    for (const [name, value] of Object.entries(subtask.metrics)) {
      if (typeof value !== 'number') continue;
      if (!(name in metrics)) metrics[name] = value;
      else metrics[name] = name.startsWith('num') ? metrics[name] + value : Math.max(metrics[name], value);
    }
  }
  return metrics;
}

/** The fields details and overview share, at time `now` (epoch ms). */
function summarizeJob(job: Job, now: number): JobSummary {
  return {
    'jid': job.jobId,
    'name': job.name,
    'state': job.state,
    'start-time': job.startTime,
    'end-time': job.endTime,
    'duration': (job.endTime === -1 ? now : job.endTime) - job.startTime,
  };
}

/** `GET /jobs/:jobid` of `job` at time `now` (epoch ms). */
export function renderJobDetails(job: Job, now: number): JobDetails {
  const subtasks = job.subtasks();
  const details: JobDetails = {
    ...summarizeJob(job, now),
    'now': now,
    'timestamps': { ...job.timestamps }, // a copy: the job keeps adding to its own
    'vertices': job.graph.vertices.map((vertex) => {
      const mine = subtasks.filter((subtask) => subtask.vertexId === vertex.id);
      const started = mine.filter((subtask) => subtask.startTime !== -1);
      const startTime = started.length === 0 ? -1 : Math.min(...started.map((subtask) => subtask.startTime));
      const hasEnded = mine.every((subtask) => TERMINAL_EXECUTION_STATES.has(subtask.state));
      const endTime = hasEnded && mine.length > 0 ? Math.max(...mine.map((subtask) => subtask.endTime)) : -1;
      return {
        'id': vertex.id,
        'name': vertex.name,
        'parallelism': vertex.parallelism,
        'status': aggregateState(mine),
        'start-time': startTime,
        'end-time': endTime,
        'duration': startTime === -1 ? -1 : (endTime === -1 ? now : endTime) - startTime,
        'tasks': countStates(mine),
        'metrics': aggregateMetrics(mine),
      };
    }),
    'status-counts': countStates(subtasks),
    'plan': job.graph,
  };
  if (job.failureCause !== undefined) details['failure-cause'] = job.failureCause;
  return details;
}

/** One `GET /jobs/overview` entry of `job` at time `now` (epoch ms). */
export function renderJobOverview(job: Job, now: number): JobOverview {
  const subtasks = job.subtasks();
  const count = (state: SubtaskExecution['state']): number => subtasks.filter((subtask) => subtask.state === state).length;
  return {
    ...summarizeJob(job, now),
    'last-modification': Math.max(...Object.values(job.timestamps)),
    'tasks': {
      total: subtasks.length,
      created: count('CREATED'),
      deploying: count('DEPLOYING'),
      initializing: count('INITIALIZING'),
      running: count('RUNNING'),
      finished: count('FINISHED'),
      canceling: count('CANCELING'),
      canceled: count('CANCELED'),
      failed: count('FAILED'),
    },
  };
}

/** An error as Flink prints an exception: its stack, or `name: message` when it has none. */
function exceptionText(error: SerializedError): string {
  return error.stack ?? `${error.name}: ${error.message}`;
}

/**
 * `GET /jobs/:jobid/exceptions` of `job` (Flink's JobExceptionsInfoWithHistory), at most `maxExceptions` entries per
 * list. The root is the job's failure cause at its FAILING time; its subtask is the FAILED one it came from (the
 * one with its task name and message), and the other FAILED subtasks are its concurrent exceptions. `endpointOf`
 * gives a TaskManager's `host:dataPort`, also once it is lost.
 */
export function renderJobExceptions(job: Job, maxExceptions: number, endpointOf: (resourceId: string) => string | undefined): JobExceptionsInfo {
  const cause = job.failureCause;
  if (cause === undefined) {
    return { 'root-exception': null, 'timestamp': null, 'all-exceptions': [], 'truncated': false, 'exceptionHistory': { entries: [], truncated: false } };
  }
  const failed = job.subtasks().filter((subtask): subtask is SubtaskExecution & { error: SerializedError } => subtask.state === 'FAILED' && subtask.error !== undefined);
  const root =
    failed.find((subtask) => subtask.taskName === cause.taskName && subtask.error.message === cause.message) ??
    job.subtasks().find((subtask) => subtask.taskName === cause.taskName); // e.g. CANCELED without a cancel request
  const codeOf = (error: SerializedError): { code?: string } => (error.code === undefined ? {} : { code: error.code });
  const timestamp = job.timestamps.FAILING ?? job.endTime;

  const allExceptions = failed.map(
    (subtask): ExecutionExceptionInfo => ({
      exception: exceptionText(subtask.error),
      task: subtask.taskName,
      location: endpointOf(subtask.resourceId) ?? '(unassigned)',
      timestamp: subtask.endTime,
      taskManagerId: subtask.resourceId,
      ...codeOf(subtask.error),
    }),
  );
  const infoOf = (error: SerializedError, at: number, subtask: SubtaskExecution | undefined, taskName: string | undefined): ExceptionInfo => {
    const where = subtask === undefined ? undefined : endpointOf(subtask.resourceId);
    return {
      exceptionName: error.name,
      stacktrace: exceptionText(error),
      timestamp: at,
      ...(taskName === undefined ? {} : { taskName }),
      ...(where === undefined ? {} : { endpoint: where }),
      ...(subtask === undefined ? {} : { taskManagerId: subtask.resourceId }),
      failureLabels: {},
      ...codeOf(error),
    };
  };
  const entries = [
    {
      ...infoOf(cause, timestamp, root, cause.taskName),
      concurrentExceptions: failed.filter((subtask) => subtask !== root).map((subtask) => infoOf(subtask.error, subtask.endTime, subtask, subtask.taskName)),
    },
  ];
  return {
    'root-exception': exceptionText(cause),
    'timestamp': timestamp,
    'all-exceptions': allExceptions.slice(0, maxExceptions),
    'truncated': allExceptions.length > maxExceptions,
    'exceptionHistory': { entries: entries.slice(0, maxExceptions), truncated: entries.length > maxExceptions },
  };
}
