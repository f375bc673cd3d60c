import { describe, expect, it } from 'vitest';
import { StreamExecutionEnvironment } from '../../src/api/environment.js';
import { connectSubtasks, createExecutionPlan, type ExecutionEdge } from '../../src/graph/execution-plan.js';

/** Producer i → the consumers it feeds. */
const feeds = (partitions: readonly (readonly ExecutionEdge[])[]): number[][] =>
  partitions.map((subpartitions) => subpartitions.map((edge) => edge.consumerSubtaskIndex));
/** Consumer j → the producers it reads. */
const reads = (inputGates: readonly (readonly ExecutionEdge[])[]): number[][] =>
  inputGates.map((channels) => channels.map((edge) => edge.producerSubtaskIndex));

describe('connectSubtasks', () => {
  it('connects forward (pointwise, equal parallelism) 1:1', () => {
    const { partitions, inputGates } = connectSubtasks(3, 3, 'POINTWISE');
    expect(feeds(partitions)).toEqual([[0], [1], [2]]);
    expect(reads(inputGates)).toEqual([[0], [1], [2]]);
    expect(partitions.flat().every((edge) => edge.subpartitionIndex === 0 && edge.inputChannelIndex === 0)).toBe(true);
  });

  it("connects rescale in Flink's local round-robin groups", () => {
    expect(feeds(connectSubtasks(2, 4, 'POINTWISE').partitions)).toEqual([[0, 1], [2, 3]]);
    expect(feeds(connectSubtasks(2, 3, 'POINTWISE').partitions)).toEqual([[0, 1], [2]]);
    expect(reads(connectSubtasks(4, 2, 'POINTWISE').inputGates)).toEqual([[0, 1], [2, 3]]);
    expect(reads(connectSubtasks(3, 2, 'POINTWISE').inputGates)).toEqual([[0], [1, 2]]);
    expect(reads(connectSubtasks(5, 1, 'POINTWISE').inputGates)).toEqual([[0, 1, 2, 3, 4]]);
    // Every consumer is fed and every producer feeds someone.
    for (const [p, q] of [[3, 7], [7, 3], [4, 4], [1, 5]]) {
      const { partitions, inputGates } = connectSubtasks(p, q, 'POINTWISE');
      expect(partitions.every((subpartitions) => subpartitions.length > 0)).toBe(true);
      expect(inputGates.every((channels) => channels.length > 0)).toBe(true);
    }
  });

  it('connects all to all: subpartition j of producer i is input channel i of consumer j', () => {
    const { partitions, inputGates } = connectSubtasks(2, 3, 'ALL_TO_ALL');
    expect(feeds(partitions)).toEqual([[0, 1, 2], [0, 1, 2]]);
    expect(reads(inputGates)).toEqual([[0, 1], [0, 1], [0, 1]]);
    for (const edge of partitions.flat()) {
      expect(edge.subpartitionIndex).toBe(edge.consumerSubtaskIndex);
      expect(edge.inputChannelIndex).toBe(edge.producerSubtaskIndex);
    }
  });

  it('indexes subpartitions and input channels consistently in both views', () => {
    for (const pattern of ['POINTWISE', 'ALL_TO_ALL'] as const) {
      const { partitions, inputGates } = connectSubtasks(3, 5, pattern);
      for (const edge of partitions.flat()) {
        expect(partitions[edge.producerSubtaskIndex][edge.subpartitionIndex]).toBe(edge);
        expect(inputGates[edge.consumerSubtaskIndex][edge.inputChannelIndex]).toBe(edge);
      }
    }
  });
});

describe('createExecutionPlan', () => {
  it('expands vertices into subtasks with names and key-group ranges, and edges into channels', () => {
    const env = new StreamExecutionEnvironment({ parallelism: 2 });
    const source = env.fromGenerator((i) => i).name('gen');
    source.keyBy((x) => x % 5).sum().name('sum').setParallelism(3).print().setParallelism(3);
    source.broadcast().map((x) => x).name('everywhere').discard();
    const plan = createExecutionPlan(env.getJobGraph('plan'));
    expect(plan.jobName).toBe('plan');
    expect(plan.vertices.map((v) => v.subtasks.map((s) => s.name))).toEqual([
      ['Source: gen (1/2)', 'Source: gen (2/2)'],
      ['sum -> Sink: Print to Std. Out (1/3)', 'sum -> Sink: Print to Std. Out (2/3)', 'sum -> Sink: Print to Std. Out (3/3)'],
      ['everywhere -> Sink: Discarding Sink (1/2)', 'everywhere -> Sink: Discarding Sink (2/2)'],
    ]);
    expect(plan.vertices[1].subtasks.map((s) => s.keyGroupRange)).toEqual([
      { startKeyGroup: 0, endKeyGroup: 42 },
      { startKeyGroup: 43, endKeyGroup: 85 },
      { startKeyGroup: 86, endKeyGroup: 127 },
    ]);
    expect(plan.vertices[0].subtasks[1].id).toBe(`${plan.vertices[0].vertexId}_1`);
    expect(plan.results.map((r) => [r.partitioner.kind, feeds(r.partitions)])).toEqual([
      ['hash', [[0, 1, 2], [0, 1, 2]]],
      ['broadcast', [[0, 1], [0, 1]]],
    ]);
    expect(plan.results.map((r) => [r.resultPartitionIndex, r.inputGateIndex])).toEqual([
      [0, 0],
      [1, 0],
    ]);
    expect(plan.numSubtasks).toBe(7);
    expect(plan.requiredSlots).toBe(3);
  });
});
