// The JSON the JobManager's REST API speaks, on Flink's paths: the one types file of the REST boundary.
import type { SerializedError } from '@sluice/network';
import type { JobGraphJson } from '../graph/format-plan.js';
import type { ExecutionState } from '../rpc/messages.js';

export type { JobGraphJson };

/** Job states, Flink's JobStatus (subset). */
export type JobStatus = 'CREATED' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'CANCELING' | 'CANCELED';

/** `POST /jobs`: what `sluice run` submits. */
export interface JobSubmitRequest {
  jobName: string;
  /** `jobGraphToJson(jobGraph)`: vertices, edges, parallelism, serializers; no functions. */
  jobGraph: JobGraphJson;
  /** The bundled job module (see JobCodeDescriptor.code). */
  code: string;
  programArgs: string[];
  contextConfig: Record<string, unknown>;
}

/** `POST /jobs` answer (202). */
export interface JobSubmitResponse {
  jobid: string;
}

/** `GET /overview`. */
export interface ClusterOverview {
  'taskmanagers': number;
  'slots-total': number;
  'slots-available': number;
  'jobs-running': number;
  'jobs-finished': number;
  'jobs-cancelled': number;
  'jobs-failed': number;
  'flink-version': string;
}

/** One entry of `GET /taskmanagers`. */
export interface TaskManagerInfo {
  id: string;
  path: string;
  dataPort: number;
  timeSinceLastHeartbeat: number;
  slotsNumber: number;
  freeSlots: number;
}

/** One entry of `GET /jobs` (`{ jobs: [...] }`). */
export interface JobIdWithStatus {
  id: string;
  status: JobStatus;
}

/** `GET /jobs/:id`. */
export interface JobDetails {
  'jid': string;
  'name': string;
  'state': JobStatus;
  'start-time': number;
  'end-time': number;
  'duration': number;
  'now': number;
  'timestamps': Partial<Record<JobStatus, number>>;
  'vertices': Array<{
    id: string;
    name: string;
    parallelism: number;
    status: ExecutionState | 'CREATED';
    'start-time': number;
    'end-time': number;
    duration: number;
    tasks: Partial<Record<ExecutionState, number>>;
    metrics: Record<string, number>;
  }>;
  'status-counts': Partial<Record<ExecutionState, number>>;
  /** Why the job failed: the first failing subtask's error (message and stack from its worker). */
  'failure-cause'?: SerializedError & { taskName?: string; taskManager?: string };
  'plan': unknown;
}

/** Every REST error: Flink's `{ errors: [...] }`, plus a stable code. */
export interface RestError {
  errors: string[];
  code?: string;
}
