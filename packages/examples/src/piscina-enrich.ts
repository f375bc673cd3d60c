// piscina-enrich: CPU-heavy enrichment offloaded to a pool of threads, with backpressure from a bounded queue.
//
// Shows: `mapBatchesInPool(exportName, …)` — records are batched and each batch runs the function this
// module exports (`enrich` below) on a piscina thread; at most `maxInFlight` batches are in the pool, so
// a slow pool backpressures the source instead of queueing without bound (Flink's async I/O pattern from
// the seeds). The function ships with the job code like everything else: it is looked up by name.
//
// Run:   npx -y pnpm@10.34.9 sluice run packages/examples/src/piscina-enrich.ts --output PATH [--records N] [--work 2000]
// Output: PATH holds one JSON line per record, `{"id":…,"user":"user-…","score":…}`, in input order per subtask.
import { ParameterTool, StreamExecutionEnvironment } from '@sluice/runtime';

interface Event {
  id: number;
  user: string;
}

interface EnrichedEvent extends Event {
  score: number;
}

const params = ParameterTool.fromArgs(process.argv.slice(2));
const WORK = params.getNumber('work', 2000);

/** The CPU-heavy part: a made-up score that costs `--work` rounds of arithmetic per record. Runs in the pool. */
export function enrich(batch: Event[]): EnrichedEvent[] {
  return batch.map((event) => {
    let h = event.id >>> 0;
    for (let round = 0; round < WORK; round++) h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
    return { ...event, score: h % 1000 };
  });
}

const output = params.get('output');
if (output === undefined) throw new Error('piscina-enrich needs --output PATH');

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromGenerator((i: number): Event => ({ id: i, user: `user-${i % 97}` }), { count: params.getNumber('records', 20_000) })
  .name('Events')
  .mapBatchesInPool<EnrichedEvent>('enrich', { batchSize: 128, maxThreads: 2, maxInFlight: 4 })
  .name('Enrich in pool')
  .writeAsText(output)
  .name('Write ' + output);

await env.execute('piscina-enrich');
