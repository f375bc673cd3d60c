// Real TaskManager processes on loopback: exactness in both flow-control modes, credit invariants, head-of-line blocking.
import { describe, expect, it } from 'vitest';
import { BENCH_SHAPE } from '../../bench/local/run-local-topology.js';
import { runRemoteTopology, type BenchTaskManager } from '../../bench/remote/run-remote-topology.js';

const TYPED = { kind: 'typed', shape: BENCH_SHAPE } as const;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('remote channels between TaskManager processes', () => {
  for (const creditModel of [true, false]) {
    it(`deliver 1 000 000 records 2→2 across two TMs complete and in order per channel (${creditModel ? 'credit' : 'legacy'})`, async () => {
      const result = await runRemoteTopology({
        producersPerTm: [1, 1], consumersPerTm: [1, 1], serializer: TYPED, creditModel, mode: 'verify', numRecords: 500_000,
      });
      expect(result.errors).toEqual([]);
      expect(result.numConsumed).toBe(1_000_000);
      expect(result.perProducer).toEqual([[250_000, 250_000], [250_000, 250_000]]);
      expect(result.leakedSegments).toBe(0);
    });
  }

  it('keep every gate within (exclusive × channels + floating) buffers, and a stalled channel within its exclusive buffers', async () => {
    const samples: Array<{ held: number; max: number; channels: Array<{ reserved: number; floating: number; queued: number }> }> = [];
    const result = await runRemoteTopology({
      producersPerTm: [2, 0], consumersPerTm: [0, 2], pairing: 'one-to-one', serializer: TYPED, creditModel: true, mode: 'bench',
      stalledConsumers: [0], // stalled from the start: a consumer that never moved gets no floating buffer
      during: async (tms: BenchTaskManager[]) => {
        const consumerTm = tms[1];
        for (let i = 0; i < 15; i++) {
          await sleep(100);
          const sample = await consumerTm.sample();
          for (const pool of sample.pools) samples.push({ held: pool.buffersHeld, max: pool.maxBuffers, channels: pool.channels });
        }
        consumerTm.send({ type: 'stall', consumer: 0, stalled: false });
      },
    });
    expect(result.errors).toEqual([]);
    expect(samples.length).toBe(30);
    for (const sample of samples) expect(sample.held).toBeLessThanOrEqual(sample.max);
    // consumer 0 stalls: after its buffers filled, it holds only its 2 exclusive buffers and no floating one
    const stalled = samples.filter((_, i) => i % 2 === 0);
    for (const sample of stalled) {
      expect(sample.channels[0].queued).toBeLessThanOrEqual(2);
      expect(sample.channels[0].floating).toBe(0);
    }
  });
});

describe('a producer TaskManager that dies mid-stream', () => {
  it('fails the consumer channels with ERR_NET_PEER_LOST while the consumer TM process goes on', async () => {
    const { BenchTaskManager } = await import('../../bench/remote/run-remote-topology.js');
    const { idToHex, randomId } = await import('@sluice/network');
    const [producerTm, consumerTm] = await Promise.all([BenchTaskManager.start('tm-producer', {}), BenchTaskManager.start('tm-consumer', {})]);
    try {
      const partitionId = idToHex(randomId());
      const common = { type: 'deploy', serializer: TYPED, mode: 'bench', numRecords: 0, numConsumers: 1, numProducers: 1, payloadChars: 0 } as const;
      producerTm.send({ ...common, producers: [{ index: 0, partitionId, numSubpartitions: 1 }], consumers: [] });
      await producerTm.next('deployed');
      consumerTm.send({ ...common, producers: [], consumers: [{ index: 0, channels: [{ producerUrl: producerTm.url, partitionId, subpartitionIndex: 0 }] }] });
      await consumerTm.next('deployed');
      producerTm.send({ type: 'start' });
      consumerTm.send({ type: 'start' });
      await sleep(500);
      producerTm.kill();
      const consumed = await consumerTm.next('consumed', 30_000);
      expect(consumed.numRecords).toBeGreaterThan(0);
      expect(consumed.errors.join()).toMatch(/ERR_NET_PEER_LOST/);
      // the consumer's TaskManager process is still alive and answers
      const sample = await consumerTm.sample();
      expect(sample.consumers[0].numRecordsIn).toBe(consumed.numRecords);
      expect(await consumerTm.shutdown()).toBe(0);
    } finally {
      producerTm.kill();
      consumerTm.kill();
    }
  });
});
