// `pnpm bench local`: records/s through real local channels between subtask threads, beside the Node baselines.
import { assertKnownCases, parseBenchArgs, runCase, wantsCase } from '../../../scripts/lib/bench-harness.js';
import { runNodeStreams, runPostMessageRecord } from './baselines/index.js';
import { BENCH_SHAPE, runLocalTopology } from './local/run-local-topology.js';

const CASES = {
  'typed-1x1': { numProducers: 1, numConsumers: 1, serializer: { kind: 'typed', shape: BENCH_SHAPE } },
  'msgpackr-1x1': { numProducers: 1, numConsumers: 1, serializer: { kind: 'msgpackr', structures: [['key', 'value', 'ts']] } },
  'typed-2x2': { numProducers: 2, numConsumers: 2, serializer: { kind: 'typed', shape: BENCH_SHAPE } },
} as const;

const BASELINES: Record<string, (options: { seconds: number }) => Promise<{ recordsPerSec: number }>> = {
  'node-streams': runNodeStreams,
  'postmessage-record': runPostMessageRecord,
};

/** Runs every case (or those named by --case) and the baselines, each for --seconds, --runs times. */
export async function main(argv: string[]): Promise<unknown> {
  const args = parseBenchArgs(argv);
  assertKnownCases(args, [...Object.keys(CASES), ...Object.keys(BASELINES)]);
  const results = [];
  for (const [name, spec] of Object.entries(CASES)) {
    if (!wantsCase(args, name)) continue;
    const result = await runCase(name, args.runs, async () => {
      const run = await runLocalTopology({ ...spec, mode: 'bench', seconds: args.seconds });
      if (run.errors.length > 0) throw new Error(`${name}: ${run.errors.join('; ')}`);
      return { recordsPerSec: Math.round(run.recordsPerSec), bytesPerSec: Math.round(run.bytesPerSec) };
    });
    results.push({ case: name, ...result.median });
  }
  const baselines = [];
  for (const [name, run] of Object.entries(BASELINES)) {
    if (!wantsCase(args, name)) continue;
    const result = await runCase(name, args.runs, () => run({ seconds: args.seconds }));
    baselines.push({ case: name, recordsPerSec: Math.round(result.median.recordsPerSec) });
  }
  return { bench: 'local', results, baselines };
}
