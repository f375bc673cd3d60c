// `/jobs/:jobid/vertices/:vertexid…` on Flink's paths: a vertex's subtasks, their metrics (one or aggregated) and its backpressure.

import { RuntimeError } from '../../errors.js';
import type { Job, SubtaskExecution } from '../../jobmanager/job.js';
import type { JobManager } from '../../jobmanager/job-manager.js';
import { backPressureLevelOf, timeRatiosOf } from '../../metrics/backpressure.js';
import { TASK_METRICS } from '../../metrics/metric-names.js';
import { jobIdParam, type RestRequest, type RestRoute } from '../rest-handler.js';
import type { AggregatedMetric, IoMetricsInfo, JobVertexBackPressureInfo, JobVertexDetails } from '../rest-types.js';
import { queryMetrics, requestedMetricNames } from './metrics.js';

/** Aggregations of `…/subtasks/metrics`, Flink's `agg` values (its `skew` is left out). */
const AGGREGATIONS = ['min', 'max', 'avg', 'sum'] as const;
type Aggregation = (typeof AGGREGATIONS)[number];

/** A vertex id: 32 lower-case hex digits, like a job id. */
const VERTEX_ID = /^[0-9a-f]{32}$/;

/** Routes of the vertex resources. */
export const vertexRoutes: readonly RestRoute[] = [
  {
    method: 'GET',
    path: '/jobs/:jobid/vertices/:vertexid',
    handler: (request, { jobManager }) => {
      const { vertex, subtasks } = vertexOf(request, jobManager);
      const now = jobManager.now();
      const body: JobVertexDetails = {
        id: vertex.id,
        name: vertex.name,
        parallelism: vertex.parallelism,
        maxParallelism: vertex.maxParallelism,
        now,
        subtasks: subtasks.map((subtask) => ({
          'subtask': subtask.subtaskIndex,
          'status': subtask.state,
          'attempt': subtask.attemptNumber,
          'taskmanager-id': subtask.resourceId,
          'start-time': subtask.startTime,
          'end-time': subtask.endTime,
          'duration': subtask.startTime === -1 ? -1 : (subtask.endTime === -1 ? now : subtask.endTime) - subtask.startTime,
          'metrics': ioMetricsInfoOf([subtask]),
        })),
      };
      return { status: 200, body };
    },
  },
  {
    method: 'GET',
    path: '/jobs/:jobid/vertices/:vertexid/backpressure',
    handler: (request, { jobManager }) => ({ status: 200, body: backPressureOf(vertexOf(request, jobManager).subtasks) }),
  },
  {
    method: 'GET',
    path: '/jobs/:jobid/vertices/:vertexid/subtasks/metrics',
    handler: (request, { jobManager }) => {
      const { subtasks } = vertexOf(request, jobManager);
      const aggregations = aggregationsParam(request);
      const chosen = subtasksParam(request, subtasks.length);
      const selected = subtasks.filter((subtask) => chosen === null || chosen.has(subtask.subtaskIndex));
      return { status: 200, body: aggregateMetrics(request, selected, aggregations) };
    },
  },
  {
    method: 'GET',
    path: '/jobs/:jobid/vertices/:vertexid/subtasks/:subtaskindex/metrics',
    handler: (request, { jobManager }) => {
      const { vertex, subtasks } = vertexOf(request, jobManager);
      const text = request.params.subtaskindex ?? '';
      if (!/^\d+$/.test(text)) throw new RuntimeError('ERR_RT_BAD_REQUEST', `subtask index must be a non-negative integer, got ${JSON.stringify(text.slice(0, 40))}`);
      const subtask = subtasks.find((candidate) => candidate.subtaskIndex === Number(text));
      if (subtask === undefined) throw new RuntimeError('ERR_RT_NOT_FOUND', `vertex ${vertex.id} has ${subtasks.length} subtasks; there is no subtask ${text}`);
      return { status: 200, body: queryMetrics(request, TASK_METRICS, subtask.metrics) };
    },
  },
];

/**
 * The job, vertex and subtasks named by `:jobid` and `:vertexid`.
 * @throws RuntimeError `ERR_RT_BAD_REQUEST` for a malformed id, `ERR_RT_UNKNOWN_JOB` / `ERR_RT_NOT_FOUND` for unknown ones.
 */
function vertexOf(request: RestRequest, jobManager: JobManager): { job: Job; vertex: Job['graph']['vertices'][number]; subtasks: SubtaskExecution[] } {
  const jobId = jobIdParam(request);
  const vertexId = request.params.vertexid ?? '';
  if (!VERTEX_ID.test(vertexId)) throw new RuntimeError('ERR_RT_BAD_REQUEST', `vertex id must be 32 lower-case hex digits, got ${JSON.stringify(vertexId.slice(0, 80))}`);
  const job = jobManager.getJob(jobId);
  const vertex = job.graph.vertices.find((candidate) => candidate.id === vertexId);
  if (vertex === undefined) throw new RuntimeError('ERR_RT_NOT_FOUND', `job ${jobId} has no vertex ${vertexId}`);
  const subtasks = job.subtasks().filter((subtask) => subtask.vertexId === vertexId).sort((a, b) => a.subtaskIndex - b.subtaskIndex);
  return { job, vertex, subtasks };
}

/**
 * Flink's backpressure of a vertex from its subtasks' time gauges: each subtask's ratios and level, and the
 * vertex level of the highest ratio; `deprecated` (nothing else) while no subtask reported time gauges.
 */
export function backPressureOf(subtasks: readonly SubtaskExecution[]): JobVertexBackPressureInfo {
  const measured = subtasks.flatMap((subtask) => {
    const ratios = timeRatiosOf(subtask.metrics);
    return ratios === null ? [] : [{ subtask, ratios }];
  });
  if (measured.length === 0) return { status: 'deprecated' };
  const maxRatio = Math.max(...measured.map(({ ratios }) => ratios.ratio));
  return {
    'status': 'ok',
    'backpressureLevel': backPressureLevelOf(maxRatio),
    'end-timestamp': Math.max(...measured.map(({ subtask }) => subtask.metricsTime)),
    'subtasks': measured.map(({ subtask, ratios }) => ({
      'subtask': subtask.subtaskIndex,
      'attempt-number': subtask.attemptNumber,
      'backpressureLevel': backPressureLevelOf(ratios.ratio),
      ...ratios,
    })),
  };
}

/** Flink's IOMetricsInfo summed over `subtasks`; `…-complete` is true once every one of them reported. */
export function ioMetricsInfoOf(subtasks: readonly SubtaskExecution[]): IoMetricsInfo {
  const sum = (...names: string[]): number => subtasks.reduce((total, s) => total + names.reduce((n, name) => n + (s.metrics[name] ?? 0), 0), 0);
  const isComplete = subtasks.every((subtask) => subtask.metricsTime !== -1);
  return {
    'read-bytes': sum('numBytesInLocal', 'numBytesInRemote'),
    'read-bytes-complete': isComplete,
    'write-bytes': sum('numBytesOut'),
    'write-bytes-complete': isComplete,
    'read-records': sum('numRecordsIn'),
    'read-records-complete': isComplete,
    'write-records': sum('numRecordsOut'),
    'write-records-complete': isComplete,
    'accumulated-backpressured-time': sum('accumulatedBackpressuredTime'),
    'accumulated-idle-time': sum('accumulatedIdleTime'),
    'accumulated-busy-time': sum('accumulatedBusyTime'),
  };
}

/** Flink's aggregated subtask metrics: without `get`, the names; with it, min/max/avg/sum (or those of `agg`) per name. */
function aggregateMetrics(request: RestRequest, subtasks: readonly SubtaskExecution[], aggregations: readonly Aggregation[]): AggregatedMetric[] | Array<{ id: string }> {
  const available = TASK_METRICS.filter((name) => subtasks.some((subtask) => typeof subtask.metrics[name] === 'number'));
  const wanted = requestedMetricNames(request);
  if (wanted === null) return available.map((id) => ({ id }));
  return wanted
    .filter((name) => (available as readonly string[]).includes(name))
    .map((id) => {
      const values = subtasks.map((subtask) => subtask.metrics[id]).filter((value): value is number => typeof value === 'number');
      const sum = values.reduce((a, b) => a + b, 0);
      const all: Record<Aggregation, number> = { min: Math.min(...values), max: Math.max(...values), avg: sum / values.length, sum };
      const entry: AggregatedMetric = { id };
      for (const aggregation of aggregations) entry[aggregation] = all[aggregation];
      return entry;
    });
}

/** The `agg` parameter (comma-separated, repeatable); default all of min, max, avg, sum. @throws `ERR_RT_BAD_REQUEST` */
function aggregationsParam(request: RestRequest): Aggregation[] {
  const given = request.query.getAll('agg').flatMap((value) => value.split(',')).map((value) => value.trim()).filter((value) => value !== '');
  if (given.length === 0) return [...AGGREGATIONS];
  const unknown = given.filter((value) => !(AGGREGATIONS as readonly string[]).includes(value));
  if (unknown.length > 0) throw new RuntimeError('ERR_RT_BAD_REQUEST', `agg must be a list of ${AGGREGATIONS.join(', ')}; got ${JSON.stringify(unknown.join(',').slice(0, 80))}`);
  return AGGREGATIONS.filter((aggregation) => given.includes(aggregation));
}

/**
 * The `subtasks` parameter, Flink's syntax: indexes and ranges, `0-2,4`; null when absent. Indexes beyond the
 * vertex's parallelism select nothing.
 * @throws RuntimeError `ERR_RT_BAD_REQUEST` when it is malformed
 */
function subtasksParam(request: RestRequest, parallelism: number): Set<number> | null {
  const text = request.query.get('subtasks');
  if (text === null) return null;
  const chosen = new Set<number>();
  for (const part of text.split(',')) {
    const range = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (range === null || (range[2] !== undefined && Number(range[2]) < Number(range[1]))) {
      throw new RuntimeError('ERR_RT_BAD_REQUEST', `subtasks must be indexes and ranges like 0-2,4; got ${JSON.stringify(text.slice(0, 80))}`);
    }
    const last = Math.min(Number(range[2] ?? range[1]), parallelism - 1);
    for (let index = Number(range[1]); index <= last; index++) chosen.add(index);
  }
  return chosen;
}
