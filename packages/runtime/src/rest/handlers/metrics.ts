// `GET /metrics` (Prometheus text) and `GET /taskmanagers/:taskmanagerid/metrics` (Flink's metric query): metrics of the cluster as a whole.

import type { JobManager } from '../../jobmanager/job-manager.js';
import { TASK_MANAGER_METRICS } from '../../metrics/metric-names.js';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus, type PrometheusView } from '../../metrics/reporters/prometheus-reporter.js';
import { taskManagerParam, type RestRequest, type RestRoute } from '../rest-handler.js';
import type { MetricValue } from '../rest-types.js';

/** Routes of the cluster-wide metric resources. */
export const metricRoutes: readonly RestRoute[] = [
  {
    method: 'GET',
    path: '/metrics',
    handler: async (_request, { jobManager }) => ({ status: 200, contentType: PROMETHEUS_CONTENT_TYPE, body: await renderPrometheus(prometheusViewOf(jobManager)) }),
  },
  {
    method: 'GET',
    path: '/taskmanagers/:taskmanagerid/metrics',
    handler: (request, { jobManager }) => {
      const tm = taskManagerParam(request, jobManager);
      return { status: 200, body: queryMetrics(request, TASK_MANAGER_METRICS, jobManager.taskManagerMetrics(tm.resourceId) ?? {}) };
    },
  },
];

/**
 * Flink's metric query on one component: without `get`, the names it has (`[{ id }]`); with `get=a,b`, those
 * of them it has with their values as text (`[{ id, value }]`). Unknown names are left out, as Flink does.
 */
export function queryMetrics(request: RestRequest, names: readonly string[], values: Readonly<Record<string, number>>): MetricValue[] {
  const available = names.filter((name) => typeof values[name] === 'number');
  const wanted = requestedMetricNames(request);
  if (wanted === null) return available.map((id) => ({ id }));
  return wanted.filter((name) => available.includes(name)).map((id) => ({ id, value: String(values[id]) }));
}

/** The `get` parameter as a list of names (comma-separated, repeatable), or null when absent. */
export function requestedMetricNames(request: RestRequest): string[] | null {
  const all = request.query.getAll('get');
  if (all.length === 0) return null;
  return [...new Set(all.flatMap((value) => value.split(',')).map((name) => name.trim()).filter((name) => name !== ''))];
}

/** What a scrape reports, taken from the JobManager now: running jobs only. */
function prometheusViewOf(jobManager: JobManager): PrometheusView {
  const taskManagers = jobManager.taskManagers();
  const running = jobManager.jobs().filter((job) => !job.isTerminal);
  const vertexNames = new Map<string, string>();
  for (const job of running) for (const vertex of job.graph.vertices) vertexNames.set(`${job.jobId}/${vertex.id}`, vertex.name);
  return {
    numRegisteredTaskManagers: taskManagers.length,
    numRunningJobs: running.length,
    taskSlotsTotal: jobManager.slotPool.numSlotsTotal,
    taskSlotsAvailable: jobManager.slotPool.numSlotsAvailable,
    taskManagers: taskManagers.map((tm) => ({ tmId: tm.resourceId, metrics: jobManager.taskManagerMetrics(tm.resourceId) })),
    subtasks: running.flatMap((job) =>
      job.subtasks()
        .filter((subtask) => subtask.metricsTime !== -1)
        .map((subtask) => ({
          jobId: job.jobId,
          jobName: job.name,
          taskId: subtask.vertexId,
          taskName: vertexNames.get(`${job.jobId}/${subtask.vertexId}`) ?? subtask.vertexId,
          subtaskIndex: subtask.subtaskIndex,
          attemptNumber: subtask.attemptNumber,
          tmId: subtask.resourceId,
          metrics: subtask.metrics,
          channels: subtask.channels,
        })),
    ),
  };
}
