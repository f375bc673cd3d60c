// Real subtask threads over real shared memory: exactness, spanning records, backpressure and bounded memory.
import { describe, expect, it } from 'vitest';
import { BENCH_SHAPE, runLocalTopology } from '../../bench/local/run-local-topology.js';

const TYPED = { kind: 'typed', shape: BENCH_SHAPE } as const;
const MSGPACKR = { kind: 'msgpackr', structures: [['key', 'value', 'ts', 'payload']] } as const;

describe('local channels between subtask threads', () => {
  it('deliver 1 000 000 records 1→1 complete and in order, and end-of-partition ends the consumer', async () => {
    const result = await runLocalTopology({ numProducers: 1, numConsumers: 1, serializer: TYPED, mode: 'verify', numRecords: 1_000_000 });
    expect(result.errors).toEqual([]);
    expect(result.numConsumed).toBe(1_000_000);
    expect(result.perProducer).toEqual([[1_000_000]]);
  });

  it('deliver 1 000 000 records 2→2 all-to-all complete and in order per channel', async () => {
    const result = await runLocalTopology({ numProducers: 2, numConsumers: 2, serializer: TYPED, mode: 'verify', numRecords: 500_000 });
    expect(result.errors).toEqual([]);
    expect(result.numConsumed).toBe(1_000_000);
    // producer p sends record i to consumer i % 2: each consumer gets half of each producer's records
    expect(result.perProducer).toEqual([[250_000, 250_000], [250_000, 250_000]]);
  });

  it('carry records larger than a segment, and records that straddle segment boundaries, intact', async () => {
    // 40 000-char payloads span two or three 32 KiB segments; every record checks its own sequence downstream.
    const large = await runLocalTopology({ numProducers: 1, numConsumers: 2, serializer: MSGPACKR, mode: 'verify', numRecords: 2_000, payloadChars: 40_000 });
    expect(large.errors).toEqual([]);
    expect(large.numConsumed).toBe(2_000);
    // 24-byte records in 1 KiB segments: every segment ends inside a record.
    const straddling = await runLocalTopology({
      numProducers: 2, numConsumers: 1, serializer: TYPED, mode: 'verify', numRecords: 100_000,
      network: { segmentSizeBytes: 1000 },
    });
    expect(straddling.errors).toEqual([]);
    expect(straddling.numConsumed).toBe(200_000);
  });

  it('slow a producer to a throttled consumer, count its backpressured time, and keep every pool within its quota', async () => {
    const consumerRate = 400_000;
    const samples: Array<{ inUse: number; max: number; rss: number }> = [];
    const result = await runLocalTopology({
      numProducers: 1, numConsumers: 1, serializer: TYPED, mode: 'bench', seconds: 3, consumerRecordsPerSec: consumerRate,
      onSample: ({ pools }) => {
        for (const pool of pools) samples.push({ inUse: pool.numInUse, max: pool.maxSegments, rss: process.memoryUsage().rss });
      },
    });
    expect(result.errors).toEqual([]);
    // The producer could emit tens of millions per second; backpressure holds it to the consumer's pace.
    expect(result.numProduced).toBeLessThan(consumerRate * 3 * 1.3 + 20_000);
    const producer = result.producerMetrics[0];
    expect(producer.softBackPressuredTimeMs + producer.hardBackPressuredTimeMs).toBeGreaterThan(1000);
    expect(samples.length).toBeGreaterThan(10);
    for (const sample of samples) expect(sample.inUse).toBeLessThanOrEqual(sample.max);
    expect(Math.max(...samples.map((s) => s.inUse))).toBeGreaterThan(0);
    // Memory stays flat: in-flight data is bounded by the pool, not by the producer's speed.
    const firstRss = samples[Math.floor(samples.length / 4)].rss;
    const lastRss = samples[samples.length - 1].rss;
    expect(lastRss - firstRss).toBeLessThan(64 * 1024 * 1024);
  });
});
