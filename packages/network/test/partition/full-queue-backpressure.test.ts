import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { BufferSlice } from '../../src/partition/buffer-slice.js';
import { EVENT_END_OF_PARTITION, NetworkEnvironment, ResultSubpartitionView, TaskIoMetrics, eventTypeOf } from '../../src/index.js';
import { createTsWorker } from '../../src/threads/create-ts-worker.js';

describe('a producer blocked on a full subpartition queue (real thread)', () => {
  let env: NetworkEnvironment;
  afterEach(() => env.assertNoLeaks());

  it('counts as hard backpressure while it is blocked, not only afterwards, and goes on once the consumer reads', async () => {
    env = new NetworkEnvironment({ numSegments: 16, segmentSizeBytes: 256, maxBuffersPerChannel: 3, queueCapacity: 8 });
    const descriptor = env.createResultPartition(1);
    const metrics = TaskIoMetrics.create();
    const numEvents = 20; // more entries than the queue holds: the producer must block
    const worker = createTsWorker(new URL('../fixtures/full-queue-producer.ts', import.meta.url), {
      workerData: { sab: env.memory.sab, metricsSab: metrics.sab, descriptor, waitOptions: env.waitOptions, numEvents },
    });
    const done = once(worker, 'message');
    try {
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
      const deadline = performance.now() + 10_000;
      while (metrics.read().hardBackPressuredTimeMs === 0) { // the worker started and blocked
        if (performance.now() > deadline) throw new Error('the producer never blocked on its full queue (no hard backpressure within 10 s)');
        await sleep(5);
      }
      await sleep(300);
      expect(metrics.read().hardBackPressuredTimeMs).toBeGreaterThanOrEqual(290); // the wait in progress shows
      expect(metrics.snapshot().hardBackPressuredTimeMs).toBe(0); // and has not ended yet

      const view = new ResultSubpartitionView(env.memory, descriptor.queueIds[0], env.waitOptions);
      const slice = new BufferSlice();
      const payloads: number[] = [];
      for (let ended = false; !ended; ) {
        if (!view.poll(slice)) {
          await sleep(1);
          continue;
        }
        ended = eventTypeOf(slice.event!) === EVENT_END_OF_PARTITION;
        if (!ended) payloads.push(slice.event!.at(-1)!);
        view.release(slice);
      }
      expect(await done).toEqual(['done']);
      expect(payloads).toEqual(Array.from({ length: numEvents }, (_, i) => i));
      const hard = metrics.snapshot().hardBackPressuredTimeMs;
      expect(hard).toBeGreaterThanOrEqual(290);
      expect(metrics.read().hardBackPressuredTimeMs).toBe(hard); // no wait left running
    } finally {
      await worker.terminate();
      env.releasePartition(descriptor);
    }
  });
});
