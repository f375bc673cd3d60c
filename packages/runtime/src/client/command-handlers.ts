// The real bodies of the `sluice` commands: plan, run, list, cancel (client), jobmanager, taskmanager (processes) and cluster start.
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type {
  CancelOptions,
  ClusterStartOptions,
  CommandHandlers,
  JobManagerOptions,
  ListOptions,
  PlanOptions,
  RunOptions,
  TaskManagerOptions,
  TopOptions,
} from '../cli/cli.js';
import { DEFAULT_HANDLERS } from '../cli/cli.js';
import { RuntimeError } from '../errors.js';
import { formatJobGraph, jobGraphToJson } from '../graph/format-plan.js';
import { createLogger, logResolvedConfig, type Logger } from '../logging.js';
import { missingNodeFlags, type SluiceConfig } from '../options.js';
import type { JobDetails, JobStatus } from '../rest/rest-types.js';
import { RPC_PATH } from '../rpc/messages.js';
import { bundleAndCaptureJob, contextConfigFrom } from './capture-job.js';
import { createOutputForwarder, describeExit, JOBMANAGER_STARTED, startLocalCluster, type JobManagerStartedMessage } from './local-cluster.js';
import { isTerminalJobStatus, RestClient, type JobOverview } from './rest-client.js';
import { runTop } from './top-view.js';

/**
 * The handler table `sluice-main.ts` passes to `runCli`: every command of the CLI.
 * Handlers write results to `io.stdout`, everything else to `io.stderr`, and stop when `signal` aborts.
 */
export function createCommandHandlers(): CommandHandlers {
  return { ...DEFAULT_HANDLERS, plan, run, list, cancel, top, jobmanager, taskmanager, clusterStart };
}

// ─────────────────────────────────────────── client ───────────────────────────────────────────

/** `sluice plan`: builds the graph from the bundled job, as `run` would ship it, and prints it. */
async function plan(options: PlanOptions): Promise<void> {
  const { plan: jobPlan } = await bundleAndCaptureJob(options.jobFile, {
    programArgs: options.jobArgs,
    contextConfig: contextConfigFrom(options.config),
  });
  const text = options.isJson ? `${JSON.stringify(jobGraphToJson(jobPlan.jobGraph), null, 2)}\n` : formatJobGraph(jobPlan.jobGraph);
  options.io.stdout(text);
}

/**
 * `sluice run`: bundles the job, captures its plan from the bundle (so the ids are those of the shipped code),
 * submits it and, unless `--detached`, follows it to its end. Ctrl-C stops following, not the job (Flink's way).
 */
async function run(options: RunOptions): Promise<void> {
  const { io, signal } = options;
  const contextConfig = contextConfigFrom(options.config);
  const { code, plan: jobPlan } = await bundleAndCaptureJob(options.jobFile, { programArgs: options.jobArgs, contextConfig });
  if (signal.aborted) {
    io.stderr('Interrupted before the job was submitted; nothing runs.\n');
    return;
  }
  const client = restClientFor(options);
  const jobId = await client.submit({
    jobName: jobPlan.jobName,
    jobGraph: jobGraphToJson(jobPlan.jobGraph),
    code,
    programArgs: options.jobArgs,
    contextConfig: { ...contextConfig },
  });
  io.stdout(`Job has been submitted with JobID ${jobId}\n`);
  if (options.isDetached) return;

  let end: JobDetails;
  try {
    end = await client.waitForJobEnd(jobId, {
      signal,
      onStateChange: (details) => io.stderr(`${formatTime(Date.now())} Job ${details.name} (${jobId}) switched to ${details.state}.\n`),
    });
  } catch (error) {
    if (!signal.aborted) throw error;
    io.stderr(`Stopped waiting; job ${jobId} keeps running. Cancel it with: sluice cancel ${jobId}\n`);
    return;
  }
  reportEnd(io, jobId, end);
}

function reportEnd(io: RunOptions['io'], jobId: string, end: JobDetails): void {
  if (end.state === 'FINISHED') {
    io.stdout(`Program execution finished\nJob with JobID ${jobId} has finished.\nJob Runtime: ${end.duration} ms\n`);
    return;
  }
  if (end.state === 'CANCELED') throw new RuntimeError('ERR_RT_JOB_CANCELED', `job ${jobId} was canceled`);
  const cause = end['failure-cause'];
  if (cause !== undefined) {
    const where = [cause.taskName, cause.taskManager && `on ${cause.taskManager}`].filter(Boolean).join(' ');
    io.stderr(`\nThe job failed${where ? ` in ${where}` : ''}:\n${cause.stack ?? `${cause.name}: ${cause.message}`}\n\n`);
  }
  throw new RuntimeError('ERR_RT_JOB_FAILED', `job ${jobId} failed${cause === undefined ? '' : `: ${cause.message}`}`);
}

/** `sluice list`: the cluster's jobs, running first, Flink's layout (`flink list -a`). */
async function list(options: ListOptions): Promise<void> {
  const jobs = await restClientFor(options).jobsOverview();
  options.io.stdout(formatJobList(jobs));
}

/**
 * Renders jobs as `flink list -a` does: a section of running jobs, then one of terminated jobs, each line
 * `<start time> : <job id> : <name> (<state>)`, newest first.
 */
export function formatJobList(jobs: readonly JobOverview[]): string {
  const byStart = [...jobs].sort((a, b) => b['start-time'] - a['start-time']);
  const section = (title: string, entries: JobOverview[], none: string): string => {
    if (entries.length === 0) return `${none}\n`;
    const lines = entries.map((job) => `${formatTime(job['start-time'])} : ${job.jid} : ${job.name} (${job.state})`);
    return `${banner(title)}\n${lines.join('\n')}\n${'-'.repeat(62)}\n`;
  };
  // As Flink's `list`: a FAILING or CANCELING job has not ended yet, so it is listed with the running ones.
  const running = byStart.filter((job) => !isTerminalJobStatus(job.state));
  const terminated = byStart.filter((job) => isTerminalJobStatus(job.state));
  return section('Running/Restarting Jobs', running, 'No running jobs.') + section('Terminated Jobs', terminated, 'No terminated jobs.');
}

function banner(title: string): string {
  const dashes = 62 - title.length - 2;
  return `${'-'.repeat(Math.floor(dashes / 2))} ${title} ${'-'.repeat(Math.ceil(dashes / 2))}`;
}

/** `sluice cancel ID`: asks for the cancel, then waits (up to 10 s) to report the job's final state. */
async function cancel(options: CancelOptions): Promise<void> {
  const client = restClientFor(options);
  options.io.stderr(`Cancelling job ${options.jobId}.\n`);
  await client.cancel(options.jobId);
  const wait = AbortSignal.any([options.signal, AbortSignal.timeout(10_000)]);
  let state: JobStatus;
  try {
    state = (await client.waitForJobEnd(options.jobId, { pollMs: 200, signal: wait })).state;
  } catch (error) {
    if (!wait.aborted) throw error;
    options.io.stdout(`Cancellation of job ${options.jobId} requested; it has not ended yet.\n`);
    return;
  }
  options.io.stdout(state === 'CANCELED' ? `Cancelled job ${options.jobId}.\n` : `Job ${options.jobId} ended as ${state} before it could be cancelled.\n`);
}

/** `sluice top [JOB] [--once]`: the job's vertices, busy / backpressured / records per second, every second (see top-view.ts). */
async function top(options: TopOptions): Promise<void> {
  await runTop({ client: restClientFor(options), jobId: options.jobId, isOnce: options.isOnce === true, io: options.io, signal: options.signal });
}

/** The REST client of a client command: `--jobmanager URL` (ws:// becomes http://), else `rest.address:rest.port`. */
function restClientFor(options: { config: SluiceConfig; jobManagerUrl: URL | undefined }): RestClient {
  const { config, jobManagerUrl } = options;
  let baseUrl: string;
  if (jobManagerUrl === undefined) {
    const host = isIP(config['rest.address']) === 6 ? `[${config['rest.address']}]` : config['rest.address'];
    baseUrl = `http://${host}:${config['rest.port']}`;
  } else {
    const url = new URL(jobManagerUrl.href);
    if (url.protocol === 'ws:' || url.protocol === 'wss:') url.protocol = url.protocol === 'ws:' ? 'http:' : 'https:';
    baseUrl = url.href;
  }
  return new RestClient(baseUrl, { token: config['cluster.token'] });
}

/** Flink's CLI time format, local time: `20.11.2026 23:30:01`. */
function formatTime(epochMs: number): string {
  if (!(epochMs > 0)) return '-';
  const d = new Date(epochMs);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getDate())}.${two(d.getMonth() + 1)}.${d.getFullYear()} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

// ─────────────────────────────────────────── processes ───────────────────────────────────────────

// The JobManager and TaskManager are imported on demand: `sluice run`, `plan`, `list` never load them.

/** `sluice jobmanager`: runs a JobManager in this process until Ctrl-C/SIGTERM (or, when spawned by `cluster start`, its parent's end). */
async function jobmanager(options: JobManagerOptions): Promise<void> {
  const logger = createLogger('jobmanager', { level: options.logLevel });
  logResolvedConfig(logger, options.config);
  warnOfMissingNodeFlags(logger, options.config, 'jobmanager');
  const { startJobManager } = await import('../jobmanager/start-job-manager.js');
  const handle = await startJobManager({ config: options.config, logger });
  options.io.stdout(`JobManager running: REST API and web UI at ${handle.restUrl}, TaskManagers register at ${handle.rpcUrl}\n`);
  // Spawned by a local cluster (an IPC channel): tell it the addresses, whose ports may have been 0 (any free one).
  const started: JobManagerStartedMessage = { type: JOBMANAGER_STARTED, restUrl: handle.restUrl, rpcUrl: handle.rpcUrl };
  if (process.connected) process.send?.(started);
  await untilStopped(options.signal);
  logger.info('stopping the JobManager');
  await handle.close();
}

/** `sluice taskmanager`: runs a TaskManager in this process, registered with the JobManager, until stopped. */
async function taskmanager(options: TaskManagerOptions): Promise<void> {
  const resourceId = options.resourceId ?? `tm-${randomBytes(4).toString('hex')}`;
  const logger = createLogger(`taskmanager-${resourceId}`, { level: options.logLevel });
  logResolvedConfig(logger, options.config);
  warnOfMissingNodeFlags(logger, options.config, 'taskmanager');
  const { startTaskManager } = await import('../taskmanager/start-task-manager.js');
  const handle = await startTaskManager({
    config: options.config,
    logger,
    resourceId,
    jobManagerRpcUrl: options.jobManagerUrl === undefined ? undefined : toRpcUrl(options.jobManagerUrl),
  });
  options.io.stdout(`TaskManager ${handle.resourceId} running: data server at ${handle.dataUrl}\n`);
  await untilStopped(options.signal);
  logger.info('stopping the TaskManager');
  await handle.close();
}

/** A process started by hand runs without the node flags of `env.node.opts.<role>`, which only a launcher can give: say how. */
function warnOfMissingNodeFlags(logger: Logger, config: SluiceConfig, role: 'jobmanager' | 'taskmanager'): void {
  const missing = missingNodeFlags(config, role);
  if (missing.length === 0) return;
  const flags = missing.join(' ');
  logger.warn(
    { missing },
    `env.node.opts.${role} asks for node flags this process was not started with: ${flags} (\`sluice cluster start\` applies them; ` +
      `started by hand, give them to node: node ${flags} --import tsx packages/runtime/src/cli/sluice-main.ts ${role} …)`,
  );
}

/** `--jobmanager` as the RPC url: http(s) becomes ws(s), and a bare host:port gets the `/rpc` path. */
export function toRpcUrl(url: URL): string {
  const rpc = new URL(url.href);
  if (rpc.protocol === 'http:') rpc.protocol = 'ws:';
  if (rpc.protocol === 'https:') rpc.protocol = 'wss:';
  if (rpc.pathname === '/' || rpc.pathname === '') rpc.pathname = RPC_PATH;
  return rpc.href;
}

/**
 * Resolves when `signal` aborts or, in a process spawned with an IPC channel (`cluster start`), when the
 * parent goes away, so that no JobManager or TaskManager outlives the cluster that started it.
 */
function untilStopped(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      process.off('disconnect', done);
      if (process.connected) process.disconnect(); // drop the channel, or it would keep this process alive
      resolve();
    };
    if (signal.aborted) return done();
    signal.addEventListener('abort', done, { once: true });
    if (process.connected) process.once('disconnect', done);
  });
}

/**
 * `sluice cluster start`: a JobManager and N TaskManager processes here; prints the web address, then stops
 * them all on Ctrl-C, or when one of them dies (naming it).
 */
async function clusterStart(options: ClusterStartOptions): Promise<void> {
  const { config, io, signal } = options;
  const numSlots = config['taskmanager.numberOfTaskSlots'];
  let cluster;
  try {
    cluster = await startLocalCluster({
      numTaskManagers: options.numTaskManagers,
      // The configured ports (file, -D, --rest-port, or Flink's 8081/6123); 0 means pick a free one.
      overrides: { 'rest.port': config['rest.port'], 'jobmanager.rpc.port': config['jobmanager.rpc.port'], ...options.overrides },
      configFile: options.configFile,
      logLevel: options.logLevel,
      onOutput: createOutputForwarder(io.stderr),
      signal,
    });
  } catch (error) {
    if (signal.aborted) return; // Ctrl-C while starting: the processes are stopped already
    throw error;
  }
  const pids = cluster.processes.map((p) => `${p.name} ${p.child.pid}`).join(', ');
  io.stdout(`Web UI: ${cluster.restUrl}\n`);
  io.stdout(
    `Cluster running: 1 JobManager and ${options.numTaskManagers} TaskManager(s) × ${numSlots} slot(s) = ${options.numTaskManagers * numSlots} slots (pids: ${pids}). Ctrl-C stops it.\n`,
  );
  const abort = new Promise<undefined>((resolve) => {
    if (signal.aborted) resolve(undefined);
    else signal.addEventListener('abort', () => resolve(undefined), { once: true });
  });
  const exit = await Promise.race([abort, cluster.unexpectedExit]);
  // Its output has been forwarded already: name it, without repeating its last lines.
  io.stderr(exit === undefined ? 'Stopping the cluster…\n' : `${describeExit(exit, false)}\nStopping the rest of the cluster…\n`);
  await cluster.stop();
  io.stderr('Cluster stopped.\n');
  if (exit !== undefined) throw new RuntimeError('ERR_RT_CLUSTER_START', `${exit.name} (pid ${exit.pid ?? '?'}) ended unexpectedly; the cluster was stopped`);
}
