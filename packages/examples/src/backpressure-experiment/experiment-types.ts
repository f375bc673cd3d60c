// The backpressure experiment's vocabulary: modes, the phase schedule, timings and the shapes of its results (the JSON line).
import type { RateSample } from './analysis.js';

/** Where producer and consumer run and how buffers travel between them. */
export type ExperimentMode = 'local' | 'credit' | 'legacy';

/** Every mode, in the order a full run takes them. */
export const EXPERIMENT_MODES: readonly ExperimentMode[] = ['local', 'credit', 'legacy'];

/**
 * One phase of the schedule (the 2015 blog post's, §7.1 of the reference): the throttles set when it starts, as
 * a percentage of the calibrated maximum (`null` = unthrottled), and the level both tasks should settle at.
 */
export interface PhaseSpec {
  readonly name: string;
  readonly expectedPct: number;
  readonly producerPct: number | null;
  readonly consumerPct: number | null;
}

/**
 * The schedule: the producer held to 60 % with the consumer free; then the consumer throttled to 30 % and the
 * producer released, so only backpressure holds it back; consumer released; throttled again; released again.
 */
export const PHASES: readonly PhaseSpec[] = [
  { name: 'producer-60', expectedPct: 60, producerPct: 60, consumerPct: null },
  { name: 'consumer-30', expectedPct: 30, producerPct: null, consumerPct: 30 },
  { name: 'released', expectedPct: 100, producerPct: null, consumerPct: null },
  { name: 'consumer-30-again', expectedPct: 30, producerPct: null, consumerPct: 30 },
  { name: 'released-again', expectedPct: 100, producerPct: null, consumerPct: null },
];

/** How long each part of a mode's run takes. */
export interface ExperimentTiming {
  /** Unthrottled running before calibration starts (JIT warm-up). */
  readonly warmupMs: number;
  /** Unthrottled running whose producer rate is the calibrated maximum. */
  readonly calibrationMs: number;
  /** Length of each phase. */
  readonly phaseMs: number;
  /** Start of each phase left out of its level (the transition). */
  readonly settleMs: number;
  /** Aggregation window of the chart (the original counted records every 5 s). */
  readonly windowMs: number;
  /** Sample interval of the rates (CSV, reaction times): the heartbeat interval. */
  readonly sampleMs: number;
  /** Interval between two polls of the JobManager's REST API. */
  readonly pollMs: number;
}

/**
 * The full run: 10 s phases, 5 s windows, about 80 s per mode. The job's unthrottled rate still climbs by ~5 %
 * over its first 20–30 s (measured in a 45 s unthrottled run: 96 % → 103 % of the mean), so warm-up is 10 s.
 * Calibration lasts as long as a phase, so the maximum is as precise as the phase levels compared with it:
 * here 100 ms rates scatter by ±15 %, and a 3 s calibration missed the released phases' level by up to 7 %.
 */
export const FULL_TIMING: ExperimentTiming = { warmupMs: 10_000, calibrationMs: 10_000, phaseMs: 10_000, settleMs: 1000, windowMs: 5000, sampleMs: 100, pollMs: 25 };

/** `--quick`: 3 s phases and 1 s windows, about 20 s per mode, for tests. */
export const QUICK_TIMING: ExperimentTiming = { warmupMs: 1000, calibrationMs: 1500, phaseMs: 3000, settleMs: 1000, windowMs: 1000, sampleMs: 100, pollMs: 25 };

/** One phase as measured, in the JSON line. */
export interface PhaseResult {
  name: string;
  expectedPct: number;
  /** Producer's and consumer's rate over the phase after `settleMs`, as % of the calibrated maximum. */
  producerPct: number;
  consumerPct: number;
}

/** One mode in the JSON line; `error` instead of figures when the mode failed. */
export interface ModeSummary {
  mode: ExperimentMode;
  maxRecordsPerSec?: number;
  phases?: PhaseResult[];
  /** Per consumer throttle change: ms until the producer's rate is within 10 % of its new level (null: never). */
  reactionMs?: Array<number | null>;
  error?: string;
}

/** The last stdout line of `pnpm experiment`. */
export interface ExperimentSummary {
  experiment: 'backpressure';
  modes: ModeSummary[];
  /** The Markdown report. */
  report: string;
}

// ─── Details of one mode, for the report, the chart and the CSV ───────────────────────────────────────────

/** A reaction to one consumer throttle change. */
export interface ReactionDetails {
  /** The phase the change starts. */
  phase: string;
  /** ms, estimated inside the heartbeat interval of the switch (see `reactionTime`); null: never within 10 %. */
  estimateMs: number | null;
  /** ms to the first heartbeat from which the next 300 ms are within 10 %: an upper bound at heartbeat resolution. */
  upperBoundMs: number | null;
}

/** Resident set size of one TaskManager over one phase. */
export interface RssOverPhase {
  firstKiB: number;
  lastKiB: number;
  maxKiB: number;
}

/** One phase with everything measured in it; times are epoch ms. */
export interface PhaseDetails extends PhaseResult {
  /** When its first throttle change was sent, and when the next phase's was. */
  startMs: number;
  endMs: number;
  /** Where its level is measured: after `settleMs`. */
  steadyStartMs: number;
  producerPerSec: number;
  consumerPerSec: number;
  /** 10th and 90th percentile of the producer's 100 ms samples over the steady part, % of the maximum: how steady it ran. */
  producerPctP10: number;
  producerPctP90: number;
  /** The producer's soft + hard backpressured ms per second over the steady part. */
  producerBackPressuredMsPerSec: number;
  /** Buffers finished by the producer and not yet read by the consumer over the steady part (100 ms samples). */
  inFlightBuffersMean: number;
  inFlightBuffersMax: number;
  /** TaskManager name → its RSS in the phase. */
  rss: Record<string, RssOverPhase>;
  /** Cores the experiment's processes and all other programs used over the steady part (Linux only). */
  cores?: CoreUse;
}

/** Average cores in use over an interval. */
export interface CoreUse {
  /** By the JobManager, the TaskManagers and the driver. */
  ours: number;
  /** By every other program on the machine. */
  others: number;
}

/** The cluster's network settings that bound the buffers in flight (from `GET /config`). */
export interface NetworkSettings {
  segmentSizeBytes: number;
  buffersPerChannel: number;
  floatingBuffersPerGate: number;
  maxBuffersPerChannel: number;
  isCreditModel: boolean;
  /** `env.node.opts.taskmanager`: the TaskManagers' node flags, which set how often the main thread running the network stops for GC. */
  taskManagerNodeFlags: string;
}

/** Everything one mode measured. */
export interface ModeDetails {
  mode: ExperimentMode;
  maxRecordsPerSec: number;
  timing: ExperimentTiming;
  /** TaskManager of each vertex and the kind of channel between them, as verified. */
  placement: { producerTm: string; consumerTm: string; channel: 'local' | 'remote' };
  network: NetworkSettings;
  /** Serialized bytes per record on the edge, length prefix included (measured). */
  bytesPerRecord: number;
  calibration: { startMs: number; endMs: number };
  /** Cores in use during calibration (Linux only). */
  calibrationCores?: CoreUse;
  scheduleStartMs: number;
  scheduleEndMs: number;
  phases: PhaseDetails[];
  reactions: ReactionDetails[];
  /** 100 ms samples from the start of calibration to the end. */
  samples: RateSample[];
  /** `timing.windowMs` windows from the start of the schedule, as the original chart. */
  windows: RateSample[];
}
