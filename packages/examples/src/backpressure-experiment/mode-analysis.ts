// Assembles one mode's results from its counter series: phase levels, reactions, backpressure, data in flight, RSS, cores.
import { meanAndMax, rateOver, reactionTime, sampleRates, type SampleKeys } from './analysis.js';
import {
  PHASES,
  type ExperimentMode,
  type ExperimentTiming,
  type ModeDetails,
  type ModeSummary,
  type NetworkSettings,
  type PhaseDetails,
  type ReactionDetails,
  type RssOverPhase,
} from './experiment-types.js';
import { RECORDS_COUNTER, type CounterPoint, type Placement } from './metrics-sampler.js';
import { coresBetween, type ProcessSample } from './process-sampler.js';

/**
 * The counters the experiment reads. The producer's backpressured time is Flink's `accumulatedBackpressuredTime`
 * where the TaskManager reports it, else the sum of the raw `softBackPressuredTimeMs` and `hardBackPressuredTimeMs`.
 */
export function sampleKeys(producer: readonly CounterPoint[], segmentSizeBytes: number): SampleKeys {
  const metrics = producer.at(-1)?.metrics ?? {};
  return {
    producerRecords: RECORDS_COUNTER.producer,
    consumerRecords: RECORDS_COUNTER.consumer,
    producerBackPressure: 'accumulatedBackpressuredTime' in metrics ? ['accumulatedBackpressuredTime'] : ['softBackPressuredTimeMs', 'hardBackPressuredTimeMs'],
    producerBytes: 'numBytesOut',
    consumerBytes: ['numBytesInLocal', 'numBytesInRemote'],
    segmentSizeBytes,
  };
}

/** When a phase's throttles were changed (epoch ms, when the first request was sent). */
export interface PhaseChange {
  readonly startMs: number;
  /** When the consumer's throttle was changed, if the phase changed it. */
  readonly consumerChangeMs: number | null;
}

/** Everything a mode run collected. */
export interface ModeRunData {
  readonly mode: ExperimentMode;
  readonly timing: ExperimentTiming;
  readonly network: NetworkSettings;
  readonly placement: Placement;
  readonly maxRecordsPerSec: number;
  readonly calibration: { startMs: number; endMs: number };
  readonly scheduleStartMs: number;
  readonly scheduleEndMs: number;
  /** One per phase of {@link PHASES}. */
  readonly changes: readonly PhaseChange[];
  readonly producer: readonly CounterPoint[];
  readonly consumer: readonly CounterPoint[];
  readonly processes: readonly ProcessSample[];
}

/** Measures every phase over its steady part, the reaction to each consumer throttle change, and the samples. */
export function buildModeDetails(data: ModeRunData): ModeDetails {
  const { timing, producer, consumer, maxRecordsPerSec: max } = data;
  const keys = sampleKeys(producer, data.network.segmentSizeBytes);
  const samples = sampleRates(producer, consumer, keys, data.calibration.startMs, data.scheduleEndMs, timing.sampleMs);
  const windows = sampleRates(producer, consumer, keys, data.scheduleStartMs, data.scheduleEndMs, timing.windowMs);
  const phases = PHASES.map((spec, i): PhaseDetails => {
    const startMs = data.changes[i].startMs;
    const endMs = data.changes[i + 1]?.startMs ?? data.scheduleEndMs;
    const steady = { startMs: Math.min(endMs, startMs + timing.settleMs), endMs };
    const producerPerSec = rateOver(producer, keys.producerRecords, steady);
    const consumerPerSec = rateOver(consumer, keys.consumerRecords, steady);
    const steadySamples = samples.filter((s) => s.atMs >= steady.startMs && s.atMs + s.durationMs <= steady.endMs);
    const inFlight = meanAndMax(steadySamples.map((s) => s.inFlightBuffers));
    const producerPcts = steadySamples.map((s) => (s.producerPerSec / max) * 100);
    return {
      name: spec.name,
      expectedPct: spec.expectedPct,
      producerPct: (producerPerSec / max) * 100,
      consumerPct: (consumerPerSec / max) * 100,
      startMs,
      endMs,
      steadyStartMs: steady.startMs,
      producerPerSec,
      consumerPerSec,
      producerPctP10: percentile(producerPcts, 0.1),
      producerPctP90: percentile(producerPcts, 0.9),
      producerBackPressuredMsPerSec: rateOver(producer, keys.producerBackPressure, steady),
      inFlightBuffersMean: inFlight.mean,
      inFlightBuffersMax: inFlight.max,
      rss: rssOver(data.processes, startMs, endMs),
      cores: coresOver(data.processes, steady.startMs, steady.endMs),
    };
  });
  const reactions: ReactionDetails[] = [];
  for (const [i, change] of data.changes.entries()) {
    if (change.consumerChangeMs === null || i === 0) continue;
    const reaction = reactionTime(producer, keys.producerRecords, change.consumerChangeMs, phases[i - 1].producerPerSec, phases[i].producerPerSec, phases[i].endMs);
    reactions.push({ phase: phases[i].name, ...reaction });
  }
  const lastConsumer = consumer.at(-1)?.metrics ?? {};
  const bytesIn = (lastConsumer.numBytesInLocal ?? 0) + (lastConsumer.numBytesInRemote ?? 0);
  return {
    mode: data.mode,
    maxRecordsPerSec: max,
    timing,
    placement: { ...data.placement, channel: data.placement.producerTm === data.placement.consumerTm ? 'local' : 'remote' },
    network: data.network,
    bytesPerRecord: bytesIn / Math.max(1, lastConsumer[keys.consumerRecords] ?? 0),
    calibration: data.calibration,
    calibrationCores: coresOver(data.processes, data.calibration.startMs, data.calibration.endMs),
    scheduleStartMs: data.scheduleStartMs,
    scheduleEndMs: data.scheduleEndMs,
    phases,
    reactions,
    samples,
    windows,
  };
}

/** First, last and largest RSS of each process sampled in `[startMs, endMs]`. */
function rssOver(samples: readonly ProcessSample[], startMs: number, endMs: number): Record<string, RssOverPhase> {
  const out: Record<string, RssOverPhase> = {};
  for (const sample of samples) {
    if (sample.atMs < startMs || sample.atMs > endMs) continue;
    for (const [name, kib] of Object.entries(sample.rssKiB)) {
      const entry = out[name];
      if (entry === undefined) out[name] = { firstKiB: kib, lastKiB: kib, maxKiB: kib };
      else {
        entry.lastKiB = kib;
        entry.maxKiB = Math.max(entry.maxKiB, kib);
      }
    }
  }
  return out;
}

/** The `q` quantile of `values` (nearest rank; 0 for none). */
function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Cores used by the experiment and by other programs between the first and last process sample in `[startMs, endMs]`. */
export function coresOver(samples: readonly ProcessSample[], startMs: number, endMs: number): { ours: number; others: number } | undefined {
  const inside = samples.filter((s) => s.atMs >= startMs && s.atMs <= endMs);
  return inside.length < 2 ? undefined : coresBetween(inside[0], inside.at(-1)!);
}

/** The JSON line's view of a mode: levels as % of the maximum to 0.1, reactions to the ms. */
export function summarizeMode(details: ModeDetails): ModeSummary {
  const round1 = (x: number) => Math.round(x * 10) / 10;
  return {
    mode: details.mode,
    maxRecordsPerSec: Math.round(details.maxRecordsPerSec),
    phases: details.phases.map((p) => ({ name: p.name, expectedPct: p.expectedPct, producerPct: round1(p.producerPct), consumerPct: round1(p.consumerPct) })),
    reactionMs: details.reactions.map((r) => (r.estimateMs === null ? null : Math.round(r.estimateMs))),
  };
}

/** Both rates over the last 500 ms both vertices have heartbeats for, for the live status line. */
export function liveRates(producer: readonly CounterPoint[], consumer: readonly CounterPoint[]): { producerPerSec: number; consumerPerSec: number } | undefined {
  if (producer.length < 2 || consumer.length < 2) return undefined;
  const endMs = Math.min(producer.at(-1)!.atMs, consumer.at(-1)!.atMs);
  const interval = { startMs: endMs - 500, endMs };
  return { producerPerSec: rateOver(producer, RECORDS_COUNTER.producer, interval), consumerPerSec: rateOver(consumer, RECORDS_COUNTER.consumer, interval) };
}
