import { afterEach, describe, expect, it } from 'vitest';
import { encodeEvent, InputGate, NetworkEnvironment, ResultPartition, ResultSubpartitionView, TaskIoMetrics, type BufferSlice } from '../../src/index.js';

function readInts(env: NetworkEnvironment, slice: BufferSlice): number[] {
  const out: number[] = [];
  for (let p = slice.offset; p < slice.offset + slice.length; p += 4) out.push(env.memory.view.getInt32(p));
  return out;
}

function writeInt(partition: ResultPartition, index: number, value: number): void {
  const sp = partition.subpartitions[index];
  if (sp.limit - sp.pos < 4) partition.requestNewBuffer(sp);
  partition.memory.view.setInt32(sp.pos, value);
  sp.pos += 4;
}

describe('ResultPartition and InputGate in one thread', () => {
  let env: NetworkEnvironment;
  afterEach(() => env.assertNoLeaks());

  it('makes flushed bytes visible in place and recycles a buffer after its last slice', () => {
    env = new NetworkEnvironment({ numSegments: 32, segmentSizeBytes: 256 });
    const gateSignal = env.allocateSignal();
    const desc = env.createResultPartition(1, [gateSignal]);
    const partition = new ResultPartition(env.memory, desc, env.waitOptions);
    const gate = new InputGate(env.memory, { signal: gateSignal, channels: [{ kind: 'local', queueId: desc.queueIds[0] }] }, env.waitOptions);

    writeInt(partition, 0, 1);
    writeInt(partition, 0, 2);
    expect(gate.pollNext()).toBeNull(); // nothing flushed yet
    partition.flushAll();
    let slice = gate.pollNext()!;
    expect(readInts(env, slice)).toEqual([1, 2]);
    expect(slice.isLast).toBe(false);
    gate.release(slice);
    writeInt(partition, 0, 3);
    partition.flushAll();
    slice = gate.pollNext()!;
    expect(readInts(env, slice)).toEqual([3]); // same segment, the next slice
    gate.release(slice);
    const inUseBefore = partition.pool.numInUse;
    expect(inUseBefore).toBe(1);
    partition.finish();
    slice = gate.pollNext()!;
    expect(slice).toBeNull();
    expect(gate.isFinished).toBe(true);
    expect(partition.pool.numInUse).toBe(0);
    env.releasePartition(desc);
  });

  it('fills buffers to the end, keeps order across buffers and counts backlog', () => {
    env = new NetworkEnvironment({ numSegments: 64, segmentSizeBytes: 256 });
    const gateSignal = env.allocateSignal();
    const desc = env.createResultPartition(1, [gateSignal]);
    const partition = new ResultPartition(env.memory, desc, env.waitOptions);
    const gate = new InputGate(env.memory, { signal: gateSignal, channels: [{ kind: 'local', queueId: desc.queueIds[0] }] }, env.waitOptions);
    for (let i = 0; i < 64 * 3; i++) writeInt(partition, 0, i); // 3 full buffers of 64 ints
    partition.flushAll();
    expect(partition.subpartitions[0].backlog).toBe(2);
    const got: number[] = [];
    let slice: BufferSlice | null;
    while ((slice = gate.pollNext()) !== null) {
      got.push(...readInts(env, slice));
      gate.release(slice);
    }
    expect(got).toEqual(Array.from({ length: 192 }, (_, i) => i));
    partition.finish();
    expect(gate.pollNext()).toBeNull();
    expect(gate.isFinished).toBe(true);
    env.releasePartition(desc);
  });

  it('becomes unavailable when a subpartition reaches max-buffers-per-channel', () => {
    env = new NetworkEnvironment({ numSegments: 64, segmentSizeBytes: 256, maxBuffersPerChannel: 3 });
    const desc = env.createResultPartition(2);
    const partition = new ResultPartition(env.memory, desc, env.waitOptions);
    for (let i = 0; i < 64 * 2; i++) writeInt(partition, 0, i);
    expect(partition.subpartitions[0].numBuffers).toBe(2);
    expect(partition.isAvailable()).toBe(true);
    writeInt(partition, 0, 0); // third buffer
    expect(partition.subpartitions[0].numBuffers).toBe(3);
    expect(partition.isAvailable()).toBe(false);
    expect(partition.pool.numBlockedQueues).toBe(1);
    partition.finish();
    expect(env.releasePartition(desc)).toBe(0);
  });

  it('delivers events in order with data, after an immediate flush', () => {
    env = new NetworkEnvironment({ numSegments: 16, segmentSizeBytes: 256 });
    const gateSignal = env.allocateSignal();
    const desc = env.createResultPartition(1, [gateSignal]);
    const partition = new ResultPartition(env.memory, desc, env.waitOptions);
    const gate = new InputGate(env.memory, { signal: gateSignal, channels: [{ kind: 'local', queueId: desc.queueIds[0] }] }, env.waitOptions);
    writeInt(partition, 0, 7);
    partition.broadcastEvent(encodeEvent(99, new Uint8Array([1, 2, 3])));
    writeInt(partition, 0, 8);
    partition.flushAll();
    const a = gate.pollNext()!;
    expect(readInts(env, a)).toEqual([7]);
    gate.release(a);
    const e = gate.pollNext()!;
    expect(e.isEvent).toBe(true);
    expect([...e.event!]).toEqual([0, 0, 0, 99, 1, 2, 3]);
    gate.release(e);
    const b = gate.pollNext()!;
    expect(readInts(env, b)).toEqual([8]);
    gate.release(b);
    partition.finish();
    expect(gate.pollNext()).toBeNull();
    env.releasePartition(desc);
  });

  it('bumps but does not wake a consumer that said it will look by itself; events and a renewed wish wake it', async () => {
    env = new NetworkEnvironment({ numSegments: 32, segmentSizeBytes: 256 });
    const signal = env.allocateSignal();
    const desc = env.createResultPartition(1, [signal]);
    const partition = new ResultPartition(env.memory, desc, env.waitOptions);
    const view = new ResultSubpartitionView(env.memory, desc.queueIds[0], env.waitOptions);
    const words = env.memory.words;
    const sleep = (): Promise<string> => {
      const result = Atomics.waitAsync(words, signal, Atomics.load(words, signal), 300);
      return result.async ? result.value : Promise.resolve(result.value);
    };

    view.setWakeWanted(false); // a remote reader out of credit
    const before = Atomics.load(words, signal);
    let woken = sleep();
    writeInt(partition, 0, 1);
    partition.flushAll();
    expect(Atomics.load(words, signal)).toBeGreaterThan(before); // a later look sees the change
    expect(await woken).toBe('timed-out'); // but the sleeper was left alone

    woken = sleep();
    partition.broadcastEvent(encodeEvent(7, new Uint8Array(0))); // events need no credit: they always wake
    expect(await woken).toBe('ok');

    view.setWakeWanted(true);
    woken = sleep();
    writeInt(partition, 0, 2);
    partition.flushAll();
    expect(await woken).toBe('ok');

    view.releaseAll();
    partition.finish();
    env.releasePartition(desc);
  });

  it('waits once for any of several gates on one signal word, and counts that wait once as idle time', async () => {
    env = new NetworkEnvironment({ numSegments: 32, segmentSizeBytes: 256 });
    const signal = env.allocateSignal();
    const descs = [env.createResultPartition(1, [signal]), env.createResultPartition(1, [signal])];
    const partitions = descs.map((desc) => new ResultPartition(env.memory, desc, env.waitOptions));
    const metrics = TaskIoMetrics.create();
    const gates = descs.map((desc, i) => new InputGate(env.memory, { signal, channels: [{ kind: 'local', queueId: desc.queueIds[0] }] }, env.waitOptions, i === 0 ? metrics : null));

    const waited = InputGate.waitForAny(gates);
    await new Promise((resolve) => setTimeout(resolve, 30));
    writeInt(partitions[1], 0, 42); // data on the second gate only
    partitions[1].flushAll();
    expect(await waited).toBeGreaterThanOrEqual(25);
    expect(metrics.get('idleTimeMs')).toBeGreaterThanOrEqual(25);
    expect(metrics.get('idleTimeMs')).toBeLessThan(1000);
    const slice = gates[1].pollNext()!;
    expect(readInts(env, slice)).toEqual([42]);
    gates[1].release(slice);

    const other = new InputGate(env.memory, { signal: env.allocateSignal(), channels: [] }, env.waitOptions);
    await expect(InputGate.waitForAny([gates[0], other])).rejects.toThrow(RangeError);

    for (const partition of partitions) partition.finish();
    for (const gate of gates) while (!gate.isFinished) gate.pollNext();
    for (const desc of descs) env.releasePartition(desc);
  });
});
