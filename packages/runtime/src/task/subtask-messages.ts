// Shapes that cross postMessage between a TaskManager's main thread and its subtask workers (piscina's types.ts).
import type { InputGateDescriptor, NetworkAttachment, ResultPartitionDescriptor, SerializedError } from '@sluice/network';
import type { TaskDeploymentDescriptor } from '../rpc/messages.js';

/** workerData of a subtask thread (entry: task/subtask-main.ts). */
export interface SubtaskWorkerData {
  tdd: TaskDeploymentDescriptor;
  /** `file:` URL of the job bundle on this TaskManager. */
  jobModuleUrl: string;
  programArgs: string[];
  contextConfig: Record<string, unknown>;
  network: NetworkAttachment;
  /** In the order of `tdd.producedPartitions`. */
  partitions: ResultPartitionDescriptor[];
  /** In the order of `tdd.inputGates`. */
  gates: InputGateDescriptor[];
  /** TaskIoMetrics of this subtask. */
  metrics: SharedArrayBuffer;
  /** Throttles known at deployment (name → records/s), e.g. set before this subtask started. */
  throttles: Record<string, number>;
}

export type ToSubtask =
  | { type: 'cancel' }
  | { type: 'setThrottle'; name: string; recordsPerSecond: number };

export type FromSubtask =
  | { type: 'state'; state: 'INITIALIZING' | 'RUNNING' }
  | { type: 'finished' }
  | { type: 'canceled' }
  | { type: 'failed'; error: SerializedError };
