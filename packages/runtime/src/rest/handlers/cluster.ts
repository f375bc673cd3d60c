// `GET /overview`, `GET /taskmanagers`, `GET /taskmanagers/:taskmanagerid` and `GET /config`: the cluster as a whole.

import type { JobManager } from '../../jobmanager/job-manager.js';
import type { RegisteredTaskManager } from '../../jobmanager/task-manager-registry.js';
import type { TaskManagerMetricName } from '../../metrics/metric-names.js';
import { redactConfig } from '../../options.js';
import { taskManagerParam, type RestRoute } from '../rest-handler.js';
import type { ClusterOverview, TaskManagerDetailsInfo, TaskManagerInfo, TaskManagerMetricsInfo } from '../rest-types.js';

/** Reported as `flink-version`, so Flink tooling that reads it sees what answers. */
export const SLUICE_VERSION = 'sluice-0.1.0';

/** One entry of `GET /taskmanagers`: Flink's fields plus where to reach the TaskManager. */
export type TaskManagerInfoWithAddress = TaskManagerInfo & {
  /** `ws://host:port` of its data server (also in `path`). */
  dataUrl: string;
  /** `host:dataPort`, as failure causes name it. */
  address: string;
  pid: number;
};

/** `GET /taskmanagers/:taskmanagerid`: its `GET /taskmanagers` entry plus Flink's `metrics`. */
export type TaskManagerDetailsWithAddress = TaskManagerInfoWithAddress & TaskManagerDetailsInfo;

/** Which heartbeat metric fills which field of Flink's TaskManagerMetricsInfo. */
const METRICS_INFO_SOURCES: ReadonlyArray<[keyof TaskManagerMetricsInfo, TaskManagerMetricName]> = [
  ['heapUsed', 'Status.Node.Memory.Heap.Used'],
  ['nettyShuffleMemorySegmentsTotal', 'Status.Shuffle.Netty.TotalMemorySegments'],
  ['nettyShuffleMemorySegmentsAvailable', 'Status.Shuffle.Netty.AvailableMemorySegments'],
  ['nettyShuffleMemorySegmentsUsed', 'Status.Shuffle.Netty.UsedMemorySegments'],
];

/** Routes of the cluster resources. */
export const clusterRoutes: readonly RestRoute[] = [
  {
    method: 'GET',
    path: '/overview',
    handler: (_request, { jobManager }) => {
      const jobs = jobManager.jobs();
      const count = (state: string): number => jobs.filter((job) => job.state === state).length;
      const body: ClusterOverview = {
        'taskmanagers': jobManager.taskManagers().length,
        'slots-total': jobManager.slotPool.numSlotsTotal,
        'slots-available': jobManager.slotPool.numSlotsAvailable,
        'jobs-running': jobs.filter((job) => !job.isTerminal).length,
        'jobs-finished': count('FINISHED'),
        'jobs-cancelled': count('CANCELED'),
        'jobs-failed': count('FAILED'),
        'flink-version': SLUICE_VERSION,
      };
      return { status: 200, body };
    },
  },
  {
    method: 'GET',
    path: '/taskmanagers',
    handler: (_request, { jobManager }) => {
      const now = jobManager.now();
      const taskmanagers = jobManager.taskManagers().map((tm) => renderTaskManagerInfo(jobManager, tm, now));
      return { status: 200, body: { taskmanagers } };
    },
  },
  {
    method: 'GET',
    path: '/taskmanagers/:taskmanagerid',
    handler: (request, { jobManager }) => {
      const tm = taskManagerParam(request, jobManager);
      const body: TaskManagerDetailsWithAddress = {
        ...renderTaskManagerInfo(jobManager, tm, jobManager.now()),
        metrics: renderTaskManagerMetrics(jobManager.taskManagerMetrics(tm.resourceId) ?? {}),
      };
      return { status: 200, body };
    },
  },
  {
    method: 'GET',
    path: '/config',
    handler: (_request, { jobManager }) => ({ status: 200, body: redactConfig(jobManager.config) }),
  },
];

/** One `GET /taskmanagers` entry of `tm` at time `now` (epoch ms). */
function renderTaskManagerInfo(jobManager: JobManager, tm: RegisteredTaskManager, now: number): TaskManagerInfoWithAddress {
  return {
    id: tm.resourceId,
    path: tm.dataUrl,
    dataPort: tm.dataPort,
    timeSinceLastHeartbeat: Math.max(0, now - tm.lastHeardAt),
    slotsNumber: tm.numSlots,
    freeSlots: jobManager.slotPool.numSlotsAvailableOn(tm.resourceId),
    dataUrl: tm.dataUrl,
    address: tm.address,
    pid: tm.pid,
  };
}

/** Flink's TaskManagerMetricsInfo fields from a TaskManager's heartbeat metrics; those it has not reported are left out. */
function renderTaskManagerMetrics(reported: Readonly<Record<string, number>>): TaskManagerMetricsInfo {
  const metrics: TaskManagerMetricsInfo = {};
  for (const [field, name] of METRICS_INFO_SOURCES) if (typeof reported[name] === 'number') metrics[field] = reported[name];
  return metrics;
}
