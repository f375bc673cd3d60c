// `pnpm bench hol`: head-of-line blocking — a healthy channel's records/s while its neighbour on the same connection stalls.
import { parseBenchArgs, progress, runCase } from '../../../scripts/lib/bench-harness.js';
import { BENCH_SHAPE } from './local/run-local-topology.js';
import { runRemoteTopology, type BenchTaskManager } from './remote/run-remote-topology.js';

const STALLED = 0;
const HEALTHY = 1;

/** Records/s of consumer `index` over `seconds`, from two samples of its live counter. */
async function measureRate(tm: BenchTaskManager, index: number, seconds: number): Promise<number> {
  const first = await tm.sample();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const second = await tm.sample();
  const count = (s: typeof first) => s.consumers.find((c) => c.index === index)!.numRecordsIn;
  return (count(second) - count(first)) / ((second.atMs - first.atMs) / 1000);
}

/**
 * Two producer subtasks in one TaskManager process feed two consumer subtasks in another, one channel
 * each, multiplexed on the TMs' one connection. The healthy consumer's rate is measured while nothing
 * stalls, then while its neighbour stalls completely (reads nothing and holds its buffers). Credit-based
 * flow control keeps the healthy channel flowing; legacy flow control pauses the shared socket.
 */
export async function main(argv: string[]): Promise<unknown> {
  const args = parseBenchArgs(argv);
  const seconds = Math.max(0.5, args.seconds / 2);
  const results = [];
  for (const mode of ['credit', 'legacy'] as const) {
    const result = await runCase(`hol ${mode}`, args.runs, async () => {
      let unstalled = 0;
      let healthy = 0;
      const run = await runRemoteTopology({
        producersPerTm: [2, 0], consumersPerTm: [0, 2], pairing: 'one-to-one', serializer: { kind: 'typed', shape: BENCH_SHAPE },
        creditModel: mode === 'credit', mode: 'bench',
        during: async (tms) => {
          const consumerTm = tms[1];
          await new Promise((resolve) => setTimeout(resolve, 300)); // warm up
          unstalled = await measureRate(consumerTm, HEALTHY, seconds);
          consumerTm.send({ type: 'stall', consumer: STALLED, stalled: true });
          await new Promise((resolve) => setTimeout(resolve, 300)); // let the stalled channel fill its buffers
          healthy = await measureRate(consumerTm, HEALTHY, seconds);
          consumerTm.send({ type: 'stall', consumer: STALLED, stalled: false });
          progress.update(`hol ${mode}: unstalled ${(unstalled / 1e6).toFixed(2)} M/s, neighbour stalled ${(healthy / 1e6).toFixed(2)} M/s`);
        },
      });
      if (run.errors.length > 0) throw new Error(`hol ${mode}: ${run.errors.join('; ')}`);
      return { recordsPerSec: healthy, healthyRecordsPerSec: healthy, unstalledRecordsPerSec: unstalled, ratio: unstalled > 0 ? healthy / unstalled : 0 };
    });
    const { healthyRecordsPerSec, unstalledRecordsPerSec, ratio } = result.median;
    results.push({ mode, healthyRecordsPerSec: Math.round(healthyRecordsPerSec), unstalledRecordsPerSec: Math.round(unstalledRecordsPerSec), ratio: Math.round(ratio * 1000) / 1000 });
  }
  return { bench: 'hol', results };
}
