import { describe, expect, it } from 'vitest';
import { assignKeyToParallelOperator } from '../../src/graph/key-groups.js';
import {
  createPartitioner,
  distributionPatternOf,
  formatPartitioner,
  type PartitionerSpec,
} from '../../src/graph/partitioners.js';

function select<T>(spec: PartitionerSpec, channels: number, records: readonly T[], options = {}): number[] {
  const partitioner = createPartitioner<T>(spec, channels, options);
  return records.map((record) => partitioner.selectChannel(record));
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('createPartitioner', () => {
  it('forward sends every record to its one channel', () => {
    expect(select({ kind: 'forward' }, 1, range(5))).toEqual([0, 0, 0, 0, 0]);
    expect(() => createPartitioner({ kind: 'forward' }, 2)).toThrow(expect.objectContaining({ code: 'ERR_RT_BAD_ARGUMENT' }));
  });

  it('rebalance goes round-robin over all channels from a random first channel', () => {
    expect(select({ kind: 'rebalance' }, 3, range(7), { random: () => 0 })).toEqual([0, 1, 2, 0, 1, 2, 0]);
    expect(select({ kind: 'rebalance' }, 3, range(5), { random: () => 0.7 })).toEqual([2, 0, 1, 2, 0]);
  });

  it('rescale goes round-robin over its local channels from channel 0', () => {
    expect(select({ kind: 'rescale' }, 2, range(5))).toEqual([0, 1, 0, 1, 0]);
    expect(select({ kind: 'rescale' }, 1, range(3))).toEqual([0, 0, 0]);
  });

  it('shuffle picks a channel in range for every random number, 1 included', () => {
    const randoms = [0, 0.2, 0.5, 0.999_999, 1];
    let i = 0;
    expect(select({ kind: 'shuffle' }, 4, range(5), { random: () => randoms[i++] })).toEqual([0, 0, 2, 3, 3]);
    const channels = select({ kind: 'shuffle' }, 7, range(10_000));
    expect(channels.every((channel) => channel >= 0 && channel < 7)).toBe(true);
    expect(new Set(channels).size).toBe(7);
  });

  it('broadcast is a broadcast and selects no single channel', () => {
    const partitioner = createPartitioner({ kind: 'broadcast' }, 4);
    expect(partitioner.isBroadcast).toBe(true);
    expect(partitioner.numberOfChannels).toBe(4);
    expect(() => partitioner.selectChannel('x')).toThrow(/every channel/);
  });

  it('global sends everything to channel 0', () => {
    expect(select({ kind: 'global' }, 5, range(4))).toEqual([0, 0, 0, 0]);
  });

  it('hash sends each key to the subtask owning its key group, for int and other keys', () => {
    const records = [...range(1000).map((i) => ({ key: i - 500 })), ...range(300).map((i) => ({ key: `w${i}` }))];
    for (const channels of [1, 2, 3, 7]) {
      const selected = select({ kind: 'hash', maxParallelism: 128 }, channels, records, {
        keySelector: (record: { key: unknown }) => record.key,
      });
      expect(selected).toEqual(records.map((record) => assignKeyToParallelOperator(record.key, 128, channels)));
    }
    expect(select({ kind: 'hash', maxParallelism: 128 }, 4, [0, 1, 2, 42, -1], { keySelector: (k: number) => k })).toEqual([
      2, 2, 3, 0, 2,
    ]);
  });

  it('hash needs a key selector and at least as many key groups as channels', () => {
    expect(() => createPartitioner({ kind: 'hash', maxParallelism: 128 }, 2)).toThrow(/key selector/);
    expect(() => createPartitioner({ kind: 'hash', maxParallelism: 4 }, 5, { keySelector: (x: number) => x })).toThrow(
      expect.objectContaining({ code: 'ERR_RT_BAD_ARGUMENT' }),
    );
  });

  it('rejects a channel count that is not a positive integer', () => {
    for (const channels of [0, -1, 1.5, NaN]) expect(() => createPartitioner({ kind: 'rebalance' }, channels)).toThrow(/positive number/);
  });

  it('names partitioners and their distribution patterns as Flink does', () => {
    const specs: PartitionerSpec[] = [
      { kind: 'forward' },
      { kind: 'rebalance' },
      { kind: 'rescale' },
      { kind: 'shuffle' },
      { kind: 'broadcast' },
      { kind: 'global' },
      { kind: 'hash', maxParallelism: 128 },
    ];
    expect(specs.map((spec) => `${formatPartitioner(spec)} ${distributionPatternOf(spec)}`)).toEqual([
      'FORWARD POINTWISE',
      'REBALANCE ALL_TO_ALL',
      'RESCALE POINTWISE',
      'SHUFFLE ALL_TO_ALL',
      'BROADCAST ALL_TO_ALL',
      'GLOBAL ALL_TO_ALL',
      'HASH ALL_TO_ALL',
    ]);
    expect(createPartitioner({ kind: 'hash', maxParallelism: 128 }, 2, { keySelector: (x: number) => x }).name).toBe('HASH');
  });
});
