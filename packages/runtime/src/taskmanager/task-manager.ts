// The TaskManager process core: network, data server, JobManager link, slots, and the subtasks it runs.
import { hostname } from 'node:os';
import { pathToFileURL } from 'node:url';
import {
  ConnectionManager, DataServer, idFromHex, NetworkEnvironment, NetworkService, serializeError, TaskIoMetrics,
  type BuiltInputGate, type GateChannelSpec, type PartitionRequestClient, type ResultPartitionDescriptor, type SerializedError, type WsConnection,
} from '@sluice/network';
import type { Logger } from 'pino';
import { removeJobBundle, writeJobBundle } from '../client/job-bundle.js';
import { RuntimeError } from '../errors.js';
import { networkOptionsFrom, type SluiceConfig } from '../options.js';
import { TERMINAL_EXECUTION_STATES, type ExecutionState, type JobCodeDescriptor, type JobManagerToTaskManager, type TaskDeploymentDescriptor, type TaskManagerToJobManager, type TaskMetricsReport } from '../rpc/messages.js';
import type { SubtaskWorkerData } from '../task/subtask-messages.js';
import { SubtaskLauncher } from './subtask-launcher.js';
import { sampleTaskManagerMetrics, TaskMetricsSampler } from './task-metrics-sampler.js';

/** What the TaskManager keeps per job. */
interface JobOnTaskManager {
  code: JobCodeDescriptor;
  moduleUrl: string;
  partitions: Array<{ partitionId: string; descriptor: ResultPartitionDescriptor }>;
  tasks: Map<string, { launcher: SubtaskLauncher; gates: BuiltInputGate[]; signal: number | null; metrics: TaskIoMetrics; sampler: TaskMetricsSampler }>;
  throttles: Record<string, number>;
}

/** The JobManager link as the TaskManager uses it. */
export interface JobManagerLink {
  send(message: TaskManagerToJobManager): void;
}

/**
 * Flink's TaskExecutor: one process with N slots, its network memory and data server, and one worker
 * thread per subtask that it starts and owns. It deploys what the JobManager submits — partitions first,
 * then input gates (local channels read this TM's own queues, remote ones share one connection per
 * producer TM), then the thread — and reports every state change back.
 *
 * Owned by: the TaskManager process, main thread.
 */
export class TaskManager {
  readonly env: NetworkEnvironment;
  readonly service: NetworkService;
  readonly server: DataServer;
  readonly connections: ConnectionManager;
  private readonly clients = new Map<WsConnection, PartitionRequestClient>();
  private readonly jobs = new Map<string, JobOnTaskManager>();
  private link: JobManagerLink | null = null;
  dataUrl = '';

  constructor(readonly resourceId: string, readonly config: SluiceConfig, private readonly logger: Logger) {
    this.env = new NetworkEnvironment(networkOptionsFrom(config));
    this.service = new NetworkService(this.env);
    const maxFrameBytes = this.env.options.segmentSizeBytes + 1024;
    const token = config['cluster.token'];
    this.server = new DataServer({
      host: config['taskmanager.host'], port: config['taskmanager.data.port'], token, maxFrameBytes,
      createHandler: () => this.service.createServerHandler(),
    });
    this.connections = new ConnectionManager({
      token, maxFrameBytes,
      createHandler: (connection) => {
        const client = this.service.createClientHandler();
        this.clients.set(connection as WsConnection, client);
        return client;
      },
    });
  }

  get numSlots(): number {
    return this.config['taskmanager.numberOfTaskSlots'];
  }

  /** Starts the data server; returns its url. */
  async startDataServer(): Promise<string> {
    const address = await this.server.listen();
    this.dataUrl = address.url;
    return this.dataUrl;
  }

  /** Connects the TaskManager to its JobManager link (set again after a reconnect). */
  setJobManagerLink(link: JobManagerLink | null): void {
    this.link = link;
  }

  /** The registration message for the JobManager. */
  registration(): TaskManagerToJobManager {
    return {
      type: 'RegisterTaskManager', resourceId: this.resourceId, host: hostname(), dataUrl: this.dataUrl,
      numSlots: this.numSlots, pid: process.pid, ...(this.config['cluster.token'] ? { token: this.config['cluster.token'] } : {}),
    };
  }

  /** A heartbeat with each subtask's metrics (a sample of each: see TaskMetricsSampler) and the TaskManager's own. */
  heartbeat(): TaskManagerToJobManager {
    const tasks: TaskMetricsReport[] = [];
    for (const [jobId, job] of this.jobs) {
      for (const [executionId, task] of job.tasks) tasks.push(task.sampler.sample(jobId, executionId));
    }
    return { type: 'Heartbeat', resourceId: this.resourceId, tasks, taskManager: sampleTaskManagerMetrics(this.env) };
  }

  /** Handles one message of the JobManager. */
  async onMessage(message: JobManagerToTaskManager): Promise<void> {
    switch (message.type) {
      case 'DeployJobCode':
        await this.deployJobCode(message.job);
        break;
      case 'SubmitTask':
        await this.submitTask(message.tdd);
        break;
      case 'CancelTask':
        this.jobs.get(message.jobId)?.tasks.get(message.executionId)?.launcher.cancel();
        break;
      case 'ReleaseJob':
        await this.releaseJob(message.jobId);
        break;
      case 'SetThrottle': {
        const job = this.jobs.get(message.jobId);
        if (job === undefined) return;
        job.throttles[message.name] = message.recordsPerSecond;
        for (const task of job.tasks.values()) task.launcher.send({ type: 'setThrottle', name: message.name, recordsPerSecond: message.recordsPerSecond });
        break;
      }
      case 'RegistrationSuccess':
      case 'RegistrationRejected':
        break; // handled by the registration logic
    }
  }

  /**
   * Ends every job here: stops its subtasks and frees its partitions, gates and bundle. For when the JobManager
   * link is gone (no ReleaseJob will come for these jobs; Flink releases a job's resources when its JobManager
   * disconnects) and when the process stops.
   */
  async releaseAllJobs(): Promise<void> {
    for (const jobId of [...this.jobs.keys()]) await this.releaseJob(jobId);
  }

  async close(): Promise<void> {
    await this.releaseAllJobs();
    await this.connections.closeAll();
    await this.server.close();
    await this.service.close();
  }

  private async deployJobCode(code: JobCodeDescriptor): Promise<void> {
    if (this.jobs.has(code.jobId)) return;
    const path = await writeJobBundle(code.code, code.jobId);
    this.jobs.set(code.jobId, { code, moduleUrl: pathToFileURL(path).href, partitions: [], tasks: new Map(), throttles: {} });
  }

  private async submitTask(tdd: TaskDeploymentDescriptor): Promise<void> {
    const report = (state: ExecutionState, error?: SerializedError) =>
      this.link?.send({ type: 'TaskExecutionState', jobId: tdd.jobId, executionId: tdd.executionId, attemptNumber: tdd.attemptNumber, state, ...(error ? { error } : {}) });
    const job = this.jobs.get(tdd.jobId);
    if (job === undefined) {
      report('FAILED', serializeError(new RuntimeError('ERR_RT_DEPLOY', `TaskManager ${this.resourceId} received ${tdd.taskName} before the code of job ${tdd.jobId}`)));
      return;
    }
    report('DEPLOYING');
    const gates: BuiltInputGate[] = [];
    let signal: number | null = null;
    try {
      const partitions = tdd.producedPartitions.map((spec) => {
        const descriptor = this.env.createResultPartition(spec.numSubpartitions);
        this.service.partitions.register(idFromHex(spec.partitionId), descriptor);
        job.partitions.push({ partitionId: spec.partitionId, descriptor });
        return descriptor;
      });
      if (tdd.inputGates.length > 0) signal = this.env.allocateSignal();
      for (const gateSpec of tdd.inputGates) {
        const specs: GateChannelSpec[] = [];
        for (const channel of gateSpec.channels) {
          if (channel.producer.location === 'local') {
            specs.push({ kind: 'local', queueId: this.service.partitions.queueOf(idFromHex(channel.partitionId), channel.subpartitionIndex) });
          } else {
            const connection = await this.connections.acquire(channel.producer.dataUrl);
            specs.push({ kind: 'remote', producer: { connection, client: this.clients.get(connection)! }, partitionId: idFromHex(channel.partitionId), subpartitionIndex: channel.subpartitionIndex });
          }
        }
        gates.push(this.service.createInputGate(specs, signal!));
      }
      const metrics = TaskIoMetrics.create();
      const data: SubtaskWorkerData = {
        tdd, jobModuleUrl: job.moduleUrl, programArgs: job.code.programArgs, contextConfig: job.code.contextConfig,
        network: this.env.attachment, partitions, gates: gates.map((g) => g.descriptor), metrics: metrics.sab, throttles: { ...job.throttles },
      };
      const launcher = new SubtaskLauncher(tdd.executionId, data, (state, error) => {
        if (error !== undefined) this.logger.warn({ task: tdd.taskName, error: error.message }, 'subtask failed');
        report(state, error);
        job.tasks.get(tdd.executionId)?.sampler.notifyState(state);
        if (TERMINAL_EXECUTION_STATES.has(state)) this.releaseTaskGates(job, tdd.executionId);
      });
      job.tasks.set(tdd.executionId, { launcher, gates, signal, metrics, sampler: new TaskMetricsSampler(this.env, metrics, partitions, gates) });
    } catch (error) {
      for (const gate of gates) this.service.releaseInputGate(gate);
      if (signal !== null) this.env.freeSignal(signal);
      report('FAILED', serializeError(new RuntimeError('ERR_RT_DEPLOY', `deploying ${tdd.taskName} on TaskManager ${this.resourceId} failed: ${(error as Error).message}`, { cause: error })));
    }
  }

  private releaseTaskGates(job: JobOnTaskManager, executionId: string): void {
    const task = job.tasks.get(executionId);
    if (task === undefined || task.gates.length === 0) return;
    for (const gate of task.gates.splice(0)) this.service.releaseInputGate(gate);
    if (task.signal !== null) this.env.freeSignal(task.signal);
    task.signal = null;
  }

  private async releaseJob(jobId: string): Promise<void> {
    const job = this.jobs.get(jobId);
    if (job === undefined) return;
    this.jobs.delete(jobId); // first: a second release of the same job (link loss racing close) finds nothing
    for (const [executionId, task] of job.tasks) {
      if (!task.launcher.isDone) await task.launcher.kill();
      this.releaseTaskGates(job, executionId);
    }
    for (const { partitionId, descriptor } of job.partitions) {
      this.service.partitions.unregister(idFromHex(partitionId));
      this.env.releasePartition(descriptor);
    }
    await removeJobBundle(jobId).catch(() => {});
  }
}
