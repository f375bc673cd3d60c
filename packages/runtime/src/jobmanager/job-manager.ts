// The JobManager core: TaskManager registry and slots, job submission (schedule, deploy), task state updates, cancel, and the jobs kept for listing.

import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { RuntimeError } from '../errors.js';
import type { SluiceConfig } from '../options.js';
import type { JobStatus, JobSubmitRequest } from '../rest/rest-types.js';
import type { TaskManagerToJobManager } from '../rpc/messages.js';
import { CLOSE_POLICY_VIOLATION, type RpcLink, type RpcServerHandler } from '../rpc/rpc-server.js';
import { createDeployment } from './deployment.js';
import { Job, type JobContext } from './job.js';
import { scheduleJob } from './scheduler.js';
import { SlotPool } from './slot-pool.js';
import { TaskManagerRegistry, type RegisteredTaskManager } from './task-manager-registry.js';

/** Options of a {@link JobManager}. */
export interface JobManagerOptions {
  config: SluiceConfig;
  logger: Logger;
  /**
   * How long a FAILING or CANCELING job waits for its subtasks to confirm before counting them CANCELED.
   * Default 30 000 ms: a cooperative cancel flushes and acknowledges in well under a second; this only bounds a
   * stuck worker (Flink's `task.cancellation.timeout` is 180 s, long for a demo cluster).
   */
  cancelTimeoutMs?: number;
  /** Ended jobs kept for `GET /jobs`; the oldest go first. Default 1000: listing stays cheap, history stays useful. */
  maxRetainedJobs?: number;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
}

/**
 * The JobManager (Flink's Dispatcher, JobMaster and ResourceManager in one object): it answers the RPC links of
 * TaskManagers (as the {@link RpcServerHandler} of the RPC server) and the REST handlers' calls.
 *
 * Submission is synchronous and all-or-nothing: validate → allocate slots (round-robin, slot sharing) → build the
 * descriptors → deploy. A job that cannot get its slots fails at submission with `ERR_RT_NOT_ENOUGH_SLOTS` and
 * is not kept. A TaskManager that is lost fails every job with an unfinished subtask on it.
 *
 * Owned by: the JobManager process, main thread.
 */
export class JobManager implements RpcServerHandler {
  readonly registry: TaskManagerRegistry;
  readonly slotPool = new SlotPool();
  readonly config: SluiceConfig;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #maxRetainedJobs: number;
  readonly #jobs = new Map<string, Job>();
  /** The latest metrics each registered TaskManager sent about itself (segments, memory). */
  readonly #taskManagerMetrics = new Map<string, Record<string, number>>();
  /** The address (`host:dataPort`) of every TaskManager ever registered, kept after it is lost: failure causes name it. */
  readonly #addresses = new Map<string, string>();
  readonly #jobContext: JobContext;
  #isClosed = false;

  /** @param options - see {@link JobManagerOptions}. */
  constructor(options: JobManagerOptions) {
    this.config = options.config;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#maxRetainedJobs = options.maxRetainedJobs ?? 1000;
    this.registry = new TaskManagerRegistry({
      token: options.config['cluster.token'],
      heartbeatIntervalMs: options.config['heartbeat.interval'],
      heartbeatTimeoutMs: options.config['heartbeat.timeout'],
      logger: options.logger,
      now: this.#now,
      listener: {
        notifyTaskManagerRegistered: (tm) => this.#onTaskManagerRegistered(tm),
        notifyTaskManagerLost: (tm, reason) => this.#onTaskManagerLost(tm, reason),
      },
    });
    this.#jobContext = {
      send: (resourceId, message) => this.registry.send(resourceId, message),
      describeTaskManager: (resourceId) => {
        const address = this.#addresses.get(resourceId);
        return address === undefined ? resourceId : TaskManagerRegistry.describe({ resourceId, address });
      },
      notifyJobTerminated: (job) => this.#onJobTerminated(job),
      logger: options.logger,
      now: this.#now,
      cancelTimeoutMs: options.cancelTimeoutMs ?? 30_000,
    };
  }

  /** Starts the heartbeat monitor. */
  start(): void {
    this.registry.start();
  }

  /** Cancels every unfinished job without waiting (CancelTask and ReleaseJob go out) and stops the monitor. */
  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    for (const job of this.#jobs.values()) job.abort('the JobManager is shutting down');
    this.registry.stop();
  }

  // ---- RPC ----------------------------------------------------------------------------------------------------

  /** A checked message from a TaskManager link (see {@link RpcServerHandler.onMessage}). */
  onMessage(link: RpcLink, message: TaskManagerToJobManager): void {
    if (message.type === 'RegisterTaskManager') {
      if (this.#isClosed) return void link.close(1001, 'JobManager shutting down');
      return this.registry.handleRegistration(link, message);
    }
    const tm = this.registry.taskManagerOf(link);
    if (tm === undefined) return this.#violation(link, `${message.type} before RegisterTaskManager`);
    this.registry.noteAlive(tm);
    switch (message.type) {
      case 'Heartbeat':
        if (message.resourceId !== tm.resourceId) return this.#violation(link, `Heartbeat names ${message.resourceId}, but this link registered ${tm.resourceId}`);
        for (const task of message.tasks ?? []) {
          const job = this.#jobs.get(task.jobId);
          if (job !== undefined && !job.isTerminal) job.updateMetrics(tm.resourceId, task.executionId, task.metrics, task.channels);
        }
        if (message.taskManager !== undefined) this.#taskManagerMetrics.set(tm.resourceId, message.taskManager);
        return;
      case 'TaskExecutionState': {
        const job = this.#jobs.get(message.jobId);
        if (job === undefined) {
          this.#logger.debug({ jobId: message.jobId, resourceId: tm.resourceId }, 'state update for an unknown job ignored');
          return;
        }
        return job.updateTaskState(tm.resourceId, message);
      }
    }
  }

  /** A TaskManager link closed (see {@link RpcServerHandler.onLinkClose}). */
  onLinkClose(link: RpcLink, code: number, reason: string): void {
    this.registry.handleLinkClosed(link, code, reason);
  }

  #violation(link: RpcLink, what: string): void {
    this.#logger.warn({ controlAddress: link.remoteAddress }, `closing RPC link ${link.remoteAddress}: ${what}`);
    link.close(CLOSE_POLICY_VIOLATION, what);
  }

  #onTaskManagerRegistered(tm: RegisteredTaskManager): void {
    this.#addresses.set(tm.resourceId, tm.address);
    this.slotPool.addTaskManager(tm.resourceId, tm.numSlots);
  }

  #onTaskManagerLost(tm: RegisteredTaskManager, reason: string): void {
    this.slotPool.removeTaskManager(tm.resourceId);
    this.#taskManagerMetrics.delete(tm.resourceId);
    for (const job of [...this.#jobs.values()]) {
      if (!job.isTerminal && job.taskManagers.includes(tm.resourceId)) job.notifyTaskManagerLost(tm.resourceId, reason);
    }
  }

  // ---- Jobs ---------------------------------------------------------------------------------------------------

  /**
   * Schedules and deploys a job; returns its id (32 hex digits). `request` must have passed
   * `validateSubmitRequest`.
   *
   * @throws RuntimeError `ERR_RT_NOT_ENOUGH_SLOTS` (needed vs available), `ERR_RT_JM_SHUTDOWN`.
   */
  submitJob(request: JobSubmitRequest): string {
    if (this.#isClosed) throw new RuntimeError('ERR_RT_JM_SHUTDOWN', 'the JobManager is shutting down and accepts no jobs');
    const jobId = randomBytes(16).toString('hex');
    const graph = request.jobGraph;
    const { assignment } = scheduleJob(this.slotPool, jobId, graph);
    let job: Job;
    try {
      const deployment = createDeployment({
        jobId,
        jobName: request.jobName,
        graph,
        assignment,
        dataUrlOf: (resourceId) => this.registry.get(resourceId)!.dataUrl,
      });
      job = new Job({ jobId, jobName: request.jobName, graph, code: request.code, programArgs: request.programArgs, contextConfig: request.contextConfig, deployment }, this.#jobContext);
    } catch (error) {
      this.slotPool.release(jobId);
      throw error;
    }
    this.#jobs.set(jobId, job);
    this.#logger.info({ jobId, jobName: request.jobName }, `job "${request.jobName}" (${jobId}) submitted`);
    job.deploy();
    return jobId;
  }

  /**
   * The job with id `jobId`.
   *
   * @throws RuntimeError `ERR_RT_UNKNOWN_JOB`.
   */
  getJob(jobId: string): Job {
    const job = this.#jobs.get(jobId);
    if (job === undefined) throw new RuntimeError('ERR_RT_UNKNOWN_JOB', `no job with id ${jobId} (unknown, or ended long enough ago to be forgotten)`);
    return job;
  }

  /** Every job kept, in submission order. */
  jobs(): Job[] {
    return [...this.#jobs.values()];
  }

  /**
   * Cancels a job (see `Job.cancel`); returns its state afterwards.
   *
   * @throws RuntimeError `ERR_RT_UNKNOWN_JOB`.
   */
  cancelJob(jobId: string): JobStatus {
    return this.getJob(jobId).cancel();
  }

  /**
   * Sends `SetThrottle` to every TaskManager of a running job; returns how many were told.
   *
   * @throws RuntimeError `ERR_RT_UNKNOWN_JOB`, or `ERR_RT_JOB_NOT_RUNNING` when it is not RUNNING.
   */
  setThrottle(jobId: string, name: string, recordsPerSecond: number): number {
    const job = this.getJob(jobId);
    if (job.state !== 'RUNNING') throw new RuntimeError('ERR_RT_JOB_NOT_RUNNING', `job ${jobId} is ${job.state}, not RUNNING: nothing to throttle`);
    return job.setThrottle(name, recordsPerSecond);
  }

  /** Registered TaskManagers, in registration order. */
  taskManagers(): RegisteredTaskManager[] {
    return this.registry.list();
  }

  /** `host:dataPort` of a TaskManager that registered at some point, also after it is lost; undefined for one that never did. */
  taskManagerAddress(resourceId: string): string | undefined {
    return this.#addresses.get(resourceId);
  }

  /** The latest metrics TaskManager `resourceId` reported about itself, or undefined before its first heartbeat. */
  taskManagerMetrics(resourceId: string): Readonly<Record<string, number>> | undefined {
    return this.#taskManagerMetrics.get(resourceId);
  }

  /** The clock the JobManager uses (epoch ms). */
  now(): number {
    return this.#now();
  }

  #onJobTerminated(job: Job): void {
    this.slotPool.release(job.jobId);
    const ended = this.jobs().filter((candidate) => candidate.isTerminal);
    for (let i = 0; i < ended.length - this.#maxRetainedJobs; i++) this.#jobs.delete(ended[i].jobId);
  }
}
