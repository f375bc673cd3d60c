// experiment-job: the producer → consumer job of Flink's 2015 backpressure experiment, with both rates changeable while it runs.
//
// Shows: a generator source whose rate is a named control ('producer'), a throttle operator ('consumer') in its
// own subtask, and placement through slot sharing groups: `--mode local` puts both subtasks in one slot (one
// TaskManager, a local channel), `--mode credit` / `--mode legacy` put them in two groups, which the scheduler
// spreads over two TaskManagers (a remote channel). The job never ends by itself; the experiment driver changes
// the two rates through the REST API (`PATCH /jobs/:id/throttles`) and cancels it at the end.
//
// Run:   npx -y pnpm@10.34.9 experiment            (the driver: cluster, calibration, schedule, chart)
//        npx -y pnpm@10.34.9 sluice run packages/examples/src/backpressure-experiment/experiment-job.ts --mode credit
//        (on a running cluster with two TaskManagers; change rates with the REST API, cancel with `sluice cancel`)
// Output: none; watch the vertices' numRecordsOut / numRecordsIn in `GET /jobs/:id`.
import { ParameterTool, StreamExecutionEnvironment } from '@sluice/runtime';

/** The experiment's record: 20 bytes with the typed serializer (24 with the length prefix), as in `bench local`. */
export interface ExperimentRecord {
  key: number;
  value: number;
  ts: number;
}

const MODES = ['local', 'credit', 'legacy'];
const params = ParameterTool.fromArgs(process.argv.slice(2));
const mode = params.get('mode') ?? 'local';
if (!MODES.includes(mode)) throw new Error(`experiment-job: --mode must be one of ${MODES.join(', ')}, got ${mode}`);
// local: one slot (local channel); credit/legacy: two slot sharing groups, hence two slots on two TaskManagers.
const isLocal = mode === 'local';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.setParallelism(1);

env
  .fromGenerator((i: number): ExperimentRecord => ({ key: i & 1023, value: i * 0.5, ts: Date.now() }), {
    ratePerSecond: Infinity,
    rateControl: 'producer',
    shape: { key: 'int32', value: 'float64', ts: 'float64' },
  })
  .name('Producer')
  .slotSharingGroup(isLocal ? 'default' : 'producer')
  .throttle('consumer')
  .name('Consumer')
  .startNewChain() // its own subtask, with the discarding sink chained to it
  .slotSharingGroup(isLocal ? 'default' : 'consumer')
  .discard();

await env.execute(`backpressure-experiment (${mode})`);
