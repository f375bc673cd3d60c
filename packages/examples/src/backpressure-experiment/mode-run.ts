// Runs the experiment in one mode: its own local cluster, the job, calibration, the throttle schedule, then the analysis.
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeExit, RestClient, startLocalCluster, submitJobFile, summarizeLine, TERMINAL_JOB_STATES, type LocalCluster } from '@sluice/runtime/client';
import { formatRate } from '../../../../scripts/lib/bench-harness.js';
import { buildModeDetails, coresOver, liveRates, type PhaseChange } from './mode-analysis.js';
import { rateOver } from './analysis.js';
import { PHASES, type ExperimentMode, type ExperimentTiming, type ModeDetails, type NetworkSettings } from './experiment-types.js';
import { JobMetricsSampler, RECORDS_COUNTER, type Placement } from './metrics-sampler.js';
import { ProcessSampler } from './process-sampler.js';

/** The job every mode runs; the mode is its program argument. */
export const EXPERIMENT_JOB_FILE = fileURLToPath(new URL('./experiment-job.ts', import.meta.url));

/** Longest wait for the job to deploy and its records to flow through both subtasks. */
const START_TIMEOUT_MS = 60_000;
/** Longest wait for the job to end after the cancel. */
const CANCEL_TIMEOUT_MS = 15_000;
/** Cores other programs may use during calibration before it is repeated. */
const MAX_OTHER_CORES = 0.25;
/** Calibrations at most, the first included. */
const MAX_CALIBRATIONS = 3;
/** How often the live status line changes. */
const STATUS_INTERVAL_MS = 100;

/** What {@link runMode} reports to, and how it can be stopped. */
export interface ModeRunContext {
  readonly timing: ExperimentTiming;
  /** Shows the live status line (mode, phase, both rates). */
  readonly status: (text: string) => void;
  /** Writes a line that stays (cluster warnings, steps). */
  readonly log: (text: string) => void;
  /** Aborting it stops the run at the next step; the cluster is stopped all the same. */
  readonly signal?: AbortSignal;
}

/**
 * Starts a cluster of one JobManager and two one-slot TaskManager processes (heartbeats every 100 ms; legacy
 * flow control in mode `legacy`), submits the experiment job, checks where its subtasks run, calibrates the
 * maximum rate (again when other programs took the cores meanwhile), runs the phases of {@link PHASES} by changing the throttles through the REST API, and returns
 * what it measured. The job is cancelled and the cluster stopped whatever happens.
 *
 * @throws Error when the cluster or the job fails, the placement is not the mode's, or `signal` aborts
 */
export async function runMode(mode: ExperimentMode, context: ModeRunContext): Promise<ModeDetails> {
  const { timing, signal } = context;
  let isStopping = false;
  const cluster = await startLocalCluster({
    numTaskManagers: 2,
    slots: 1,
    logLevel: 'warn',
    overrides: { 'heartbeat.interval': 100, 'taskmanager.network.credit-model': mode !== 'legacy' },
    onOutput: (name, line) => {
      if (!isStopping) context.log(`[${name}] ${summarizeLine(line)}`); // warnings while stopping are the stop itself
    },
    signal,
  });
  const rest = new RestClient(cluster.restUrl);
  let jobId: string | undefined;
  let sampler: JobMetricsSampler | undefined;
  const tmPids = new Map(cluster.processes.filter((p) => p.role === 'taskmanager' && p.child.pid !== undefined).map((p) => [p.name, p.child.pid!]));
  const ourPids = [process.pid, ...cluster.processes.flatMap((p) => (p.child.pid === undefined ? [] : [p.child.pid]))];
  const processes = new ProcessSampler(tmPids, ourPids);
  try {
    const network = await readNetworkSettings(rest);
    jobId = await submitJob(rest, mode);
    // Polls get a short timeout: a poll is worth nothing 5 s late.
    const pollRest = new RestClient(cluster.restUrl, { timeoutMs: 5_000 });
    const run = new ScheduleRun(mode, context, cluster, rest, jobId, new JobMetricsSampler(pollRest, jobId, timing.pollMs), processes);
    sampler = run.sampler;
    sampler.start();
    processes.start();
    return await run.execute(network);
  } finally {
    isStopping = true;
    await sampler?.stop();
    await processes.stop();
    if (jobId !== undefined) await cancelJob(rest, jobId, context);
    await cluster.stop();
  }
}

/** One mode's schedule on a running job: waits for records, verifies placement, calibrates, changes throttles. */
class ScheduleRun {
  /** The rates set now, records/s. */
  readonly #throttles = { producer: Infinity, consumer: Infinity };
  #phaseText = 'starting';
  #max = 0;
  /** Set when a cluster process exits by itself. */
  #exit: string | undefined;

  constructor(
    readonly mode: ExperimentMode,
    readonly context: ModeRunContext,
    readonly cluster: LocalCluster,
    readonly rest: RestClient,
    readonly jobId: string,
    readonly sampler: JobMetricsSampler,
    readonly processes: ProcessSampler,
  ) {
    void cluster.unexpectedExit.then((exit) => (this.#exit = describeExit(exit)));
  }

  async execute(network: NetworkSettings): Promise<ModeDetails> {
    const { timing } = this.context;
    this.#phaseText = 'deploying';
    const placement = await this.#waitForRecords();
    this.context.log(`[${this.mode}] producer on ${placement.producerTm}, consumer on ${placement.consumerTm} (${this.mode === 'local' ? 'local' : 'remote'} channel)`);

    this.#phaseText = 'warm-up';
    await this.#pauseUntil(Date.now() + timing.warmupMs);
    const calibration = await this.#calibrate();
    this.context.log(`[${this.mode}] calibrated maximum (records): ${formatRate(this.#max)}`);

    const scheduleStartMs = Date.now();
    const changes: PhaseChange[] = [];
    for (const [i, phase] of PHASES.entries()) {
      await this.#pauseUntil(scheduleStartMs + i * timing.phaseMs);
      this.#phaseText = phase.name;
      changes.push(await this.#applyPhase(phase.producerPct, phase.consumerPct));
    }
    await this.#pauseUntil(scheduleStartMs + PHASES.length * timing.phaseMs);
    const scheduleEndMs = Date.now();
    this.#phaseText = 'finishing';
    await this.processes.sampleOnce();
    await this.#waitForHeartbeatsAfter(scheduleEndMs);
    return buildModeDetails({
      mode: this.mode, timing, network, placement, maxRecordsPerSec: this.#max, calibration, scheduleStartMs, scheduleEndMs, changes,
      producer: this.sampler.series('producer'), consumer: this.sampler.series('consumer'), processes: this.processes.samples,
    });
  }

  /**
   * Measures the producer's unthrottled rate over `calibrationMs`: the maximum. When other programs took more
   * than {@link MAX_OTHER_CORES} cores meanwhile (a shared machine), it measures again, up to
   * {@link MAX_CALIBRATIONS} times, and keeps the last.
   */
  async #calibrate(): Promise<{ startMs: number; endMs: number }> {
    const { timing } = this.context;
    for (let attempt = 1; ; attempt++) {
      this.#phaseText = attempt === 1 ? 'calibration' : `calibration ${attempt}`;
      await this.processes.sampleOnce();
      const calibration = { startMs: Date.now(), endMs: Date.now() + timing.calibrationMs };
      await this.#pauseUntil(calibration.endMs);
      await this.processes.sampleOnce();
      await this.#waitForHeartbeatsAfter(calibration.endMs);
      this.#max = rateOver(this.sampler.series('producer'), RECORDS_COUNTER.producer, calibration);
      if (!(this.#max > 0)) throw new Error(`[${this.mode}] calibration measured no records`);
      const others = coresOver(this.processes.samples, calibration.startMs - 50, Infinity)?.others;
      if (others === undefined || others <= MAX_OTHER_CORES || attempt === MAX_CALIBRATIONS) return calibration;
      this.context.log(`[${this.mode}] other programs used ${others.toFixed(2)} cores during calibration (records ${formatRate(this.#max)}): calibrating again`);
    }
  }

  /** Sets the phase's throttles (consumer first, so a released producer meets the new consumer rate). */
  async #applyPhase(producerPct: number | null, consumerPct: number | null): Promise<PhaseChange> {
    const startMs = Date.now();
    let consumerChangeMs: number | null = null;
    const consumer = consumerPct === null ? Infinity : (this.#max * consumerPct) / 100;
    const producer = producerPct === null ? Infinity : (this.#max * producerPct) / 100;
    if (consumer !== this.#throttles.consumer) {
      consumerChangeMs = Date.now();
      await this.#setThrottle('consumer', consumer);
    }
    if (producer !== this.#throttles.producer) await this.#setThrottle('producer', producer);
    return { startMs, consumerChangeMs };
  }

  async #setThrottle(name: 'producer' | 'consumer', recordsPerSecond: number): Promise<void> {
    const numTaskManagers = await this.rest.setThrottle(this.jobId, name, recordsPerSecond);
    if (numTaskManagers < 1) throw new Error(`[${this.mode}] throttle "${name}" reached no TaskManager`);
    this.#throttles[name] = recordsPerSecond;
  }

  /** Waits until both subtasks have moved records and the sampler knows who runs where; checks the placement. */
  async #waitForRecords(): Promise<Placement> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      this.#check();
      const [producer, consumer] = [this.sampler.latest('producer'), this.sampler.latest('consumer')];
      const placement = this.sampler.placement();
      const isFlowing = (producer?.[RECORDS_COUNTER.producer] ?? 0) > 0 && (consumer?.[RECORDS_COUNTER.consumer] ?? 0) > 0;
      if (isFlowing && placement !== undefined) {
        this.#verifyPlacement(placement, consumer!);
        return placement;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `[${this.mode}] after ${START_TIMEOUT_MS / 1000} s: job ${this.sampler.state ?? 'not seen'}, ` +
            `records ${isFlowing ? 'flowing' : 'not flowing'}, placement ${placement === undefined ? 'unknown' : 'known'}`,
        );
      }
      this.#showStatus();
      await sleep(STATUS_INTERVAL_MS, undefined, { signal: this.context.signal });
    }
  }

  /** Fails loudly unless `local` runs both subtasks on one TaskManager over a local channel, and the others on two over a remote one. */
  #verifyPlacement(placement: Placement, consumer: Readonly<Record<string, number>>): void {
    const used = this.sampler.taskManagers.filter((tm) => tm.freeSlots < tm.slotsNumber).map((tm) => tm.id);
    const localBytes = consumer.numBytesInLocal ?? 0;
    const remoteBytes = consumer.numBytesInRemote ?? 0;
    const isLocal = this.mode === 'local';
    const isRight = isLocal
      ? used.length === 1 && placement.producerTm === placement.consumerTm && localBytes > 0 && remoteBytes === 0
      : used.length === 2 && placement.producerTm !== placement.consumerTm && remoteBytes > 0 && localBytes === 0;
    if (!isRight) {
      throw new Error(
        `[${this.mode}] wrong placement: expected ${isLocal ? 'both subtasks on one TaskManager (local channel)' : 'producer and consumer on two TaskManagers (remote channel)'}, ` +
          `got slots used on [${used.join(', ')}], producer on ${placement.producerTm}, consumer on ${placement.consumerTm}, ` +
          `consumer read ${localBytes} bytes locally and ${remoteBytes} remotely`,
      );
    }
  }

  /** Waits until both vertices have a heartbeat dated after `atMs`, so rates up to it are measured, not extrapolated. */
  async #waitForHeartbeatsAfter(atMs: number): Promise<void> {
    const deadline = Date.now() + 2000;
    const isCovered = () => (['producer', 'consumer'] as const).every((role) => (this.sampler.series(role).at(-1)?.atMs ?? 0) >= atMs);
    while (!isCovered()) {
      this.#check();
      if (Date.now() > deadline) throw new Error(`[${this.mode}] no heartbeat with metrics for 2 s`);
      await sleep(20, undefined, { signal: this.context.signal });
    }
  }

  /** Sleeps until `untilMs`, showing the status and checking the cluster every {@link STATUS_INTERVAL_MS}. */
  async #pauseUntil(untilMs: number): Promise<void> {
    for (;;) {
      this.#check();
      this.#showStatus();
      const left = untilMs - Date.now();
      if (left <= 0) return;
      await sleep(Math.min(left, STATUS_INTERVAL_MS), undefined, { signal: this.context.signal });
    }
  }

  /** Throws when a process died, the job failed or polling broke. */
  #check(): void {
    this.context.signal?.throwIfAborted();
    if (this.#exit !== undefined) throw new Error(`[${this.mode}] cluster process died: ${this.#exit}`);
    if (this.sampler.failure !== undefined) throw new Error(`[${this.mode}] polling the JobManager failed: ${this.sampler.failure.message}`);
    const state = this.sampler.state;
    if (state !== undefined && TERMINAL_JOB_STATES.has(state)) throw new Error(`[${this.mode}] the job ended (${state}) before the experiment did`);
  }

  #showStatus(): void {
    const rates = liveRates(this.sampler.series('producer'), this.sampler.series('consumer'));
    const show = (perSec: number) => (this.#max > 0 ? `${((perSec / this.#max) * 100).toFixed(0).padStart(3)} %` : formatRate(perSec));
    const text = rates === undefined ? 'waiting for metrics' : `producer ${show(rates.producerPerSec)}   consumer ${show(rates.consumerPerSec)}`;
    this.context.status(`[${this.mode}] ${this.#phaseText.padEnd(17)} ${text}`);
  }
}

/** Bundles the job and submits it as `sluice run` does, with `--mode` as its program argument. */
function submitJob(rest: RestClient, mode: ExperimentMode): Promise<string> {
  return submitJobFile(rest, EXPERIMENT_JOB_FILE, { programArgs: ['--mode', mode], contextConfig: { parallelism: 1 } });
}

/** Cancels the job and waits for its end; problems are logged, not thrown (the cluster stops next anyway). */
async function cancelJob(rest: RestClient, jobId: string, context: ModeRunContext): Promise<void> {
  try {
    const job = await rest.job(jobId);
    if (TERMINAL_JOB_STATES.has(job.state)) return;
    await rest.cancel(jobId);
    await rest.waitForJobEnd(jobId, { pollMs: 100, signal: AbortSignal.timeout(CANCEL_TIMEOUT_MS) });
  } catch (error) {
    context.log(`cancelling job ${jobId} failed: ${(error as Error).message}`);
  }
}

/** The network settings of the cluster (`GET /config`), which bound the buffers in flight. */
async function readNetworkSettings(rest: RestClient): Promise<NetworkSettings> {
  const config = await rest.config();
  const number = (key: string): number => {
    const value = config[key];
    if (typeof value !== 'number') throw new Error(`GET /config has no number "${key}"`);
    return value;
  };
  return {
    segmentSizeBytes: number('taskmanager.memory.segment-size'),
    buffersPerChannel: number('taskmanager.network.memory.buffers-per-channel'),
    floatingBuffersPerGate: number('taskmanager.network.memory.floating-buffers-per-gate'),
    maxBuffersPerChannel: number('taskmanager.network.memory.max-buffers-per-channel'),
    isCreditModel: config['taskmanager.network.credit-model'] === true,
    taskManagerNodeFlags: typeof config['env.node.opts.taskmanager'] === 'string' ? config['env.node.opts.taskmanager'] : '',
  };
}
