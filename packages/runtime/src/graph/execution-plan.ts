// The execution plan: a JobGraph expanded into parallel subtasks and the channel wiring of every edge (Flink's ExecutionGraph, without scheduling).

import type { SerializerSpec } from '../serialization/create-serializer.js';
import type { JobGraph } from './job-graph.js';
import { requiredSlots } from './job-graph.js';
import { computeKeyGroupRangeForOperatorIndex, type KeyGroupRange } from './key-groups.js';
import type { DistributionPattern, PartitionerSpec } from './partitioners.js';

/** One parallel subtask of a JobVertex (Flink's ExecutionVertex). */
export interface ExecutionVertex {
  /** `<vertexId>_<subtaskIndex>`, unique in the job. */
  readonly id: string;
  readonly vertexId: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  /** Flink's task name with subtasks: `Source: gen -> Map (1/2)`. */
  readonly name: string;
  readonly slotSharingGroup: string;
  /** The key groups this subtask owns (for keyed state and timers). */
  readonly keyGroupRange: KeyGroupRange;
}

/** All subtasks of one JobVertex (Flink's ExecutionJobVertex). */
export interface ExecutionJobVertex {
  readonly vertexId: string;
  readonly name: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly slotSharingGroup: string;
  readonly subtasks: readonly ExecutionVertex[];
}

/**
 * One channel of an edge: producer subtask `producerSubtaskIndex` writes its subpartition
 * `subpartitionIndex`, which consumer subtask `consumerSubtaskIndex` reads as input channel
 * `inputChannelIndex` of its InputGate for the edge (Flink's ExecutionEdge, down to the channel).
 */
export interface ExecutionEdge {
  readonly producerSubtaskIndex: number;
  readonly subpartitionIndex: number;
  readonly consumerSubtaskIndex: number;
  readonly inputChannelIndex: number;
}

/**
 * The wiring of one JobEdge at run time (Flink's IntermediateResult): one ResultPartition per producer
 * subtask, one InputGate per consumer subtask, and the channels between them.
 *
 * ```
 * forward / rescale (POINTWISE)        everything else (ALL_TO_ALL)
 *  p0 ─► c0      p0 ─┬► c0              p0 ─┬─► c0     subpartition j of producer i
 *  p1 ─► c1      p1 ─┘                  p1 ─┴─► c1     = input channel i of consumer j
 *               (rescale 2 → 1)
 * ```
 */
export interface IntermediateResult {
  /** The JobEdge's id. */
  readonly edgeId: string;
  readonly sourceVertexId: string;
  readonly targetVertexId: string;
  readonly partitioner: PartitionerSpec;
  readonly distributionPattern: DistributionPattern;
  readonly serializer: SerializerSpec;
  /** The edge's ResultPartition index in each producer subtask. */
  readonly resultPartitionIndex: number;
  /** The edge's InputGate index in each consumer subtask. */
  readonly inputGateIndex: number;
  /**
   * Per producer subtask (index = producer subtask index), its subpartitions in order: `length` is the
   * number of subpartitions, the `numberOfChannels` of its partitioner.
   */
  readonly partitions: readonly (readonly ExecutionEdge[])[];
  /** Per consumer subtask (index = consumer subtask index), its input channels in order. */
  readonly inputGates: readonly (readonly ExecutionEdge[])[];
}

/** A job ready to be scheduled: every subtask and every channel. */
export interface ExecutionPlan {
  readonly jobName: string;
  /** In the JobGraph's (topological) order. */
  readonly vertices: readonly ExecutionJobVertex[];
  /** One per JobEdge, in the JobGraph's order. */
  readonly results: readonly IntermediateResult[];
  /** The number of subtasks over all vertices. */
  readonly numSubtasks: number;
  /** Slots the job needs; see {@link requiredSlots}. */
  readonly requiredSlots: number;
}

/**
 * Expands `jobGraph` into subtasks and channels. `forward` connects subtask i to subtask i; `rescale`
 * connects local groups as Flink's pointwise pattern does (a producer feeds consumers
 * `[(i*q + p - 1) / p, ((i+1)*q + p - 1) / p)` when p < q; consumer j reads producers
 * `[j*p / q, (j+1)*p / q)` when p > q); every other partitioner connects all to all.
 */
export function createExecutionPlan(jobGraph: JobGraph): ExecutionPlan {
  const vertices = jobGraph.vertices.map((vertex): ExecutionJobVertex => {
    const subtasks: ExecutionVertex[] = [];
    for (let subtaskIndex = 0; subtaskIndex < vertex.parallelism; subtaskIndex++) {
      subtasks.push({
        id: `${vertex.id}_${subtaskIndex}`,
        vertexId: vertex.id,
        subtaskIndex,
        parallelism: vertex.parallelism,
        name: `${vertex.name} (${subtaskIndex + 1}/${vertex.parallelism})`,
        slotSharingGroup: vertex.slotSharingGroup,
        keyGroupRange: computeKeyGroupRangeForOperatorIndex(vertex.maxParallelism, vertex.parallelism, subtaskIndex),
      });
    }
    return {
      vertexId: vertex.id,
      name: vertex.name,
      parallelism: vertex.parallelism,
      maxParallelism: vertex.maxParallelism,
      slotSharingGroup: vertex.slotSharingGroup,
      subtasks,
    };
  });

  const results = jobGraph.edges.map((edge): IntermediateResult => {
    const producers = jobGraph.verticesById.get(edge.sourceVertexId)!.parallelism;
    const consumers = jobGraph.verticesById.get(edge.targetVertexId)!.parallelism;
    const { partitions, inputGates } = connectSubtasks(producers, consumers, edge.distributionPattern);
    return {
      edgeId: edge.id,
      sourceVertexId: edge.sourceVertexId,
      targetVertexId: edge.targetVertexId,
      partitioner: edge.partitioner,
      distributionPattern: edge.distributionPattern,
      serializer: edge.serializer,
      resultPartitionIndex: edge.resultPartitionIndex,
      inputGateIndex: edge.inputGateIndex,
      partitions,
      inputGates,
    };
  });

  return {
    jobName: jobGraph.jobName,
    vertices,
    results,
    numSubtasks: vertices.reduce((sum, vertex) => sum + vertex.parallelism, 0),
    requiredSlots: requiredSlots(jobGraph),
  };
}

/**
 * The channels between `producers` producer subtasks and `consumers` consumer subtasks of one edge
 * (Flink's `EdgeManagerBuildUtil.connectPointwise` / `connectAllToAll`).
 */
export function connectSubtasks(
  producers: number,
  consumers: number,
  pattern: DistributionPattern,
): { partitions: ExecutionEdge[][]; inputGates: ExecutionEdge[][] } {
  const partitions: ExecutionEdge[][] = Array.from({ length: producers }, () => []);
  const inputGates: ExecutionEdge[][] = Array.from({ length: consumers }, () => []);
  const connect = (producer: number, consumer: number): void => {
    const edge: ExecutionEdge = {
      producerSubtaskIndex: producer,
      subpartitionIndex: partitions[producer].length,
      consumerSubtaskIndex: consumer,
      inputChannelIndex: inputGates[consumer].length,
    };
    partitions[producer].push(edge);
    inputGates[consumer].push(edge);
  };

  if (pattern === 'ALL_TO_ALL') {
    for (let consumer = 0; consumer < consumers; consumer++) {
      for (let producer = 0; producer < producers; producer++) connect(producer, consumer);
    }
  } else if (producers === consumers) {
    for (let i = 0; i < producers; i++) connect(i, i);
  } else if (producers > consumers) {
    for (let consumer = 0; consumer < consumers; consumer++) {
      const start = Math.floor((consumer * producers) / consumers);
      const end = Math.floor(((consumer + 1) * producers) / consumers);
      for (let producer = start; producer < end; producer++) connect(producer, consumer);
    }
  } else {
    for (let producer = 0; producer < producers; producer++) {
      const start = Math.floor((producer * consumers + producers - 1) / producers);
      const end = Math.floor(((producer + 1) * consumers + producers - 1) / producers);
      for (let consumer = start; consumer < end; consumer++) connect(producer, consumer);
    }
  }
  return { partitions, inputGates };
}
