import { describe, expect, it } from 'vitest';
import { createDeployment, partitionIdOf, topologicalVertexOrder } from '../../src/jobmanager/deployment.js';
import { assignSlots } from '../../src/jobmanager/scheduler.js';
import type { SlotRef } from '../../src/jobmanager/slot-pool.js';
import type { JobGraphJson } from '../../src/graph/format-plan.js';
import { sourceToSink, threeEdges } from './graphs.js';

const JOB_ID = '0123456789abcdef0123456789abcdef';
const dataUrlOf = (resourceId: string) => `ws://127.0.0.1:${resourceId === 'tm-a' ? 40001 : 40002}`;

function deploy(graph: JobGraphJson, slots: SlotRef[]) {
  return createDeployment({ jobId: JOB_ID, jobName: graph.jobName, graph, assignment: assignSlots(graph, slots), dataUrlOf });
}

describe('partitionIdOf', () => {
  it('is 16 bytes of hex, the same for the same job, edge and producer subtask, and different otherwise', () => {
    const id = partitionIdOf(JOB_ID, 'edge-1', 0);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(partitionIdOf(JOB_ID, 'edge-1', 0)).toBe(id);
    expect(new Set([id, partitionIdOf(JOB_ID, 'edge-1', 1), partitionIdOf(JOB_ID, 'edge-2', 0), partitionIdOf('f'.repeat(32), 'edge-1', 0)]).size).toBe(4);
  });
});

describe('createDeployment', () => {
  it('wires all-to-all channels local on the same TaskManager and remote at the producer TM\'s data url otherwise', () => {
    const graph = sourceToSink(2, 2);
    const { taskManagers, tasks } = deploy(graph, [{ resourceId: 'tm-a', slotIndex: 0 }, { resourceId: 'tm-b', slotIndex: 0 }]);
    expect(taskManagers).toEqual(['tm-a', 'tm-b']);
    const [source, sink] = graph.vertices;
    const edge = graph.edges[0];
    expect(tasks.map((task) => [task.resourceId, task.tdd.taskName])).toEqual([
      ['tm-a', 'Source: gen (1/2)'],
      ['tm-b', 'Source: gen (2/2)'],
      ['tm-a', 'map -> Sink: Discarding Sink (1/2)'],
      ['tm-b', 'map -> Sink: Discarding Sink (2/2)'],
    ]);
    const producer1 = tasks[1].tdd;
    expect(producer1).toMatchObject({ jobId: JOB_ID, executionId: `${source.id}_1`, vertexId: source.id, subtaskIndex: 1, parallelism: 2, attemptNumber: 0, slotIndex: 0, inputGates: [] });
    expect(producer1.producedPartitions).toEqual([
      { edgeId: edge.id, resultPartitionIndex: 0, partitionId: partitionIdOf(JOB_ID, edge.id, 1), numSubpartitions: 2, serializer: edge.serializer },
    ]);
    const consumer0 = tasks[2].tdd;
    expect(consumer0.executionId).toBe(`${sink.id}_0`);
    expect(consumer0.producedPartitions).toEqual([]);
    expect(consumer0.inputGates).toEqual([
      {
        edgeId: edge.id,
        inputGateIndex: 0,
        serializer: edge.serializer,
        channels: [
          { partitionId: partitionIdOf(JOB_ID, edge.id, 0), subpartitionIndex: 0, producer: { location: 'local' } },
          { partitionId: partitionIdOf(JOB_ID, edge.id, 1), subpartitionIndex: 0, producer: { location: 'remote', dataUrl: 'ws://127.0.0.1:40002' } },
        ],
      },
    ]);
    expect(tasks[3].tdd.inputGates[0].channels.map((channel) => [channel.subpartitionIndex, channel.producer.location])).toEqual([
      [1, 'remote'],
      [1, 'local'],
    ]);
  });

  it('sizes partitions per edge: forward 1, rescale by fan-out, all-to-all by consumer parallelism', () => {
    const graph = threeEdges(2, 4, 1); // gen(2) -forward-> A(2) -rescale-> B(4) -rebalance-> C(1) -forward-> sink(1)
    const slots = [0, 1, 2, 3].map((slotIndex) => ({ resourceId: 'tm-a', slotIndex }));
    const { tasks } = deploy(graph, slots);
    const byName = (name: string) => tasks.filter((task) => task.tdd.taskName.startsWith(`${name} (`)).map((task) => task.tdd);
    expect(byName('Source: gen').map((tdd) => tdd.producedPartitions[0].numSubpartitions)).toEqual([1, 1]);
    expect(byName('A').map((tdd) => tdd.producedPartitions[0].numSubpartitions)).toEqual([2, 2]);
    expect(byName('B').map((tdd) => tdd.producedPartitions[0].numSubpartitions)).toEqual([1, 1, 1, 1]);
    // Rescale 2 → 4: B3 reads subpartition 1 of A1; the rebalance into C(1) has one channel per B subtask.
    expect(byName('B')[3].inputGates[0].channels).toEqual([
      { partitionId: byName('A')[1].producedPartitions[0].partitionId, subpartitionIndex: 1, producer: { location: 'local' } },
    ]);
    expect(byName('C')[0].inputGates[0].channels.map((channel) => channel.partitionId)).toEqual(byName('B').map((tdd) => tdd.producedPartitions[0].partitionId));
  });

  it('deploys vertices producers first and names every TaskManager once, in order of first use', () => {
    const graph = threeEdges(1, 2, 1);
    const reversed: JobGraphJson = { ...graph, vertices: [...graph.vertices].reverse() };
    expect(topologicalVertexOrder(reversed).map((vertex) => vertex.id)).toEqual(graph.vertices.map((vertex) => vertex.id));
    const slots = [{ resourceId: 'tm-b', slotIndex: 0 }, { resourceId: 'tm-a', slotIndex: 0 }];
    const { taskManagers, tasks } = deploy(reversed, slots);
    expect(taskManagers).toEqual(['tm-b', 'tm-a']);
    const position = new Map(tasks.map((task, index) => [task.tdd.vertexId, index]));
    for (const edge of graph.edges) expect(position.get(edge.sourceVertexId)!).toBeLessThan(position.get(edge.targetVertexId)!);
  });

  it('gives every consumer channel a partition id some producer subtask produces', () => {
    const graph = threeEdges(3, 5, 2);
    const slots = [0, 1, 2, 3, 4].map((i) => ({ resourceId: i % 2 === 0 ? 'tm-a' : 'tm-b', slotIndex: i >> 1 }));
    const { tasks } = deploy(graph, slots);
    const produced = new Map(tasks.flatMap((task) => task.tdd.producedPartitions.map((partition) => [partition.partitionId, { ...partition, resourceId: task.resourceId }] as const)));
    for (const task of tasks) {
      for (const gate of task.tdd.inputGates) {
        for (const channel of gate.channels) {
          const partition = produced.get(channel.partitionId)!;
          expect(partition.edgeId).toBe(gate.edgeId);
          expect(channel.subpartitionIndex).toBeLessThan(partition.numSubpartitions);
          expect(channel.producer.location).toBe(partition.resourceId === task.resourceId ? 'local' : 'remote');
        }
      }
    }
  });
});
