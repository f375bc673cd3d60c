// Job graphs for the JobManager tests, built with the DataStream API so they have the shape real submissions have.
import { StreamExecutionEnvironment } from '../../src/api/environment.js';
import { jobGraphToJson, type JobGraphJson } from '../../src/graph/format-plan.js';
import type { JobSubmitRequest } from '../../src/rest/rest-types.js';

/** `Source (p) -> rebalance -> Map -> Sink (q)`: two vertices joined all to all. */
export function sourceToSink(p: number, q: number, jobName = 'source to sink'): JobGraphJson {
  const env = new StreamExecutionEnvironment();
  env.fromGenerator((i) => i).name('gen').setParallelism(p).rebalance().map((x) => x).name('map').setParallelism(q).discard().setParallelism(q);
  return jobGraphToJson(env.getJobGraph(jobName));
}

/** Source (p) -forward-> A (p, chaining off) -rescale-> B (q) -rebalance-> C (r). */
export function threeEdges(p: number, q: number, r: number): JobGraphJson {
  const env = new StreamExecutionEnvironment();
  env.disableOperatorChaining();
  env
    .fromGenerator((i) => i).name('gen').setParallelism(p)
    .forward().map((x) => x).name('A').setParallelism(p)
    .rescale().map((x) => x).name('B').setParallelism(q)
    .rebalance().map((x) => x).name('C').setParallelism(r)
    .discard().setParallelism(r);
  return jobGraphToJson(env.getJobGraph('three edges'));
}

/** Source (2) in group "default" -> Sink (3) in group "sinks". */
export function twoGroups(): JobGraphJson {
  const env = new StreamExecutionEnvironment();
  env.fromGenerator((i) => i).name('gen').setParallelism(2).rebalance().map((x) => x).name('map').setParallelism(3).slotSharingGroup('sinks').discard().setParallelism(3);
  return jobGraphToJson(env.getJobGraph('two groups'));
}

/** A submission of `graph` as `sluice run` sends it. */
export function submission(graph: JobGraphJson): JobSubmitRequest {
  return { jobName: graph.jobName, jobGraph: graph, code: 'export default 1;', programArgs: ['--n', '3'], contextConfig: { parallelism: 2 } };
}
