// `pnpm experiment`: runs Flink's 2015 backpressure experiment on Sluice in modes local, credit and legacy, and writes charts, CSV and a report.
//
// Run:    npx -y pnpm@10.34.9 experiment [--mode local|credit|legacy]... [--quick] [--out DIR]
//         (all three modes by default, about 80 s each; --quick: about 20 s each, for tests)
// Output: out/experiment/<timestamp>/ holds <mode>.svg (the chart), <mode>-samples.csv (100 ms samples),
//         <mode>-windows.csv, <mode>-details.json (everything measured), report.md and result.json; a live
//         status line goes to stderr, and the last stdout line is the JSON summary
//         {"experiment":"backpressure","modes":[{"mode":"local","maxRecordsPerSec":…,"phases":[…],"reactionMs":[…]},…],"report":"…"}.
//         Exit code 0 when every mode ran, 1 when one failed (the others still run), 130 on Ctrl-C.
import { mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { formatRate, Progress, type ProgressStream } from '../../../../scripts/lib/bench-harness.js';
import type { RateSample } from './analysis.js';
import { renderChart } from './chart.js';
import {
  EXPERIMENT_MODES,
  FULL_TIMING,
  QUICK_TIMING,
  type ExperimentMode,
  type ExperimentSummary,
  type ExperimentTiming,
  type ModeDetails,
} from './experiment-types.js';
import { summarizeMode } from './mode-analysis.js';
import { runMode } from './mode-run.js';
import { renderReport, type ReportedMode } from './report.js';

/** The repository root, under which `out/experiment/` lies. */
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Options of {@link runExperiment}. */
export interface ExperimentOptions {
  /** Modes to run, in order; default all three ({@link EXPERIMENT_MODES}). */
  readonly modes?: readonly ExperimentMode[];
  /** The quick schedule ({@link QUICK_TIMING}) instead of the full one; default false. */
  readonly isQuick?: boolean;
  /** Changes to the schedule's timing, over the full or quick one. */
  readonly timing?: Partial<ExperimentTiming>;
  /** Where the files go; default `out/experiment/<timestamp>` under the repository root. */
  readonly outDir?: string;
  /** Where the live status line goes; default `process.stderr`; null: nowhere. */
  readonly progress?: ProgressStream | null;
  /** Aborting it stops the mode under way (its cluster is stopped) and skips the rest. */
  readonly signal?: AbortSignal;
}

/** What {@link runExperiment} produced. */
export interface ExperimentResult {
  /** The JSON summary (the CLI's last stdout line). */
  readonly summary: ExperimentSummary;
  /** Every mode with its details or its error. */
  readonly modes: readonly ReportedMode[];
  readonly outDir: string;
  /** Absolute paths of the files written. */
  readonly files: readonly string[];
  /** True when a mode failed (or was skipped after an abort). */
  readonly hasFailures: boolean;
}

/**
 * Runs the experiment in each mode, one cluster after another (a mode's failure is recorded and the next mode
 * runs), then writes per mode the chart (`<mode>.svg`), the 100 ms samples (`<mode>-samples.csv`), the
 * windows (`<mode>-windows.csv`) and everything measured (`<mode>-details.json`), and the report (`report.md`)
 * and summary (`result.json`) of all.
 */
export async function runExperiment(options: ExperimentOptions = {}): Promise<ExperimentResult> {
  const startedAt = new Date();
  const isQuick = options.isQuick ?? false;
  const timing: ExperimentTiming = { ...(isQuick ? QUICK_TIMING : FULL_TIMING), ...options.timing };
  const outDir = resolve(options.outDir ?? join(REPO_ROOT, 'out', 'experiment', startedAt.toISOString().replace(/[:.]/g, '-')));
  mkdirSync(outDir, { recursive: true });
  const status = new LiveStatus(options.progress === undefined ? process.stderr : options.progress);
  const files: string[] = [];
  const write = (name: string, text: string) => {
    const path = join(outDir, name);
    writeFileSync(path, text);
    files.push(path);
  };
  const reported: ReportedMode[] = [];
  for (const mode of options.modes ?? EXPERIMENT_MODES) {
    if (options.signal?.aborted) {
      reported.push({ mode, error: `not run: ${reasonText(options.signal.reason)}` });
      continue;
    }
    try {
      status.log(`[${mode}] starting a cluster (1 JobManager, 2 TaskManagers)`);
      const details = await runMode(mode, { timing, status: (text) => status.update(text), log: (text) => status.log(text), signal: options.signal });
      write(`${mode}.svg`, await renderChart(details));
      write(`${mode}-samples.csv`, samplesCsv(details, details.samples));
      write(`${mode}-windows.csv`, samplesCsv(details, details.windows));
      write(`${mode}-details.json`, JSON.stringify(details) + '\n');
      reported.push({ mode, details, chartFile: `${mode}.svg`, samplesFile: `${mode}-samples.csv` });
      status.log(`[${mode}] done: ${describeMode(details)}`);
    } catch (error) {
      const message = options.signal?.aborted ? `aborted: ${reasonText(options.signal.reason)}` : (error as Error).message ?? String(error);
      reported.push({ mode, error: message });
      status.log(`[${mode}] failed: ${message}`);
    }
  }
  write('report.md', renderReport({ startedAt, isQuick, timing, modes: reported }));
  const reportPath = join(outDir, 'report.md');
  const summary: ExperimentSummary = {
    experiment: 'backpressure',
    modes: reported.map((m) => (m.details !== undefined ? summarizeMode(m.details) : { mode: m.mode, error: m.error })),
    report: displayPath(reportPath),
  };
  write('result.json', JSON.stringify(summary, null, 2) + '\n');
  status.log(`report: ${displayPath(reportPath)}`);
  return { summary, modes: reported, outDir, files, hasFailures: reported.some((m) => m.details === undefined) };
}

/** One line per sample: time from the first phase, phase, both rates and percentages, backpressure, buffers in flight. */
export function samplesCsv(details: ModeDetails, samples: readonly RateSample[]): string {
  const header = 't_s,duration_s,phase,producer_records_per_s,consumer_records_per_s,producer_pct,consumer_pct,producer_backpressured_ms_per_s,in_flight_buffers';
  // A sample belongs to the phase its middle falls in (phases start a few ms after their nominal time).
  const phaseAt = (atMs: number) => (atMs < details.scheduleStartMs ? 'calibration' : [...details.phases].reverse().find((p) => p.startMs <= atMs)?.name ?? '');
  const pct = (perSec: number) => ((perSec / details.maxRecordsPerSec) * 100).toFixed(2);
  const rows = samples.map((s) =>
    [
      ((s.atMs - details.scheduleStartMs) / 1000).toFixed(3),
      (s.durationMs / 1000).toFixed(3),
      phaseAt(s.atMs + s.durationMs / 2),
      Math.round(s.producerPerSec),
      Math.round(s.consumerPerSec),
      pct(s.producerPerSec),
      pct(s.consumerPerSec),
      s.producerBackPressuredMsPerSec.toFixed(1),
      s.inFlightBuffers.toFixed(1),
    ].join(','),
  );
  return [header, ...rows].join('\n') + '\n';
}

function describeMode(details: ModeDetails): string {
  const phases = details.phases.map((p) => `${p.name} ${p.producerPct.toFixed(0)}/${p.consumerPct.toFixed(0)} %`).join(', ');
  const reactions = details.reactions.map((r) => (r.estimateMs === null ? 'never' : `${Math.round(r.estimateMs)}`)).join('/');
  return `max (records) ${formatRate(details.maxRecordsPerSec)}; ${phases}; reactions ${reactions} ms`;
}

function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

function reasonText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

/**
 * The live status line: on a terminal it is rewritten at every update (10 per second); elsewhere (CI logs,
 * tests) an update is printed at most once a second, so the log stays readable.
 */
class LiveStatus {
  readonly #progress: Progress | undefined;
  readonly #isTTY: boolean;
  #lastPrintedMs = 0;

  constructor(stream: ProgressStream | null) {
    this.#progress = stream === null ? undefined : new Progress(stream);
    this.#isTTY = stream?.isTTY === true;
  }

  update(text: string): void {
    const now = Date.now();
    if (!this.#isTTY && now - this.#lastPrintedMs < 1000) return;
    this.#lastPrintedMs = now;
    this.#progress?.update(text);
  }

  log(text: string): void {
    this.#progress?.log(text);
  }
}

// ─────────────────────────────────────────── command line ───────────────────────────────────────────

const USAGE = 'usage: pnpm experiment [--mode local|credit|legacy]... [--quick] [--out DIR]';

/** Parses the arguments, runs the experiment, prints the JSON summary as the last stdout line; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: { mode: { type: 'string', multiple: true }, quick: { type: 'boolean' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help === true) {
    process.stderr.write(`${USAGE}\n`);
    return 0;
  }
  const modes = values.mode ?? [...EXPERIMENT_MODES];
  const unknown = modes.filter((m) => !(EXPERIMENT_MODES as readonly string[]).includes(m));
  if (unknown.length > 0) {
    process.stderr.write(`--mode: unknown mode ${unknown.join(', ')}; known: ${EXPERIMENT_MODES.join(', ')}\n${USAGE}\n`);
    return 2;
  }
  const controller = new AbortController();
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // A terminal's Ctrl-C reaches tsx's wrapper too, which forwards it: a second signal within a second is that echo.
    if (controller.signal.aborted) {
      if (Date.now() - firstSignalAt > 1000) process.exit(130); // a real second Ctrl-C: the clusters' processes stop with us (IPC)
      return;
    }
    firstSignalAt = Date.now();
    process.stderr.write(`\n${signal}: stopping the cluster…\n`);
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await runExperiment({ modes: modes as ExperimentMode[], isQuick: values.quick === true, outDir: values.out, signal: controller.signal });
    process.stdout.write(`${JSON.stringify(result.summary)}\n`);
    return controller.signal.aborted ? 130 : result.hasFailures ? 1 : 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
