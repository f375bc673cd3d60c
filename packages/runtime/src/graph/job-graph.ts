// The JobGraph: operator chains as JobVertices joined by JobEdges (Flink's JobGraph and StreamingJobGraphGenerator).

import type { KeySelector } from '../api/functions.js';
import type { SerializerSpec } from '../serialization/create-serializer.js';
import { isChainable } from './chaining.js';
import type { ExecutionConfig } from './execution-config.js';
import { distributionPatternOf, type DistributionPattern, type PartitionerSpec } from './partitioners.js';
import type { StreamEdge, StreamGraph, StreamNode } from './stream-graph.js';

/**
 * A connection between two JobVertices, made from one StreamEdge that does not chain (Flink's JobEdge
 * with its IntermediateDataSet): each producer subtask writes one ResultPartition for it, and each consumer
 * subtask reads one InputGate.
 */
export interface JobEdge {
  /** The StreamEdge's id (32 hex digits). */
  readonly id: string;
  readonly sourceVertexId: string;
  readonly targetVertexId: string;
  /** The operator in the source vertex's chain that emits into this edge (not always the chain's tail). */
  readonly sourceOperatorId: string;
  /** The operator that reads it: always the target vertex's head. */
  readonly targetOperatorId: string;
  readonly partitioner: PartitionerSpec;
  readonly distributionPattern: DistributionPattern;
  /** How records are serialized on this edge; both ends build their serializer from it. */
  readonly serializer: SerializerSpec;
  /** The key selector of a `hash` edge (for its partitioner), else `undefined`. */
  readonly keySelector: KeySelector<unknown, unknown> | undefined;
  /** Names the edge in errors: `Source: gen -> Keyed Reduce`. */
  readonly name: string;
  /** This edge's position among the source vertex's outputs (its ResultPartition). */
  readonly resultPartitionIndex: number;
  /** This edge's position among the target vertex's inputs (its InputGate). */
  readonly inputGateIndex: number;
}

/** One operator chain, run by `parallelism` subtasks (Flink's JobVertex). */
export interface JobVertex {
  /** The head operator's id. */
  readonly id: string;
  /** The chain's name, Flink style: `Source: gen -> Map -> Filter`; a chain that forks: `A -> (B, C -> D)`. */
  readonly name: string;
  /** The chained operators, head first, in topological (creation) order. */
  readonly operators: readonly StreamNode[];
  /** The edges between operators of this chain: records cross them as function calls. */
  readonly chainedEdges: readonly StreamEdge[];
  readonly parallelism: number;
  /** The head's max parallelism: the number of key groups of the vertex's keyed state. */
  readonly maxParallelism: number;
  readonly slotSharingGroup: string;
  /** Input edges, in InputGate order. */
  readonly inputs: readonly JobEdge[];
  /** Output edges, in ResultPartition order. */
  readonly outputs: readonly JobEdge[];
}

/** The job as operator chains (Flink's JobGraph), what the JobManager schedules. */
export interface JobGraph {
  readonly jobName: string;
  readonly config: ExecutionConfig;
  /** Every vertex, in topological order. */
  readonly vertices: readonly JobVertex[];
  /** Every edge, in creation order. */
  readonly edges: readonly JobEdge[];
  readonly verticesById: ReadonlyMap<string, JobVertex>;
}

type MutableJobVertex = JobVertex & {
  name: string;
  operators: StreamNode[];
  chainedEdges: StreamEdge[];
  inputs: JobEdge[];
  outputs: JobEdge[];
};

/**
 * Chains the StreamGraph's operators into JobVertices (Flink's StreamingJobGraphGenerator): an operator joins
 * its input's chain when the edge between them is chainable (chaining.ts); every other edge becomes a JobEdge.
 */
export function createJobGraph(streamGraph: StreamGraph): JobGraph {
  const vertexOf = new Map<string, MutableJobVertex>();
  const vertices: MutableJobVertex[] = [];
  // Nodes come in topological order, so an operator's input already has its vertex.
  for (const node of streamGraph.nodes) {
    const inEdge = node.inEdges.length === 1 ? node.inEdges[0] : undefined;
    if (inEdge !== undefined && isChainable(inEdge, streamGraph)) {
      const vertex = vertexOf.get(inEdge.sourceId)!;
      vertex.operators.push(node);
      vertex.chainedEdges.push(inEdge);
      vertexOf.set(node.id, vertex);
      continue;
    }
    const vertex: MutableJobVertex = {
      id: node.id,
      name: '',
      operators: [node],
      chainedEdges: [],
      parallelism: node.parallelism,
      maxParallelism: node.maxParallelism,
      slotSharingGroup: node.slotSharingGroup,
      inputs: [],
      outputs: [],
    };
    vertices.push(vertex);
    vertexOf.set(node.id, vertex);
  }

  const chained = new Set(vertices.flatMap((vertex) => vertex.chainedEdges));
  for (const vertex of vertices) vertex.name = chainedName(vertex.operators[0], chained, streamGraph);

  // Stream edges come in creation order, and so do JobEdges and each vertex's outputs.
  const edges: JobEdge[] = [];
  for (const streamEdge of streamGraph.edges) {
    if (chained.has(streamEdge)) continue;
    const source = vertexOf.get(streamEdge.sourceId)!;
    const target = vertexOf.get(streamEdge.targetId)!;
    // Every input of a chain's head is a JobEdge, so InputGates follow the head's input order.
    const inputGateIndex = target.operators[0].inEdges.indexOf(streamEdge);
    const edge: JobEdge = {
      id: streamEdge.id,
      sourceVertexId: source.id,
      targetVertexId: target.id,
      sourceOperatorId: streamEdge.sourceId,
      targetOperatorId: streamEdge.targetId,
      partitioner: streamEdge.partitioner,
      distributionPattern: distributionPatternOf(streamEdge.partitioner),
      serializer: streamEdge.serializer,
      keySelector: streamEdge.keySelector,
      name: streamEdge.name,
      resultPartitionIndex: source.outputs.length,
      inputGateIndex,
    };
    source.outputs.push(edge);
    target.inputs[inputGateIndex] = edge;
    edges.push(edge);
  }

  return {
    jobName: streamGraph.jobName,
    config: streamGraph.config,
    vertices,
    edges,
    verticesById: new Map(vertices.map((vertex) => [vertex.id, vertex])),
  };
}

/**
 * The number of slots the job needs (Flink's rule): subtasks of different vertices share a slot when they
 * are in the same slot sharing group, so each group needs its largest parallelism, and groups add up.
 */
export function requiredSlots(jobGraph: { readonly vertices: readonly { readonly slotSharingGroup: string; readonly parallelism: number }[] }): number {
  const maxPerGroup = new Map<string, number>();
  for (const vertex of jobGraph.vertices) {
    maxPerGroup.set(vertex.slotSharingGroup, Math.max(maxPerGroup.get(vertex.slotSharingGroup) ?? 0, vertex.parallelism));
  }
  let slots = 0;
  for (const parallelism of maxPerGroup.values()) slots += parallelism;
  return slots;
}

/** Flink's `createChainedName`: `A -> B` for one chained output, `A -> (B, C)` for several. */
function chainedName(node: StreamNode, chained: ReadonlySet<StreamEdge>, graph: StreamGraph): string {
  const outputs = node.outEdges.filter((edge) => chained.has(edge));
  if (outputs.length === 0) return node.name;
  const names = outputs.map((edge) => chainedName(graph.nodesById.get(edge.targetId)!, chained, graph));
  return outputs.length === 1 ? `${node.name} -> ${names[0]}` : `${node.name} -> (${names.join(', ')})`;
}
