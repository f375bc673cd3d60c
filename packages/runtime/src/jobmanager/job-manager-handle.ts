// How a process (the CLI, a test, the experiment) starts and stops a JobManager or TaskManager in-process.
import type { Logger } from 'pino';
import type { SluiceConfig } from '../options.js';

/** A running JobManager. */
export interface JobManagerHandle {
  /** `http://host:port` of the REST API (and web UI, later). */
  readonly restUrl: string;
  /** `ws://host:port/rpc` where TaskManagers register. */
  readonly rpcUrl: string;
  /** Stops serving, cancels running jobs, closes every connection. */
  close(): Promise<void>;
}

/** A running TaskManager. */
export interface TaskManagerHandle {
  readonly resourceId: string;
  /** `ws://host:port` of its data server. */
  readonly dataUrl: string;
  /** Cancels its subtasks, closes its connections and frees its network memory. */
  close(): Promise<void>;
}

/** Options of `startJobManager` (jobmanager/start-job-manager.ts). */
export interface StartJobManagerOptions {
  config: SluiceConfig;
  logger: Logger;
}

/** Options of `startTaskManager` (taskmanager/start-task-manager.ts). */
export interface StartTaskManagerOptions {
  config: SluiceConfig;
  logger: Logger;
  /** `ws://host:port/rpc` of the JobManager (default from `jobmanager.rpc.address`/`.port`). */
  jobManagerRpcUrl?: string;
  /** Default: a random id, `tm-<8 hex>`. */
  resourceId?: string;
}
