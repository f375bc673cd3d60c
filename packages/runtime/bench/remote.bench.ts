// `pnpm bench remote`: records/s between TaskManager processes over real WebSockets, credit and legacy, beside raw ws.
import { assertKnownCases, parseBenchArgs, runCase, wantsCase } from '../../../scripts/lib/bench-harness.js';
import { BENCH_SHAPE } from './local/run-local-topology.js';
import { runRemoteTopology } from './remote/run-remote-topology.js';
import { runWsRaw } from './remote/ws-raw.js';

const TYPED = { kind: 'typed', shape: BENCH_SHAPE } as const;
const MSGPACKR = { kind: 'msgpackr', structures: [['key', 'value', 'ts']] } as const;

/** Each case: producers and consumers per TaskManager process, serializer, flow-control mode. */
const CASES = [
  { name: 'typed-1x1', mode: 'credit', producersPerTm: [1, 0], consumersPerTm: [0, 1], serializer: TYPED },
  { name: 'typed-1x1', mode: 'legacy', producersPerTm: [1, 0], consumersPerTm: [0, 1], serializer: TYPED },
  { name: 'msgpackr-1x1', mode: 'credit', producersPerTm: [1, 0], consumersPerTm: [0, 1], serializer: MSGPACKR },
  { name: 'msgpackr-1x1', mode: 'legacy', producersPerTm: [1, 0], consumersPerTm: [0, 1], serializer: MSGPACKR },
  { name: 'typed-2x2', mode: 'credit', producersPerTm: [1, 1], consumersPerTm: [1, 1], serializer: TYPED },
] as const;

/**
 * Runs every case (or those named by --case; a case name may carry its mode, `typed-1x1:legacy`) and the
 * ws-raw baseline, each for --seconds, --runs times. Producer and consumer subtasks run in different
 * TaskManager processes (typed-2x2: two TMs, each with a producer and a consumer, all-to-all).
 */
export async function main(argv: string[]): Promise<unknown> {
  const args = parseBenchArgs(argv);
  const names = [...new Set(CASES.flatMap((c) => [c.name, `${c.name}:${c.mode}`])), 'ws-raw'];
  assertKnownCases(args, names);
  const results = [];
  for (const spec of CASES) {
    if (!wantsCase(args, spec.name) && !wantsCase(args, `${spec.name}:${spec.mode}`)) continue;
    const result = await runCase(`${spec.name} ${spec.mode}`, args.runs, async () => {
      const run = await runRemoteTopology({
        producersPerTm: [...spec.producersPerTm], consumersPerTm: [...spec.consumersPerTm], serializer: spec.serializer,
        creditModel: spec.mode === 'credit', mode: 'bench', seconds: args.seconds,
      });
      if (run.errors.length > 0) throw new Error(`${spec.name} ${spec.mode}: ${run.errors.join('; ')}`);
      return { recordsPerSec: Math.round(run.recordsPerSec), bytesPerSec: Math.round(run.bytesPerSec) };
    });
    results.push({ case: spec.name, mode: spec.mode, ...result.median });
  }
  const baselines = [];
  if (wantsCase(args, 'ws-raw')) {
    const result = await runCase('ws-raw', args.runs, () => runWsRaw({ seconds: args.seconds }));
    baselines.push({ case: 'ws-raw', bytesPerSec: Math.round(result.median.bytesPerSec ?? 0), recordsPerSec: Math.round(result.median.recordsPerSec) });
  }
  return { bench: 'remote', results, baselines };
}
