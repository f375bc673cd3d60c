// Test job: builds a different graph in a subtask thread than in the client, so the TaskManager cannot find its vertex.
import { isMainThread } from 'node:worker_threads';
import { StreamExecutionEnvironment } from '@sluice/runtime';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
let stream = env.fromGenerator((i: number) => i, { count: 1000 });
if (!isMainThread) stream = stream.map((i: number) => i + 1).name('Only in workers');
stream.map((i: number) => i * 2).discard();
await env.execute('divergent-job');
