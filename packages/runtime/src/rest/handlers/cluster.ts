// `GET /overview`, `GET /taskmanagers` and `GET /config`: the cluster as a whole.

import { redactConfig } from '../../options.js';
import type { RestRoute } from '../rest-handler.js';
import type { ClusterOverview, TaskManagerInfo } from '../rest-types.js';

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
      const taskmanagers = jobManager.taskManagers().map(
        (tm): TaskManagerInfoWithAddress => ({
          id: tm.resourceId,
          path: tm.dataUrl,
          dataPort: tm.dataPort,
          timeSinceLastHeartbeat: Math.max(0, now - tm.lastHeardAt),
          slotsNumber: tm.numSlots,
          freeSlots: jobManager.slotPool.numSlotsAvailableOn(tm.resourceId),
          dataUrl: tm.dataUrl,
          address: tm.address,
          pid: tm.pid,
        }),
      );
      return { status: 200, body: { taskmanagers } };
    },
  },
  {
    method: 'GET',
    path: '/config',
    handler: (_request, { jobManager }) => ({ status: 200, body: redactConfig(jobManager.config) }),
  },
];
