// Pure renderings of a JobGraph for `sluice plan`: readable text (formatJobGraph) and plain JSON without functions (jobGraphToJson).

import type { SerializerSpec } from '../serialization/create-serializer.js';
import { formatRecordShape, validateRecordShape } from '../serialization/record-shape.js';
import type { ExecutionConfig } from './execution-config.js';
import { requiredSlots, type JobEdge, type JobGraph } from './job-graph.js';
import { formatPartitioner, type DistributionPattern, type PartitionerSpec } from './partitioners.js';
import type { ChainingStrategy } from './transformation.js';

/** A JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One operator of a vertex in {@link JobGraphJson}. */
export interface OperatorJson {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly uid: string | null;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly chainingStrategy: ChainingStrategy;
  /** The operator's options; non-finite numbers (an unbounded count, an unlimited rate) as strings like `"Infinity"`. */
  readonly options: JsonValue;
  readonly outputSerializer: SerializerSpec;
}

/** One vertex in {@link JobGraphJson}. */
export interface JobVertexJson {
  readonly id: string;
  readonly name: string;
  readonly parallelism: number;
  readonly maxParallelism: number;
  readonly slotSharingGroup: string;
  readonly operators: readonly OperatorJson[];
  /** Input edge ids, in InputGate order. */
  readonly inputs: readonly string[];
  /** Output edge ids, in ResultPartition order. */
  readonly outputs: readonly string[];
}

/** One edge in {@link JobGraphJson}. */
export interface JobEdgeJson {
  readonly id: string;
  readonly name: string;
  readonly sourceVertexId: string;
  readonly targetVertexId: string;
  readonly sourceOperatorId: string;
  readonly targetOperatorId: string;
  readonly partitioner: PartitionerSpec;
  readonly distributionPattern: DistributionPattern;
  readonly serializer: SerializerSpec;
  readonly resultPartitionIndex: number;
  readonly inputGateIndex: number;
}

/** A JobGraph as plain JSON (functions and key selectors left out), for `sluice plan --json`, REST and the web UI. */
export interface JobGraphJson {
  readonly jobName: string;
  readonly config: ExecutionConfig;
  readonly requiredSlots: number;
  readonly vertices: readonly JobVertexJson[];
  readonly edges: readonly JobEdgeJson[];
}

/** Renders `jobGraph` as plain JSON data: `JSON.stringify` of it round-trips. */
export function jobGraphToJson(jobGraph: JobGraph): JobGraphJson {
  return {
    jobName: jobGraph.jobName,
    config: { ...jobGraph.config },
    requiredSlots: requiredSlots(jobGraph),
    vertices: jobGraph.vertices.map((vertex) => ({
      id: vertex.id,
      name: vertex.name,
      parallelism: vertex.parallelism,
      maxParallelism: vertex.maxParallelism,
      slotSharingGroup: vertex.slotSharingGroup,
      operators: vertex.operators.map((operator) => ({
        id: operator.id,
        kind: operator.kind,
        name: operator.name,
        uid: operator.uid ?? null,
        parallelism: operator.parallelism,
        maxParallelism: operator.maxParallelism,
        chainingStrategy: operator.chainingStrategy,
        options: toJsonValue(operator.options) ?? {},
        outputSerializer: operator.outputSerializer,
      })),
      inputs: vertex.inputs.map((edge) => edge.id),
      outputs: vertex.outputs.map((edge) => edge.id),
    })),
    edges: jobGraph.edges.map((edge) => ({
      id: edge.id,
      name: edge.name,
      sourceVertexId: edge.sourceVertexId,
      targetVertexId: edge.targetVertexId,
      sourceOperatorId: edge.sourceOperatorId,
      targetOperatorId: edge.targetOperatorId,
      partitioner: edge.partitioner,
      distributionPattern: edge.distributionPattern,
      serializer: edge.serializer,
      resultPartitionIndex: edge.resultPartitionIndex,
      inputGateIndex: edge.inputGateIndex,
    })),
  };
}

/**
 * Renders `jobGraph` as text, one block per vertex (its chain, id, parallelism, slot sharing group and
 * operators), then one line per edge:
 *
 * ```
 * Job "word count": 2 vertices, 1 edge, 2 slots
 *
 * Vertex 1: Source: gen -> Map
 *   id 3f…  parallelism 2  max parallelism 128  slot sharing group "default"
 *     3f…  Source: gen  source-generator
 *     9a…  Map  map
 * …
 * Edges
 *   1 -> 2  HASH (128 key groups)  ALL_TO_ALL  msgpackr  Map -> Keyed Reduce
 * ```
 */
export function formatJobGraph(jobGraph: JobGraph): string {
  const numberOf = new Map(jobGraph.vertices.map((vertex, index) => [vertex.id, index + 1]));
  const lines = [
    `Job "${jobGraph.jobName}": ${count(jobGraph.vertices.length, 'vertex', 'vertices')}, ` +
      `${count(jobGraph.edges.length, 'edge', 'edges')}, ${count(requiredSlots(jobGraph), 'slot', 'slots')}`,
  ];
  for (const vertex of jobGraph.vertices) {
    lines.push(
      '',
      `Vertex ${numberOf.get(vertex.id)}: ${vertex.name}`,
      `  id ${vertex.id}  parallelism ${vertex.parallelism}  max parallelism ${vertex.maxParallelism}  ` +
        `slot sharing group "${vertex.slotSharingGroup}"`,
    );
    for (const operator of vertex.operators) {
      const uid = operator.uid === undefined ? '' : `  uid "${operator.uid}"`;
      lines.push(`    ${operator.id}  ${operator.name}  ${operator.kind}${uid}`);
    }
  }
  if (jobGraph.edges.length > 0) {
    lines.push('', 'Edges');
    for (const edge of jobGraph.edges) lines.push(`  ${formatEdge(edge, numberOf)}`);
  }
  return `${lines.join('\n')}\n`;
}

function formatEdge(edge: JobEdge, numberOf: ReadonlyMap<string, number>): string {
  const partitioner =
    edge.partitioner.kind === 'hash'
      ? `HASH (${edge.partitioner.maxParallelism} key groups)`
      : formatPartitioner(edge.partitioner);
  return (
    `${numberOf.get(edge.sourceVertexId)} -> ${numberOf.get(edge.targetVertexId)}  ${partitioner}  ` +
    `${edge.distributionPattern}  ${formatSerializer(edge.serializer)}  ${edge.name}`
  );
}

/** A serializer spec in one word or two: `msgpackr`, `msgpackr (2 structures)`, `typed {key:int32,value:float64}`. */
export function formatSerializer(spec: SerializerSpec): string {
  if (spec.kind === 'typed') return `typed ${formatRecordShape(validateRecordShape(spec.shape))}`;
  const structures = spec.structures?.length ?? 0;
  return structures === 0 ? 'msgpackr' : `msgpackr (${count(structures, 'structure', 'structures')})`;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Plain JSON of `value`: functions, symbols and undefined dropped, non-finite numbers and bigints as strings. */
function toJsonValue(value: unknown): JsonValue | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return String(value);
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) return value.map((item) => toJsonValue(item) ?? null);
      const out: { [key: string]: JsonValue } = {};
      for (const [key, item] of Object.entries(value)) {
        const json = toJsonValue(item);
        if (json !== undefined) out[key] = json;
      }
      return out;
    }
    default:
      return undefined;
  }
}
