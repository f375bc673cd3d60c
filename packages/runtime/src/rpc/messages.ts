// The control plane between JobManager and TaskManagers: every message that crosses their WebSocket link (JSON text).
import type { SerializedError } from '@sluice/network';
import type { SerializerSpec } from '../serialization/create-serializer.js';

/** Lifecycle of one subtask execution, Flink's ExecutionState (subset). */
export type ExecutionState = 'DEPLOYING' | 'INITIALIZING' | 'RUNNING' | 'FINISHED' | 'FAILED' | 'CANCELING' | 'CANCELED';

/** States a subtask leaves no more. */
export const TERMINAL_EXECUTION_STATES: ReadonlySet<ExecutionState | 'CREATED'> = new Set(['FINISHED', 'FAILED', 'CANCELED']);

/** Where a consumer finds one input channel's producer subpartition. */
export interface InputChannelDescriptor {
  /** 16-byte id of the producer subtask's ResultPartition for this edge, hex. */
  partitionId: string;
  subpartitionIndex: number;
  /** Producer runs on the same TaskManager (local channel), or on the one whose data server is at this url. */
  producer: { location: 'local' } | { location: 'remote'; dataUrl: string };
}

/** One input gate of a subtask: one channel per producer subpartition it reads, in channel order. */
export interface InputGateDeploymentDescriptor {
  /** JobEdge id. */
  edgeId: string;
  inputGateIndex: number;
  serializer: SerializerSpec;
  channels: InputChannelDescriptor[];
}

/** One produced partition of a subtask: one subpartition per consumer channel. */
export interface ResultPartitionDeploymentDescriptor {
  edgeId: string;
  resultPartitionIndex: number;
  partitionId: string;
  numSubpartitions: number;
  serializer: SerializerSpec;
}

/**
 * Everything a TaskManager needs to run one subtask (Flink's TaskDeploymentDescriptor). The operators
 * themselves are not in it: the subtask imports the job's code and rebuilds the same JobGraph, then
 * takes vertex `vertexId` (operator ids are deterministic).
 */
export interface TaskDeploymentDescriptor {
  jobId: string;
  jobName: string;
  /** `<vertexId>_<subtaskIndex>`; with `attemptNumber`, unique per execution. */
  executionId: string;
  vertexId: string;
  /** Display name, `Source: gen -> Map (1/2)`. */
  taskName: string;
  /** The chain's operator ids, head first, as the client built them: the subtask checks it rebuilt the same chain. */
  operatorIds?: string[];
  subtaskIndex: number;
  parallelism: number;
  attemptNumber: number;
  slotIndex: number;
  producedPartitions: ResultPartitionDeploymentDescriptor[];
  inputGates: InputGateDeploymentDescriptor[];
}

/** The job's code and context, shipped once per TaskManager before its tasks. */
export interface JobCodeDescriptor {
  jobId: string;
  /** The job module bundled by the client (ESM, bare imports left external: `@sluice/runtime` resolves on the TM). */
  code: string;
  /** Program arguments after the job file, as `sluice run` received them. */
  programArgs: string[];
  /** The context execution config the client installed (`-p`, buffer timeout…), so ids match everywhere. */
  contextConfig: Record<string, unknown>;
}

// ─── TaskManager → JobManager ────────────────────────────────────────────────────────────────────────────

/** One remote input channel of a subtask as its TaskManager sees it, for monitoring. */
export interface InputChannelMetrics {
  /** Input gate index and channel index within it (local channels count too). */
  gate: number;
  channel: number;
  /** Free buffers reserved for arriving data: credit the sender holds plus credit not yet announced. */
  credit: number;
  unannouncedCredit: number;
  /** Buffers the sender said it has queued, with its last buffer. */
  backlog: number;
  /** Buffers received and not yet recycled by the consuming subtask. */
  queuedBuffers: number;
  numBuffersIn: number;
  numBytesIn: number;
}

/** One subtask's metrics in a heartbeat, named as in `metrics/metric-names.ts` (finite numbers only). */
export interface TaskMetricsReport {
  /** The job the subtask belongs to: execution ids are derived from the graph, so two runs of one job share them. */
  jobId: string;
  executionId: string;
  metrics: Record<string, number>;
  /** Its remote input channels; absent when it has none. */
  channels?: InputChannelMetrics[];
}

export type TaskManagerToJobManager =
  | { type: 'RegisterTaskManager'; resourceId: string; host: string; dataUrl: string; numSlots: number; pid: number; token?: string }
  | {
      type: 'Heartbeat';
      resourceId: string;
      /** Per subtask of the TaskManager, for monitoring. */
      tasks?: TaskMetricsReport[];
      /** The TaskManager's own metrics (network segments, memory). */
      taskManager?: Record<string, number>;
    }
  | { type: 'TaskExecutionState'; jobId: string; executionId: string; attemptNumber: number; state: ExecutionState; error?: SerializedError };

// ─── JobManager → TaskManager ────────────────────────────────────────────────────────────────────────────

export type JobManagerToTaskManager =
  | { type: 'RegistrationSuccess'; resourceId: string; heartbeatIntervalMs: number }
  | { type: 'RegistrationRejected'; reason: string }
  | { type: 'DeployJobCode'; job: JobCodeDescriptor }
  | { type: 'SubmitTask'; tdd: TaskDeploymentDescriptor }
  | { type: 'CancelTask'; jobId: string; executionId: string }
  | { type: 'ReleaseJob'; jobId: string }
  /** Changes a named rate at run time (the experiment's throttles): records/s, Infinity = unthrottled. */
  | { type: 'SetThrottle'; jobId: string; name: string; recordsPerSecond: number };

/** Path of the JobManager's control WebSocket endpoint (on the RPC port). */
export const RPC_PATH = '/rpc';
