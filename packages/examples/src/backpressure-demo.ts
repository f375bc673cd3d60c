// backpressure-demo: a fast source, a slow middle operator, a sink — watch backpressure travel upstream.
//
// Shows: chaining disabled (every operator its own subtask, so the slow one stands out), a source that
// could emit millions of records per second held to the slow operator's pace by backpressure alone (no
// record dropped, memory flat), and — with monitoring — the slow vertex busy and its upstream
// backpressured (HIGH). The seeds' BackpressureDemo.
//
// Run:   npx -y pnpm@10.34.9 sluice run packages/examples/src/backpressure-demo.ts [--records N] [--slow-us 50]
//        (unbounded without --records; cancel with `sluice cancel <job id>`)
// Output: prints a count of records every 100 000 at the sink.
import { ParameterTool, StreamExecutionEnvironment } from '@sluice/runtime';

const params = ParameterTool.fromArgs(process.argv.slice(2));
const slowMicros = params.getNumber('slow-us', 50);
const records = params.getNumber('records', Infinity);

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.disableOperatorChaining();

env
  .fromGenerator((i: number) => ({ key: i % 1024, value: i * 0.5, ts: Date.now() }), { count: records, shape: { key: 'int32', value: 'float64', ts: 'float64' } })
  .name('Fast source')
  .map((record: { key: number; value: number; ts: number }) => {
    // A slow operator: burns `slowMicros` of CPU per record.
    const until = performance.now() + slowMicros / 1000;
    while (performance.now() < until);
    return record;
  })
  .returns({ key: 'int32', value: 'float64', ts: 'float64' })
  .name('Slow map')
  .addSink({
    count: 0,
    invoke(this: { count: number }) {
      if (++this.count % 100_000 === 0) process.stdout.write(`${this.count} records\n`);
    },
  } as never)
  .name('Counting sink');

await env.execute('backpressure-demo');
