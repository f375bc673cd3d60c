// Shared helpers for every `pnpm bench <name>` module: argument parsing, stderr progress, medians and rate formatting.
/**
 * A bench module (`packages/<pkg>/bench/<subject>.bench.ts`) exports `main(argv)`, which `scripts/bench.ts`
 * imports and runs; `main` returns the result object, and the dispatcher prints it as the last stdout line.
 * Progress goes to stderr through {@link Progress}; a bench module never writes to stdout.
 *
 * @example
 * ```ts
 * // packages/runtime/bench/baselines-only.bench.ts
 * import { assertKnownCases, parseBenchArgs, runCase, wantsCase } from '../../../scripts/lib/bench-harness.js';
 * import { runNodeStreams, runPostMessageRecord } from './baselines/index.js';
 *
 * const BASELINES = { 'node-streams': runNodeStreams, 'postmessage-record': runPostMessageRecord };
 *
 * export async function main(argv: string[]): Promise<unknown> {
 *   const args = parseBenchArgs(argv);            // --seconds 5 --runs 1 --case NAME…
 *   assertKnownCases(args, Object.keys(BASELINES)); // a typo in --case fails fast
 *   const baselines = [];
 *   for (const [name, run] of Object.entries(BASELINES)) {
 *     if (!wantsCase(args, name)) continue;
 *     const result = await runCase(name, args.runs, () => run({ seconds: args.seconds }));
 *     baselines.push(result.median);                // { case: 'node-streams', recordsPerSec: … }
 *   }
 *   return { bench: 'baselines-only', baselines };
 * }
 * ```
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

// ─── Arguments ──────────────────────────────────────────────────────────────────────────────────────────────

/** Extra `parseArgs` options a bench module may accept besides the common ones. */
export type BenchOptions = NonNullable<ParseArgsConfig['options']>;

/** The common bench arguments, validated, plus any extra options' raw values. */
export interface BenchArgs {
  /** Length of each measured run, in seconds (`--seconds`, default 5). */
  readonly seconds: number;
  /** Runs per case; the reported figure is their median (`--runs`, default 1). */
  readonly runs: number;
  /** Case names from repeated `--case NAME`; empty means every case. */
  readonly cases: readonly string[];
  /** Raw values of every option, including the extra ones passed to {@link parseBenchArgs}. */
  readonly values: Readonly<Record<string, string | boolean | Array<string | boolean> | undefined>>;
}

/** Default `--seconds`: long enough that JIT warm-up and the start and stop edges are a small part of a run. */
export const DEFAULT_SECONDS = 5;
/** Default `--runs`: one run, so `pnpm bench x` stays quick; use `--runs 3` for figures you quote. */
export const DEFAULT_RUNS = 1;

/**
 * Parses a bench module's argv (everything after the bench name) with `node:util` `parseArgs`, strict mode.
 *
 * Common options: `--seconds N` (positive number, default {@link DEFAULT_SECONDS}), `--runs N` (positive
 * integer, default {@link DEFAULT_RUNS}) and `--case NAME` (repeatable; filters the cases to run).
 *
 * @param argv arguments after the bench name, e.g. `['--seconds', '2', '--case', 'typed-1x1']`
 * @param extraOptions further `parseArgs` options the bench accepts; their values land in `values`
 * @throws RangeError naming the flag when `--seconds` or `--runs` is not a valid number;
 *   `parseArgs`' own TypeError (code `ERR_PARSE_ARGS_*`) for unknown options or positionals
 */
export function parseBenchArgs(argv: readonly string[], extraOptions: BenchOptions = {}): BenchArgs {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    allowPositionals: false,
    options: {
      ...extraOptions,
      seconds: { type: 'string' },
      runs: { type: 'string' },
      case: { type: 'string', multiple: true },
    },
  });
  const seconds = parsePositive('--seconds', values.seconds, DEFAULT_SECONDS, false);
  const runs = parsePositive('--runs', values.runs, DEFAULT_RUNS, true);
  const cases = (values.case ?? []).filter((c): c is string => typeof c === 'string');
  return { seconds, runs, cases, values };
}

function parsePositive(flag: string, raw: unknown, fallback: number, isInteger: boolean): number {
  if (raw === undefined) return fallback;
  const text = String(raw).trim();
  const value = text === '' ? Number.NaN : Number(text);
  const isValid = Number.isFinite(value) && value > 0 && (!isInteger || Number.isInteger(value));
  if (!isValid) {
    const wanted = isInteger ? 'a positive integer' : 'a positive number of seconds';
    throw new RangeError(`${flag} must be ${wanted}, got '${text}'`);
  }
  return value;
}

/** True when `name` should run: no `--case` filter was given, or it names this case. */
export function wantsCase(args: BenchArgs, name: string): boolean {
  return args.cases.length === 0 || args.cases.includes(name);
}

/**
 * Throws when a `--case` filter names a case the bench does not have, so a typo fails instead of running nothing.
 *
 * @param knownNames every case (and baseline) name the bench can run
 * @throws RangeError naming `--case`, the unknown names and the known ones
 */
export function assertKnownCases(args: BenchArgs, knownNames: readonly string[]): void {
  const unknown = args.cases.filter((c) => !knownNames.includes(c));
  if (unknown.length > 0) {
    throw new RangeError(`--case: unknown case ${unknown.map((c) => `'${c}'`).join(', ')}; known: ${knownNames.join(', ')}`);
  }
}

// ─── Progress on stderr ─────────────────────────────────────────────────────────────────────────────────────

/** Where {@link Progress} writes: `process.stderr` or, in tests, anything with `write` and `isTTY`. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * A status line on stderr. On a TTY, {@link Progress.update} rewrites one carriage-return line in place;
 * otherwise (CI logs, `2> file`) every update is a plain line. Never writes to stdout, which belongs to the
 * final JSON result.
 */
export class Progress {
  private hasOpenLine = false;

  /** @param stream where to write; default `process.stderr` */
  constructor(private readonly stream: ProgressStream = process.stderr) {}

  /** Shows `text` as the current status, replacing the previous status on a TTY. */
  update(text: string): void {
    if (this.stream.isTTY === true) {
      this.stream.write(`\r\x1b[2K${text}`);
      this.hasOpenLine = true;
    } else {
      this.stream.write(`${text}\n`);
    }
  }

  /** Writes `text` as a line that stays, replacing the open status line on a TTY. */
  log(text: string): void {
    if (this.hasOpenLine) {
      this.stream.write(`\r\x1b[2K`);
      this.hasOpenLine = false;
    }
    this.stream.write(`${text}\n`);
  }
}

/** The shared stderr {@link Progress} that {@link runCase} uses by default. */
export const progress = new Progress();

// ─── Statistics and formatting ──────────────────────────────────────────────────────────────────────────────

/**
 * The median of `numbers` (the mean of the two middle values for an even count). Does not reorder the input.
 *
 * @throws RangeError when `numbers` is empty
 */
export function median(numbers: readonly number[]): number {
  if (numbers.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...numbers].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const PREFIXES = ['', 'k', 'M', 'G', 'T'] as const;

/**
 * Formats a per-second rate with a decimal (SI, 1000-based) prefix and three significant digits:
 * `formatRate(24_123_456)` is `'24.1 M/s'`, `formatRate(1.5e9, 'B')` is `'1.50 GB/s'`.
 *
 * @param perSecond the rate
 * @param unit appended after the prefix, e.g. `'B'` for bytes; default none (records)
 */
export function formatRate(perSecond: number, unit = ''): string {
  if (!Number.isFinite(perSecond)) return `${perSecond} ${unit}/s`;
  let scaled = perSecond;
  let p = 0;
  while (Math.abs(scaled) >= 999.5 && p < PREFIXES.length - 1) {
    scaled /= 1000;
    p += 1;
  }
  const abs = Math.abs(scaled);
  const digits = abs >= 99.95 ? 0 : abs >= 9.995 ? 1 : 2;
  return `${scaled.toFixed(digits)} ${PREFIXES[p]}${unit}/s`;
}

// ─── Running a case ─────────────────────────────────────────────────────────────────────────────────────────

/** What one run of a case measures: at least records/s; `bytesPerSec` when the case moves bytes. */
export interface Measurement {
  readonly recordsPerSec: number;
  readonly bytesPerSec?: number;
}

/** A case's runs and their median, as returned by {@link runCase}. */
export interface CaseResult<M extends Measurement> {
  readonly case: string;
  /** Each numeric field is the median of that field over the runs; other fields come from the first run. */
  readonly median: M;
  /** The individual runs, in order. */
  readonly runs: readonly M[];
}

/**
 * Runs one case `runs` times, one after another, reporting each run and the median on stderr.
 *
 * Medians are taken per numeric field, so for an even number of runs (or noisy fields) `median` may not equal
 * any single run; records/s and bytes/s of one case move together, so in practice they describe the same run.
 *
 * @param name the case name, shown in progress and returned as `case`
 * @param runs how many times to run it (≥ 1), usually `args.runs`
 * @param fn one run; receives the 0-based run index and resolves to its measurement
 * @param out where progress goes; default the shared stderr {@link progress}
 */
export async function runCase<M extends Measurement>(
  name: string,
  runs: number,
  fn: (runIndex: number) => Promise<M>,
  out: Progress = progress,
): Promise<CaseResult<M>> {
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`runCase(${name}): runs must be a positive integer, got ${runs}`);
  const results: M[] = [];
  for (let i = 0; i < runs; i += 1) {
    out.update(`${name}: run ${i + 1}/${runs} …`);
    const m = await fn(i);
    results.push(m);
    out.update(`${name}: run ${i + 1}/${runs}: ${describe(m)}`);
  }
  const medianResult = medianOf(results);
  out.log(`${name}: ${describe(medianResult)}${runs > 1 ? ` ${describeSpread(results)}` : ''}`);
  return { case: name, median: medianResult, runs: results };
}

function describe(m: Measurement): string {
  const bytes = m.bytesPerSec === undefined ? '' : `, bytes ${formatRate(m.bytesPerSec, 'B')}`;
  return `records ${formatRate(m.recordsPerSec)}${bytes}`;
}

function describeSpread(results: readonly Measurement[]): string {
  const rates = results.map((r) => r.recordsPerSec);
  return `(median of ${rates.length} runs; min ${formatRate(Math.min(...rates))}, max ${formatRate(Math.max(...rates))})`;
}

function medianOf<M extends Measurement>(results: readonly M[]): M {
  const first = results[0] as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { ...first };
  for (const [key, value] of Object.entries(first)) {
    if (typeof value === 'number') out[key] = median(results.map((r) => (r as unknown as Record<string, number>)[key]));
  }
  return out as unknown as M;
}
