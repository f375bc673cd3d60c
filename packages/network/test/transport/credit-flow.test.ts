// Credit-based and legacy flow control between two TaskManagers' network stacks, over an in-memory connection.
import { afterEach, describe, expect, it } from 'vitest';
import { InputGate, NetworkEnvironment, ResultPartition, type BufferSlice, type NetworkOptions } from '../../src/index.js';
import { randomId } from '../../src/ids.js';
import { NetworkService, type BuiltInputGate } from '../../src/network-service.js';
import { InMemoryConnection } from '../utils/in-memory-connection.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/**
 * A producer TM and a consumer TM, one in-memory connection, `n` producer partitions of one subpartition
 * each (as `n` producer subtasks: one subtask's partition would backpressure all its subpartitions at
 * once), and one consumer gate per partition, all multiplexed on the one connection.
 */
async function setUp(options: NetworkOptions, numPartitions: number) {
  const producerTm = new NetworkService(new NetworkEnvironment({ numSegments: 64, segmentSizeBytes: 256, ...options }));
  const consumerTm = new NetworkService(new NetworkEnvironment({ numSegments: 64, segmentSizeBytes: 256, ...options }));
  const [clientEnd, serverEnd] = InMemoryConnection.pair();
  serverEnd.handler = producerTm.createServerHandler();
  const client = consumerTm.createClientHandler();
  clientEnd.handler = client;
  const built: BuiltInputGate[] = [];
  const gates: InputGate[] = [];
  const partitions: ResultPartition[] = [];
  const descriptors = [];
  for (let i = 0; i < numPartitions; i++) {
    const partitionId = randomId();
    const descriptor = producerTm.env.createResultPartition(1);
    producerTm.partitions.register(partitionId, descriptor);
    descriptors.push(descriptor);
    partitions.push(new ResultPartition(producerTm.env.memory, descriptor, producerTm.env.waitOptions));
    const gate = consumerTm.createInputGate([{ kind: 'remote', producer: { connection: clientEnd, client }, partitionId, subpartitionIndex: 0 }]);
    built.push(gate);
    gates.push(new InputGate(consumerTm.env.memory, gate.descriptor, consumerTm.env.waitOptions));
  }
  await tick();
  return { producerTm, consumerTm, clientEnd, serverEnd, partitions, descriptors, built, gates };
}

/** Writes ints like a subtask's mailbox would: only while the partition is available (never a hard wait). */
function writeInts(partition: ResultPartition, from: number, count: number): number {
  const sp = partition.subpartitions[0];
  for (let i = from; i < from + count; i++) {
    if (sp.limit - sp.pos < 4) {
      if (!partition.isAvailable() && !partition.pool.isAvailable()) return i - from;
      partition.requestNewBuffer(sp);
    }
    partition.memory.view.setInt32(sp.pos, i);
    sp.pos += 4;
  }
  return count;
}

function drain(gate: InputGate, env: NetworkEnvironment, out: number[], max = Infinity): number {
  let slices = 0;
  let slice: BufferSlice | null;
  while (slices < max && (slice = gate.pollNext()) !== null) {
    if (!slice.isEvent) for (let p = slice.offset; p < slice.offset + slice.length; p += 4) out.push(env.memory.view.getInt32(p));
    gate.release(slice);
    slices++;
  }
  return slices;
}

describe('credit-based flow control', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('moves buffers against credit, in order, and ends with end-of-partition and no leaked segment', async () => {
    const t = await setUp({}, 1);
    const received: number[] = [];
    let next = 0;
    while (next < 2000) {
      const n = Math.min(128, 2000 - next);
      writeInts(t.partitions[0], next, n);
      next += n;
      for (const p of t.partitions) p.flushAll();
      await tick();
      drain(t.gates[0], t.consumerTm.env, received);
    }
    for (const p of t.partitions) p.finish();
    for (let i = 0; i < 20 && !t.gates[0].isFinished; i++) {
      await tick();
      drain(t.gates[0], t.consumerTm.env, received);
    }
    expect(t.gates[0].isFinished).toBe(true);
    expect(received).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(t.clientEnd.closedWith).toBeNull();
    expect(t.serverEnd.closedWith).toBeNull();
    expect(t.clientEnd.sent).toContain('AddCredit');
    t.consumerTm.releaseInputGate(t.built[0]);
    t.producerTm.env.releasePartition(t.descriptors[0]);
    await t.producerTm.close();
    await t.consumerTm.close();
    t.producerTm.env.assertNoLeaks();
    t.consumerTm.env.assertNoLeaks();
  });

  it('never has more data buffers in flight on a channel than its credit, and a stalled channel holds only its exclusive buffers', async () => {
    const t = await setUp({}, 2);
    const gateA = t.built[0].remote!;
    const gateB = t.built[1].remote!;
    // Channel 0's consumer stalls (never reads); channel 1's consumer keeps reading.
    const received: number[] = [];
    for (let round = 0; round < 30; round++) {
      writeInts(t.partitions[0], round * 64, 64);
      writeInts(t.partitions[1], round * 64, 64);
      for (const p of t.partitions) p.flushAll();
      await tick();
      drain(t.gates[1], t.consumerTm.env, received);
      const stalled = gateA.channels[0];
      // In flight + queued at the stalled receiver never exceeds what it reserved: its 2 exclusive buffers.
      expect(stalled.numQueuedBuffers).toBeLessThanOrEqual(2);
      expect(stalled.numReservedFloating).toBe(0);
      expect(gateA.floatingPool.numInUse).toBe(0);
      // Bytes held per gate stay within (exclusive × channels + floating) × segment size.
      expect(gateB.numBuffersHeld).toBeLessThanOrEqual(2 + 8);
    }
    expect(received.length).toBeGreaterThan(30 * 64 - 200);
    expect(t.clientEnd.closedWith).toBeNull();
    for (const p of t.partitions) p.finish();
    await t.producerTm.close();
    await t.consumerTm.close();
  });

  it('gives floating buffers to the channel with backlog, not to its idle neighbour in the same gate', async () => {
    const producerTm = new NetworkService(new NetworkEnvironment({ numSegments: 64, segmentSizeBytes: 256 }));
    const consumerTm = new NetworkService(new NetworkEnvironment({ numSegments: 64, segmentSizeBytes: 256 }));
    const [clientEnd, serverEnd] = InMemoryConnection.pair();
    serverEnd.handler = producerTm.createServerHandler();
    const client = consumerTm.createClientHandler();
    clientEnd.handler = client;
    const ids = [randomId(), randomId()];
    const partitions = ids.map((id) => {
      const descriptor = producerTm.env.createResultPartition(1);
      producerTm.partitions.register(id, descriptor);
      return new ResultPartition(producerTm.env.memory, descriptor, producerTm.env.waitOptions);
    });
    const built = consumerTm.createInputGate(ids.map((partitionId) => ({ kind: 'remote' as const, producer: { connection: clientEnd, client }, partitionId, subpartitionIndex: 0 })));
    const gate = new InputGate(consumerTm.env.memory, built.descriptor, consumerTm.env.waitOptions);
    await tick();
    const [busy, idle] = built.remote!.channels;
    let maxFloating = 0;
    for (let round = 0; round < 20; round++) {
      writeInts(partitions[0], round * 256, 256); // 4 buffers a round: a backlog builds up on channel 0 only
      partitions[0].flushAll();
      await tick();
      drain(gate, consumerTm.env, [], 2); // a consumer slower than the producer: backlog stays
      maxFloating = Math.max(maxFloating, busy.numReservedFloating + busy.numQueuedBuffers - 2);
      expect(idle.numReservedFloating).toBe(0);
    }
    expect(busy.backlog).toBeGreaterThan(0);
    expect(maxFloating).toBeGreaterThan(0);
    expect(clientEnd.closedWith).toBeNull();
    for (const p of partitions) p.finish();
    await producerTm.close();
    await consumerTm.close();
  });

  it('treats a data buffer sent without credit as a fatal protocol violation (ERR_NET_NO_CREDIT)', async () => {
    const t = await setUp({}, 1);
    // Drive the consumer past its credit by hand: send three data buffers for a channel that granted two.
    const channel = t.built[0].remote!.channels[0];
    const { encodeBufferResponse, DATA_TYPE } = await import('../../src/protocol/index.js');
    for (let seq = 0; seq < 3; seq++) {
      t.serverEnd.sendFrame(encodeBufferResponse(channel.receiverId, seq, 5, DATA_TYPE.DATA_BUFFER, new Uint8Array(8), 0, 8));
    }
    await tick();
    expect(t.clientEnd.closedWith?.code).toBe('ERR_NET_NO_CREDIT');
    expect(t.gates[0].channels.length).toBe(1);
    await t.producerTm.close();
    await t.consumerTm.close();
  });
});

describe('legacy flow control', () => {
  it('pauses the whole connection when one channel has no free buffer: head-of-line blocking', async () => {
    const t = await setUp({ creditModel: false }, 2);
    const received: number[] = [];
    for (let round = 0; round < 40; round++) {
      writeInts(t.partitions[0], round * 64, 64);
      writeInts(t.partitions[1], round * 64, 64);
      for (const p of t.partitions) p.flushAll();
      await tick();
      drain(t.gates[1], t.consumerTm.env, received); // only channel 1 is read
    }
    expect(t.clientEnd.paused).toBe(true);
    const stalledCount = received.length;
    // Channel 1 starves although its consumer is idle: channel 0 blocks the socket.
    for (let i = 0; i < 5; i++) {
      writeInts(t.partitions[1], 100_000 + i * 64, 64);
      for (const p of t.partitions) p.flushAll();
      await tick();
      drain(t.gates[1], t.consumerTm.env, received);
    }
    expect(received.length).toBe(stalledCount);
    // Reading channel 0 frees its buffers; the connection resumes and channel 1 moves again.
    const other: number[] = [];
    for (let i = 0; i < 40; i++) {
      drain(t.gates[0], t.consumerTm.env, other);
      drain(t.gates[1], t.consumerTm.env, received);
      await tick();
    }
    expect(received.length).toBeGreaterThan(stalledCount);
    for (const p of t.partitions) p.finish();
    await t.producerTm.close();
    await t.consumerTm.close();
  });
});
