// Test job: a map that throws on record 500, so the job must FAIL with this message and a stack from the worker.
import { StreamExecutionEnvironment } from '@sluice/runtime';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .fromGenerator((i: number) => i, { count: 100_000 })
  .map((i: number) => {
    if (i === 500) throw new Error(`boom at record ${i}`);
    return i;
  })
  .name('Exploding map')
  .discard();
await env.execute('failing-job');
