// skew-demo: a hot key makes one keyed subtask busy and its upstream backpressured; pre-aggregating before keyBy removes it.
//
// Shows: the seeds' SkewDemo1. A source emits records at a fixed rate whose key is the same "hot" key 9 times out
// of 10; keyBy sends all of them to one subtask of a keyed count that costs CPU per record. That subtask is busy
// while its sibling idles, and the source is backpressured (HIGH). With local pre-aggregation (a process function
// before keyBy summing counts per key for every 1 000 records, Flink's "local keyBy"), the keyed count receives
// one partial count per key and batch instead: a tenth of the records, spread evenly, and the backpressure is gone.
//
// This file is both the job and its driver. With `--mode skewed|pre-aggregated` it is the job. Without `--mode` it
// is the driver: it uses `@sluice/runtime/client` to start its own local cluster (a JobManager and 2 TaskManagers ×
// 2 slots), submits this file in each mode, reads `GET /jobs/:id` and `GET /jobs/:id/vertices/:vid/backpressure`
// after a few seconds, prints both diagnoses, cancels the job and stops the cluster.
//
// Run:   npx -y pnpm@10.34.9 exec tsx packages/examples/src/skew-demo.ts [--rate 60000] [--cost-us 50] [--seconds 10]
//        or, on a running cluster: npx -y pnpm@10.34.9 sluice run -p 2 packages/examples/src/skew-demo.ts --mode skewed
//        (unbounded; watch it with `sluice top` or the web UI, cancel with `sluice cancel <job id>`)
// Output: per mode, the `sluice top` table, each subtask's busy / backpressured share, and a one-line diagnosis:
//        skewed: one "Count per key" subtask busy ~100 % (its sibling ~5 %), "Source" backpressured 100 % (HIGH);
//        pre-aggregated: a tenth of the records reach "Count per key" (101 per 1 000), no vertex backpressured.
//        (The first seconds show no backpressure yet: small records fill ~20 buffers per channel before the
//        source has to wait, and the rates are averaged over 5 s; hence the 10 s of measuring.)
// (The pre-aggregation drops the last partial batch of a cancelled job: fine for a diagnosis, not for a real count.)
import { ParameterTool, StreamExecutionEnvironment, type Collector } from '@sluice/runtime';

/** One record: a key and a count (1 at the source, a partial sum after pre-aggregation). */
interface KeyCount {
  key: number;
  count: number;
}

const HOT_KEY = 0;
const PRE_AGGREGATE_EVERY = 1_000;
const params = ParameterTool.fromArgs(process.argv.slice(2));
const mode = params.get('mode');

if (mode === undefined) await drive();
else await buildJob(mode);

/** The job: source → [pre-aggregate] → keyBy(key) → count per key (costly) → discard. Operators unchained, so each is a vertex. */
async function buildJob(jobMode: string): Promise<void> {
  if (jobMode !== 'skewed' && jobMode !== 'pre-aggregated') throw new Error(`skew-demo: --mode must be skewed or pre-aggregated, got ${jobMode}`);
  const costMicros = params.getNumber('cost-us', 50);
  const env = StreamExecutionEnvironment.getExecutionEnvironment();
  env.disableOperatorChaining();
  const shape = { key: 'int32', count: 'int32' } as const;
  let stream = env
    .fromGenerator((i: number): KeyCount => ({ key: i % 10 === 9 ? 1 + (Math.floor(i / 10) % 100) : HOT_KEY, count: 1 }), {
      ratePerSecond: params.getNumber('rate', 60_000),
      shape,
    })
    .name('Source');
  if (jobMode === 'pre-aggregated') {
    const partial = new Map<number, number>();
    let seen = 0;
    stream = stream
      .process({
        processElement(value: KeyCount, _ctx: unknown, out: Collector<KeyCount>) {
          partial.set(value.key, (partial.get(value.key) ?? 0) + value.count);
          if (++seen % PRE_AGGREGATE_EVERY !== 0) return;
          for (const [key, count] of partial) out.collect({ key, count });
          partial.clear();
        },
      })
      .returns(shape)
      .name('Pre-aggregate');
  }
  stream
    .keyBy((record: KeyCount) => record.key)
    .reduce((a: KeyCount, b: KeyCount): KeyCount => {
      const until = performance.now() + costMicros / 1000; // the costly per-record work
      while (performance.now() < until);
      return { key: a.key, count: a.count + b.count };
    })
    .name('Count per key')
    .discard();
  await env.execute(`skew-demo (${jobMode})`);
}

/** The driver: a local cluster, both modes one after the other, a diagnosis of each. */
async function drive(): Promise<void> {
  const { startLocalCluster, submitJobFile, RestClient, readJobSnapshot, formatTopTable, findBottleneck } = await import('@sluice/runtime/client');
  const { fileURLToPath } = await import('node:url');
  const seconds = params.getNumber('seconds', 10);
  const passOn = ['rate', 'cost-us'].flatMap((key) => (params.has(key) ? [`--${key}`, String(params.get(key))] : []));
  process.stdout.write('Starting a local cluster: 1 JobManager, 2 TaskManagers × 2 slots…\n');
  const cluster = await startLocalCluster({ numTaskManagers: 2, slots: 2, logLevel: 'warn' });
  const client = new RestClient(cluster.restUrl);
  process.stdout.write(`Web UI: ${cluster.restUrl}\n`);
  try {
    for (const jobMode of ['skewed', 'pre-aggregated']) {
      const programArgs = ['--mode', jobMode, ...passOn];
      const jobId = await submitJobFile(client, fileURLToPath(import.meta.url), { programArgs, contextConfig: { parallelism: 2 } });
      process.stdout.write(`\n=== ${jobMode}: job ${jobId}, measuring for ${seconds} s ===\n`);
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      const snapshot = await readJobSnapshot(client, jobId);
      process.stdout.write(formatTopTable(snapshot, Date.now()));
      snapshot.details.vertices.forEach((vertex, i) => {
        const subtasks = snapshot.backpressure[i].subtasks ?? [];
        const shares = subtasks.map((s) => `#${s.subtask} busy ${Math.round(s.busyRatio * 100)}% backpressured ${Math.round(s.ratio * 100)}%`);
        process.stdout.write(`  ${vertex.name.padEnd(22)} ${shares.join(' | ')}\n`);
      });
      const bottleneck = findBottleneck(snapshot);
      process.stdout.write(
        bottleneck === undefined
          ? `Diagnosis (${jobMode}): no backpressure; every keyed subtask keeps up.\n`
          : `Diagnosis (${jobMode}): ${bottleneck.vertex} is the bottleneck (a subtask busy ${Math.round(bottleneck.busyPercent)}%) and ${bottleneck.upstream} is backpressured (${bottleneck.upstreamLevel.toUpperCase()}): a hot key.\n`,
      );
      await client.cancel(jobId);
      await client.waitForJobEnd(jobId, { pollMs: 100 });
    }
  } finally {
    await cluster.stop();
  }
}
