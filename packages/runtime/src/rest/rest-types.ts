// The JSON the JobManager's REST API speaks, on Flink's paths: the one types file of the REST boundary (plus the terminal job states).
import type { SerializedError } from '@sluice/network';
import type { JobGraphJson } from '../graph/format-plan.js';
import type { ExecutionState } from '../rpc/messages.js';

export type { JobGraphJson };

/**
 * Job states, Flink's JobStatus (subset; Flink spells CANCELLING). FAILING lasts from the first failure until
 * the other subtasks have ended, then the job is FAILED; CANCELING likewise ends CANCELED.
 */
export type JobStatus = 'CREATED' | 'RUNNING' | 'FAILING' | 'FAILED' | 'CANCELING' | 'CANCELED' | 'FINISHED';

/** The states a job never leaves (Flink's globally terminal states). */
export type TerminalJobStatus = 'FINISHED' | 'FAILED' | 'CANCELED';

/** {@link TerminalJobStatus} as a set: the one list the JobManager, the REST handlers and the client share. */
export const TERMINAL_JOB_STATES: ReadonlySet<JobStatus> = new Set<TerminalJobStatus>(['FINISHED', 'FAILED', 'CANCELED']);

/** Whether a job in `state` has ended for good; FAILING and CANCELING have not (their subtasks are still ending). */
export function isTerminalJobStatus(state: JobStatus): state is TerminalJobStatus {
  return TERMINAL_JOB_STATES.has(state);
}

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

/**
 * `GET /taskmanagers/:taskmanagerid` (Flink's TaskManagerDetailsInfo, subset): the TaskManager's `GET /taskmanagers`
 * entry plus its `metrics` from its latest heartbeat.
 */
export interface TaskManagerDetailsInfo extends TaskManagerInfo {
  metrics: TaskManagerMetricsInfo;
}

/**
 * The `metrics` of {@link TaskManagerDetailsInfo}: the fields of Flink's TaskManagerMetricsInfo that Sluice knows, from
 * the TaskManager's latest heartbeat; absent before its first one (Flink's heap, direct, mapped and GC figures
 * beyond `heapUsed` have no Node.js counterpart and are left out).
 */
export interface TaskManagerMetricsInfo {
  /** Bytes of V8 heap in use (`Status.Node.Memory.Heap.Used`). */
  heapUsed?: number;
  /** Network memory segments of the TaskManager (`Status.Shuffle.Netty.TotalMemorySegments`). */
  nettyShuffleMemorySegmentsTotal?: number;
  /** Segments free in its global pool (`Status.Shuffle.Netty.AvailableMemorySegments`). */
  nettyShuffleMemorySegmentsAvailable?: number;
  /** Segments held by buffer pools (`Status.Shuffle.Netty.UsedMemorySegments`). */
  nettyShuffleMemorySegmentsUsed?: number;
}

/** One entry of `GET /jobs` (`{ jobs: [...] }`). */
export interface JobIdWithStatus {
  id: string;
  status: JobStatus;
}

/** What `GET /jobs/:id` and each `GET /jobs/overview` entry both say of a job. */
export interface JobSummary {
  'jid': string;
  'name': string;
  'state': JobStatus;
  'start-time': number;
  'end-time': number;
  /** Until `end-time`, or until now while the job runs (ms). */
  'duration': number;
}

/** `GET /jobs/:id`. */
export interface JobDetails extends JobSummary {
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

/**
 * `GET /jobs/:jobid/exceptions` (Flink's JobExceptionsInfoWithHistory). Sluice has no restarts, so the history holds
 * at most one entry: the job's failure. A job that has not failed answers `root-exception` and `timestamp` null and
 * empty lists, as Flink does.
 */
export interface JobExceptionsInfo {
  /** The failure's stack (its `name: message` when it has none), or null. */
  'root-exception': string | null;
  /** Epoch ms of the failure (the job's FAILING timestamp), or null. */
  'timestamp': number | null;
  /** Every FAILED subtask's error (the root one included), in deployment order, at most `maxExceptions`. */
  'all-exceptions': ExecutionExceptionInfo[];
  /** Whether `all-exceptions` left some out. */
  'truncated': boolean;
  'exceptionHistory': {
    entries: RootExceptionInfo[];
    truncated: boolean;
  };
}

/** One entry of `all-exceptions` (Flink's ExecutionExceptionInfo). */
export interface ExecutionExceptionInfo {
  /** The error's stack, or `name: message`. */
  exception: string;
  /** `map -> Sink: Discarding Sink (2/2)`. */
  task: string;
  /** `host:dataPort` of the TaskManager it ran on, `(unassigned)` when unknown. */
  location: string;
  /** Epoch ms the subtask became FAILED, -1 when unknown. */
  timestamp: number;
  taskManagerId: string;
  /** Sluice's stable error code (`ERR_…`) when the error has one; not in Flink. */
  code?: string;
}

/** One failure in the exception history (Flink's ExceptionInfo). */
export interface ExceptionInfo {
  /** The error's `name` (Flink: the exception's class name). */
  exceptionName: string;
  /** Its stack, or `name: message` when it has none. */
  stacktrace: string;
  /** Epoch ms. */
  timestamp: number;
  /** The failing subtask, `map (2/4)`. */
  taskName?: string;
  /** `host:dataPort` of its TaskManager. */
  endpoint?: string;
  taskManagerId?: string;
  /** Flink's failure enricher labels; always empty in Sluice. */
  failureLabels: Record<string, string>;
  /** Sluice's stable error code (`ERR_…`) when the error has one; not in Flink. */
  code?: string;
}

/** An entry of `exceptionHistory` (Flink's RootExceptionInfo): the failure and the other subtask failures that came with it. */
export interface RootExceptionInfo extends ExceptionInfo {
  concurrentExceptions: ExceptionInfo[];
}

/** Every REST error: Flink's `{ errors: [...] }`, plus a stable code. */
export interface RestError {
  errors: string[];
  code?: string;
}

// ─── Monitoring: metrics and backpressure ───────────────────────────────────────────────────────────────

/** Flink's backpressure levels: ok ≤ 0.10 < low ≤ 0.50 < high (of the backpressured share of time). */
export type BackPressureLevel = 'ok' | 'low' | 'high';

/**
 * `GET /jobs/:jobid/vertices/:vertexid/backpressure` (Flink's JobVertexBackPressureInfo). `status` is
 * `deprecated`, with nothing else, while no subtask has reported time metrics yet.
 */
export interface JobVertexBackPressureInfo {
  'status': 'ok' | 'deprecated';
  /** The level of the highest subtask ratio. */
  'backpressureLevel'?: BackPressureLevel;
  /** Epoch ms of the newest metrics the answer is made of. */
  'end-timestamp'?: number;
  'subtasks'?: Array<{
    'subtask': number;
    'attempt-number': number;
    'backpressureLevel': BackPressureLevel;
    /** backPressuredTimeMsPerSecond / 1000. */
    'ratio': number;
    'idleRatio': number;
    'busyRatio': number;
  }>;
}

/** One entry of a metric listing or query (Flink's `[{ id, value }]`; the value as text, as Flink sends it). */
export interface MetricValue {
  id: string;
  /** Absent in a listing (no `get` parameter). */
  value?: string;
}

/** One entry of `GET /jobs/:jobid/vertices/:vertexid/subtasks/metrics?get=…` (Flink's AggregatedMetric). */
export interface AggregatedMetric {
  id: string;
  min?: number;
  max?: number;
  avg?: number;
  sum?: number;
}

/** Flink's IOMetricsInfo of one subtask or vertex (`metrics` in job and vertex details). */
export interface IoMetricsInfo {
  'read-bytes': number;
  'read-bytes-complete': boolean;
  'write-bytes': number;
  'write-bytes-complete': boolean;
  'read-records': number;
  'read-records-complete': boolean;
  'write-records': number;
  'write-records-complete': boolean;
  'accumulated-backpressured-time': number;
  'accumulated-idle-time': number;
  'accumulated-busy-time': number;
}

/** `GET /jobs/:jobid/vertices/:vertexid` (Flink's JobVertexDetailsInfo, subset). */
export interface JobVertexDetails {
  id: string;
  name: string;
  parallelism: number;
  maxParallelism: number;
  now: number;
  subtasks: Array<{
    'subtask': number;
    'status': ExecutionState | 'CREATED';
    'attempt': number;
    'taskmanager-id': string;
    'start-time': number;
    'end-time': number;
    'duration': number;
    'metrics': IoMetricsInfo;
  }>;
}
