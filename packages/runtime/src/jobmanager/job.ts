// One submitted job on the JobManager: its subtasks' execution states and the job state machine (deploy, finish, fail, cancel, release).

import type { SerializedError } from '@sluice/network';
import type { Logger } from 'pino';
import type { JobGraphJson } from '../graph/format-plan.js';
import { TERMINAL_EXECUTION_STATES, type ExecutionState, type InputChannelMetrics, type JobCodeDescriptor, type JobManagerToTaskManager, type TaskManagerToJobManager } from '../rpc/messages.js';
import { isTerminalJobStatus, type JobStatus, type TerminalJobStatus } from '../rest/rest-types.js';
import type { Deployment } from './deployment.js';

/** Why a job failed: the first failing subtask's error as its worker sent it, and where it ran. */
export type JobFailureCause = SerializedError & { taskName?: string; taskManager?: string };

/** One subtask's execution, as the JobManager tracks it (Flink's Execution). */
export interface SubtaskExecution {
  readonly executionId: string;
  readonly vertexId: string;
  readonly subtaskIndex: number;
  /** `Map (2/4)`. */
  readonly taskName: string;
  readonly resourceId: string;
  readonly slotIndex: number;
  readonly attemptNumber: number;
  state: ExecutionState | 'CREATED';
  /** Epoch ms of deployment, -1 before. */
  startTime: number;
  /** Epoch ms of reaching a terminal state, -1 before. */
  endTime: number;
  error: SerializedError | undefined;
  /** The latest metrics its TaskManager sent in a heartbeat. */
  metrics: Record<string, number>;
  /** Its remote input channels in that heartbeat. */
  channels: InputChannelMetrics[];
  /** Epoch ms of that heartbeat, -1 before the first. */
  metricsTime: number;
}

/** What a {@link Job} needs from the JobManager around it. */
export interface JobContext {
  /** Sends to a registered TaskManager; false when it is gone or its link is closed. */
  send(resourceId: string, message: JobManagerToTaskManager): boolean;
  /** `tm-1a2b3c4d (127.0.0.1:41235)`, also for a TaskManager that is gone. */
  describeTaskManager(resourceId: string): string;
  /** The job reached FINISHED, FAILED or CANCELED and sent its ReleaseJobs: free its slots. */
  notifyJobTerminated(job: Job): void;
  logger: Logger;
  /** Epoch ms. */
  now(): number;
  /** How long FAILING/CANCELING waits for subtasks to confirm before counting them CANCELED. */
  cancelTimeoutMs: number;
}

/** What a new {@link Job} is made of. */
export interface JobInit {
  readonly jobId: string;
  readonly jobName: string;
  readonly graph: JobGraphJson;
  readonly code: string;
  readonly programArgs: readonly string[];
  readonly contextConfig: Record<string, unknown>;
  readonly deployment: Deployment;
}

type TaskState = Extract<TaskManagerToJobManager, { type: 'TaskExecutionState' }>;

/**
 * One job's life on the JobManager (Flink's ExecutionGraph with a JobStatus, no restarts):
 *
 * ```
 *  CREATED ─ deploy() ─► RUNNING ─ every subtask FINISHED ──────────────────────────► FINISHED
 *     │                    │ ─ a subtask FAILED / its TM lost ─► FAILING ─ all ended ─► FAILED (first cause)
 *     │                    └ cancel() ─► CANCELING ─ all CANCELED/FINISHED/FAILED or TM gone ─► CANCELED
 *     └ cancel() ─► CANCELED                   (FAILING/CANCELING send CancelTask to the running subtasks)
 * ```
 *
 * Entering a terminal state sends `ReleaseJob` to every involved TaskManager still registered, then tells the
 * context to free the job's slots. A subtask that does not confirm its cancellation within `cancelTimeoutMs`
 * is counted CANCELED, so a stuck worker cannot hold a job in FAILING/CANCELING forever.
 *
 * Owned by: the JobManager process, main thread.
 */
export class Job {
  readonly jobId: string;
  readonly name: string;
  readonly graph: JobGraphJson;
  /** Epoch ms of each state reached. */
  readonly timestamps: Partial<Record<JobStatus, number>> = {};
  readonly #context: JobContext;
  readonly #deployment: Deployment;
  readonly #subtasks = new Map<string, SubtaskExecution>();
  #jobCode: JobCodeDescriptor | null;
  #state: JobStatus = 'CREATED';
  #failureCause: JobFailureCause | undefined;
  #cancelTimer: NodeJS.Timeout | null = null;

  /** Creates the job in CREATED with every subtask CREATED; nothing is sent until {@link deploy}. */
  constructor(init: JobInit, context: JobContext) {
    this.jobId = init.jobId;
    this.name = init.jobName;
    this.graph = init.graph;
    this.#context = context;
    this.#deployment = init.deployment;
    this.#jobCode = { jobId: init.jobId, code: init.code, programArgs: [...init.programArgs], contextConfig: init.contextConfig };
    for (const { resourceId, tdd } of init.deployment.tasks) {
      this.#subtasks.set(tdd.executionId, {
        executionId: tdd.executionId,
        vertexId: tdd.vertexId,
        subtaskIndex: tdd.subtaskIndex,
        taskName: tdd.taskName,
        resourceId,
        slotIndex: tdd.slotIndex,
        attemptNumber: tdd.attemptNumber,
        state: 'CREATED',
        startTime: -1,
        endTime: -1,
        error: undefined,
        metrics: {},
        channels: [],
        metricsTime: -1,
      });
    }
    this.timestamps.CREATED = context.now();
  }

  /** The state, as the REST API reports it (FAILING and CANCELING included). */
  get state(): JobStatus {
    return this.#state;
  }

  /** Whether the job reached FINISHED, FAILED or CANCELED. */
  get isTerminal(): boolean {
    return isTerminalJobStatus(this.#state);
  }

  /** Why the job failed (set when it starts FAILING), else undefined. */
  get failureCause(): JobFailureCause | undefined {
    return this.#failureCause;
  }

  /** Epoch ms of submission. */
  get startTime(): number {
    return this.timestamps.CREATED!;
  }

  /** Epoch ms of the terminal state, -1 while the job runs. */
  get endTime(): number {
    return this.isTerminal ? this.timestamps[this.#state]! : -1;
  }

  /** Every subtask, in deployment order (producers first). */
  subtasks(): SubtaskExecution[] {
    return [...this.#subtasks.values()];
  }

  /** The TaskManagers the job runs on, in deployment order. */
  get taskManagers(): readonly string[] {
    return this.#deployment.taskManagers;
  }

  // ---- Deployment -------------------------------------------------------------------------------------------

  /**
   * Deploys the job: `DeployJobCode` to each involved TaskManager once, then `SubmitTask` per subtask in
   * topological order (producers first); the job is RUNNING afterwards. A TaskManager whose link closed in the
   * meantime is reported lost by the registry, which fails the job.
   */
  deploy(): void {
    if (this.#state !== 'CREATED' || this.#jobCode === null) return;
    const job: JobCodeDescriptor = this.#jobCode;
    this.#jobCode = null; // the code can be large; the job keeps only its graph
    for (const resourceId of this.#deployment.taskManagers) this.#context.send(resourceId, { type: 'DeployJobCode', job });
    const now = this.#context.now();
    for (const { resourceId, tdd } of this.#deployment.tasks) {
      const subtask = this.#subtasks.get(tdd.executionId)!;
      subtask.state = 'DEPLOYING';
      subtask.startTime = now;
      this.#context.send(resourceId, { type: 'SubmitTask', tdd });
    }
    this.#enter('RUNNING');
    this.#context.logger.info(
      { jobId: this.jobId, numSubtasks: this.#subtasks.size, taskManagers: this.taskManagers },
      `job "${this.name}" (${this.jobId}) deployed: ${this.#subtasks.size} subtasks on ${this.taskManagers.length} TaskManager${this.taskManagers.length === 1 ? '' : 's'}`,
    );
  }

  // ---- Updates from TaskManagers ------------------------------------------------------------------------------

  /** Applies a `TaskExecutionState` sent by TaskManager `resourceId`; stale or foreign updates are logged and dropped. */
  updateTaskState(resourceId: string, update: TaskState): void {
    const logger = this.#context.logger;
    const subtask = this.#subtasks.get(update.executionId);
    if (subtask === undefined || subtask.resourceId !== resourceId) {
      logger.warn({ jobId: this.jobId, executionId: update.executionId, resourceId }, `ignored a state update for a subtask ${resourceId} does not run`);
      return;
    }
    if (update.attemptNumber !== subtask.attemptNumber || TERMINAL_EXECUTION_STATES.has(subtask.state) || this.isTerminal) return;
    if (subtask.state === 'CANCELING' && !TERMINAL_EXECUTION_STATES.has(update.state)) return; // cancel already sent
    subtask.state = update.state;
    if (TERMINAL_EXECUTION_STATES.has(update.state)) subtask.endTime = this.#context.now();
    logger.debug({ jobId: this.jobId, executionId: subtask.executionId, state: update.state }, `${subtask.taskName} ${update.state}`);

    if (update.state === 'FAILED') {
      subtask.error = update.error ?? { name: 'Error', message: `${subtask.taskName} failed without an error` };
      logger.warn({ jobId: this.jobId, err: subtask.error }, `${subtask.taskName} on ${this.#context.describeTaskManager(resourceId)} failed: ${subtask.error.message}`);
      if (this.#state === 'RUNNING' || this.#state === 'CREATED') this.#fail(this.#causeOf(subtask, subtask.error));
    } else if (update.state === 'CANCELED' && this.#state === 'RUNNING') {
      const message = `${subtask.taskName} was canceled by TaskManager ${this.#context.describeTaskManager(resourceId)} without a cancel request`;
      this.#fail(this.#causeOf(subtask, { name: 'RuntimeError', message }));
    }
    this.#maybeComplete();
  }

  /** Stores the latest metrics (and remote channels) of a subtask from TaskManager `resourceId`'s heartbeat. */
  updateMetrics(resourceId: string, executionId: string, metrics: Record<string, number>, channels: InputChannelMetrics[] = []): void {
    const subtask = this.#subtasks.get(executionId);
    if (subtask === undefined || subtask.resourceId !== resourceId) return;
    subtask.metrics = metrics;
    subtask.channels = channels;
    subtask.metricsTime = this.#context.now();
  }

  /**
   * TaskManager `resourceId` is gone (`reason` names it): its unfinished subtasks are FAILED with code
   * `ERR_RT_TM_LOST`, and a RUNNING job fails with that cause. If the job is already FAILING because a subtask
   * lost its network connection (an `ERR_NET_*` error, the symptom of this loss seen first), the loss replaces
   * it as the cause.
   */
  notifyTaskManagerLost(resourceId: string, reason: string): void {
    if (this.isTerminal) return;
    const now = this.#context.now();
    const error: SerializedError = { name: 'RuntimeError', code: 'ERR_RT_TM_LOST', message: reason };
    const lost = this.subtasks().filter((subtask) => subtask.resourceId === resourceId && !TERMINAL_EXECUTION_STATES.has(subtask.state));
    for (const subtask of lost) {
      subtask.state = 'FAILED';
      subtask.endTime = now;
      subtask.error = error;
    }
    if (lost.length > 0) {
      const cause = this.#causeOf(lost[0], error);
      if (this.#state === 'RUNNING' || this.#state === 'CREATED') this.#fail(cause);
      else if (this.#state === 'FAILING' && this.#failureCause?.code?.startsWith('ERR_NET_') === true) this.#failureCause = cause;
    }
    this.#maybeComplete();
  }

  // ---- Cancel and throttles -----------------------------------------------------------------------------------

  /**
   * Cancels the job: CREATED goes to CANCELED at once; RUNNING goes to CANCELING and sends `CancelTask` to every
   * unfinished subtask. A job already ending or ended is left alone.
   *
   * @returns the state after the request.
   */
  cancel(): JobStatus {
    if (this.#state === 'CREATED') {
      this.#giveUpOnUnfinished();
      this.#finish('CANCELED');
    } else if (this.#state === 'RUNNING') {
      this.#context.logger.info({ jobId: this.jobId }, `canceling job "${this.name}" (${this.jobId})`);
      this.#enter('CANCELING');
      this.#cancelSubtasks();
      this.#maybeComplete();
    }
    return this.#state;
  }

  /** Sends `SetThrottle` to every involved TaskManager still registered; returns how many were told. */
  setThrottle(name: string, recordsPerSecond: number): number {
    let told = 0;
    for (const resourceId of this.taskManagers) {
      if (this.#context.send(resourceId, { type: 'SetThrottle', jobId: this.jobId, name, recordsPerSecond })) told++;
    }
    return told;
  }

  /**
   * Ends the job now because the JobManager shuts down: unfinished subtasks get `CancelTask` and are counted
   * CANCELED without waiting, and the job is CANCELED (ReleaseJob follows).
   */
  abort(why: string): void {
    if (this.isTerminal) return;
    this.#context.logger.warn({ jobId: this.jobId }, `canceling job "${this.name}" (${this.jobId}): ${why}`);
    this.#cancelSubtasks();
    this.#giveUpOnUnfinished();
    this.#finish('CANCELED');
  }

  // ---- Transitions --------------------------------------------------------------------------------------------

  #causeOf(subtask: SubtaskExecution, error: SerializedError): JobFailureCause {
    return { ...error, taskName: subtask.taskName, taskManager: this.#context.describeTaskManager(subtask.resourceId) };
  }

  #fail(cause: JobFailureCause): void {
    this.#failureCause = cause;
    this.#context.logger.warn({ jobId: this.jobId, cause }, `job "${this.name}" (${this.jobId}) is failing: ${cause.message}`);
    this.#enter('FAILING');
    this.#cancelSubtasks();
  }

  /** Sends `CancelTask` to every unfinished subtask whose TaskManager is alive and marks it CANCELING; starts the cancel timeout. */
  #cancelSubtasks(): void {
    for (const subtask of this.#subtasks.values()) {
      if (TERMINAL_EXECUTION_STATES.has(subtask.state) || subtask.state === 'CANCELING') continue;
      if (subtask.state === 'CREATED') {
        subtask.state = 'CANCELED'; // never deployed
        subtask.endTime = this.#context.now();
        continue;
      }
      this.#context.send(subtask.resourceId, { type: 'CancelTask', jobId: this.jobId, executionId: subtask.executionId });
      subtask.state = 'CANCELING';
    }
    if (this.#cancelTimer === null && !this.isTerminal) {
      this.#cancelTimer = setTimeout(() => this.#onCancelTimeout(), this.#context.cancelTimeoutMs);
      this.#cancelTimer.unref();
    }
  }

  #onCancelTimeout(): void {
    this.#cancelTimer = null;
    if (this.isTerminal) return;
    const stuck = this.#giveUpOnUnfinished();
    if (stuck.length > 0) {
      this.#context.logger.warn(
        { jobId: this.jobId, subtasks: stuck },
        `${stuck.length} subtask${stuck.length === 1 ? '' : 's'} did not confirm cancellation within ${this.#context.cancelTimeoutMs} ms; counting them CANCELED`,
      );
    }
    this.#maybeComplete();
  }

  /** Marks every unfinished subtask CANCELED; returns their names. */
  #giveUpOnUnfinished(): string[] {
    const now = this.#context.now();
    const names: string[] = [];
    for (const subtask of this.#subtasks.values()) {
      if (TERMINAL_EXECUTION_STATES.has(subtask.state)) continue;
      subtask.state = 'CANCELED';
      subtask.endTime = now;
      names.push(subtask.taskName);
    }
    return names;
  }

  /** Ends the job once every subtask has ended: FINISHED, FAILED (after FAILING) or CANCELED (after CANCELING). */
  #maybeComplete(): void {
    if (this.isTerminal) return;
    for (const subtask of this.#subtasks.values()) if (!TERMINAL_EXECUTION_STATES.has(subtask.state)) return;
    if (this.#state === 'CANCELING') this.#finish('CANCELED');
    else if (this.#state === 'FAILING') this.#finish('FAILED');
    else if (this.subtasks().every((subtask) => subtask.state === 'FINISHED')) this.#finish('FINISHED');
    else this.#finish('FAILED'); // unreachable: a FAILED or CANCELED subtask moves a RUNNING job to FAILING first
  }

  #enter(state: JobStatus): void {
    this.#state = state;
    this.timestamps[state] = this.#context.now();
  }

  #finish(state: TerminalJobStatus): void {
    if (this.#cancelTimer !== null) clearTimeout(this.#cancelTimer);
    this.#cancelTimer = null;
    this.#jobCode = null;
    this.#enter(state);
    for (const resourceId of this.taskManagers) this.#context.send(resourceId, { type: 'ReleaseJob', jobId: this.jobId }); // false for one gone
    const took = this.endTime - this.startTime;
    const cause = state === 'FAILED' && this.#failureCause !== undefined ? `: ${this.#failureCause.message}` : '';
    this.#context.logger.info({ jobId: this.jobId, state, durationMs: took }, `job "${this.name}" (${this.jobId}) ${state} after ${took} ms${cause}`);
    this.#context.notifyJobTerminated(this);
  }
}
