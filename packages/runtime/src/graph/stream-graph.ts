// The StreamGraph: one StreamNode per operator transformation, joined by StreamEdges (Flink's StreamGraph and StreamGraphGenerator).

import type { KeySelector } from '../api/functions.js';
import { RuntimeError } from '../errors.js';
import type { SerializerSpec } from '../serialization/create-serializer.js';
import type { RecordShape } from '../serialization/record-shape.js';
import type { ExecutionConfig } from './execution-config.js';
import { computeDefaultMaxParallelism } from './key-groups.js';
import { hashEdge, hashOperator, hashUid } from './operator-ids.js';
import { isSinkKind, isSourceKind, preservesRecordType, type OperatorDescriptor } from './operator-descriptor.js';
import type { PartitionerKind, PartitionerSpec } from './partitioners.js';
import type { ChainingStrategy, Transformation } from './transformation.js';

/** The slot sharing group of operators that set none and whose inputs don't agree on one (Flink's). */
export const DEFAULT_SLOT_SHARING_GROUP = 'default';

/** A StreamNode's resolved settings; the operator itself is the {@link OperatorDescriptor} part. */
export interface StreamNodeProperties {
  /** The operator id: 32 hex digits, from the uid when set, else from the node's position (operator-ids.ts). */
  readonly id: string;
  /** The display name: `Source: ` and `Sink: ` prefix sources and sinks, e.g. `Source: gen`, `Map`. */
  readonly name: string;
  readonly uid: string | undefined;
  readonly parallelism: number;
  /** The number of key groups; keyed state and `hash` edges into this node use it. */
  readonly maxParallelism: number;
  readonly slotSharingGroup: string;
  readonly chainingStrategy: ChainingStrategy;
  /** How this node's output records are serialized on every edge that leaves it. */
  readonly outputSerializer: SerializerSpec;
  /** The transformation's position in creation order. */
  readonly transformationIndex: number;
  /** Edges into this node, in input order (more than one only after a union). */
  readonly inEdges: readonly StreamEdge[];
  /** Edges out of this node, in creation order. */
  readonly outEdges: readonly StreamEdge[];
}

/**
 * One operator of the program (Flink's StreamNode): its settings plus what it does (`kind`, `fn`,
 * `keySelector`, `options`; see {@link OperatorDescriptor}). The function objects are the user's own.
 */
export type StreamNode = StreamNodeProperties & OperatorDescriptor;

/** A connection between two StreamNodes (Flink's StreamEdge). */
export interface StreamEdge {
  /** 32 hex digits; the JobEdge made from this edge has the same id. */
  readonly id: string;
  readonly sourceId: string;
  readonly targetId: string;
  readonly partitioner: PartitionerSpec;
  /** The key selector of a `hash` edge, which its partitioner calls per record; else `undefined`. */
  readonly keySelector: KeySelector<unknown, unknown> | undefined;
  /** The serializer of the records on this edge: the source node's `outputSerializer`. */
  readonly serializer: SerializerSpec;
  /** Names the edge in errors and metrics: `Source: gen -> Map`. */
  readonly name: string;
}

/** The program as a graph of operators (Flink's StreamGraph). */
export interface StreamGraph {
  readonly jobName: string;
  readonly config: ExecutionConfig;
  /** Every node, in creation order (which is topological: inputs come first). */
  readonly nodes: readonly StreamNode[];
  /** Every edge, in creation order. */
  readonly edges: readonly StreamEdge[];
  readonly nodesById: ReadonlyMap<string, StreamNode>;
}

type MutableStreamNode = StreamNode & { inEdges: StreamEdge[]; outEdges: StreamEdge[] };

/** One input of an operator once partition and union transformations are seen through. */
interface ResolvedInput {
  readonly node: MutableStreamNode;
  readonly partitioner: PartitionerKind | undefined;
  readonly keySelector: KeySelector<unknown, unknown> | undefined;
}

/**
 * Builds the StreamGraph of `transformations` (all of an environment's, in creation order), Flink's
 * StreamGraphGenerator. Partition and union transformations become edge properties, not nodes; an edge
 * with no partitioner set is `forward` between equal parallelisms and `rebalance` otherwise (Flink's rule).
 * @throws RuntimeError `ERR_RT_BAD_GRAPH` when there is no operator, two operators share a uid, a
 *   parallelism exceeds its max parallelism, or a `forward` edge joins different parallelisms
 */
export function generateStreamGraph(
  transformations: readonly Transformation[],
  config: ExecutionConfig,
  jobName: string,
): StreamGraph {
  const generator = new StreamGraphGenerator(config);
  for (const transformation of transformations) {
    if (transformation.body.type === 'operator') generator.addOperator(transformation, transformation.body.operator);
  }
  if (generator.nodes.length === 0) {
    throw new RuntimeError('ERR_RT_BAD_GRAPH', 'no operators defined in the streaming topology: add a source and a sink');
  }
  return {
    jobName,
    config,
    nodes: generator.nodes,
    edges: generator.edges,
    nodesById: generator.nodesById,
  };
}

class StreamGraphGenerator {
  readonly nodes: MutableStreamNode[] = [];
  readonly edges: StreamEdge[] = [];
  readonly nodesById = new Map<string, MutableStreamNode>();
  private readonly nodeOf = new Map<Transformation, MutableStreamNode>();
  private readonly uids = new Map<string, string>();
  private readonly shapes = new Map<Transformation, RecordShape | undefined>();

  constructor(private readonly config: ExecutionConfig) {}

  addOperator(transformation: Transformation, operator: OperatorDescriptor): void {
    const inputs: ResolvedInput[] = [];
    for (const input of transformation.inputs) this.resolveInputs(input, undefined, undefined, inputs);

    const parallelism = transformation.parallelism ?? this.config.parallelism;
    const maxParallelism =
      transformation.maxParallelism ??
      (this.config.maxParallelism > 0 ? this.config.maxParallelism : computeDefaultMaxParallelism(parallelism));
    const name = displayName(operator, transformation.name);
    if (parallelism > maxParallelism) {
      throw new RuntimeError(
        'ERR_RT_BAD_GRAPH',
        `operator "${name}" has parallelism ${parallelism} above its max parallelism ${maxParallelism}`,
      );
    }
    const shape = this.shapeOf(transformation);
    const node = {
      ...operator,
      id: this.operatorId(transformation, operator, inputs, name),
      name,
      uid: transformation.uid,
      parallelism,
      maxParallelism,
      slotSharingGroup: transformation.slotSharingGroup ?? inheritedSlotSharingGroup(inputs),
      chainingStrategy: transformation.chainingStrategy,
      outputSerializer: shape === undefined ? { kind: 'msgpackr' } : { kind: 'typed', shape },
      transformationIndex: transformation.index,
      inEdges: [],
      outEdges: [],
    } as MutableStreamNode;
    this.nodes.push(node);
    this.nodesById.set(node.id, node);
    this.nodeOf.set(transformation, node);
    for (const input of inputs) this.addEdge(input, node);
  }

  /** Sees through partition and union transformations; the partitioner closest to the consumer wins. */
  private resolveInputs(
    transformation: Transformation,
    partitioner: PartitionerKind | undefined,
    keySelector: KeySelector<unknown, unknown> | undefined,
    out: ResolvedInput[],
  ): void {
    const body = transformation.body;
    if (body.type === 'operator') {
      const node = this.nodeOf.get(transformation);
      if (node === undefined) {
        throw new RuntimeError('ERR_RT_BAD_GRAPH', `input "${transformation.name}" was created after its consumer`);
      }
      out.push({ node, partitioner, keySelector });
    } else if (body.type === 'partition') {
      const isSet = partitioner !== undefined;
      for (const input of transformation.inputs) {
        this.resolveInputs(input, isSet ? partitioner : body.partitioner, isSet ? keySelector : body.keySelector, out);
      }
    } else {
      for (const input of transformation.inputs) this.resolveInputs(input, partitioner, keySelector, out);
    }
  }

  private operatorId(
    transformation: Transformation,
    operator: OperatorDescriptor,
    inputs: readonly ResolvedInput[],
    name: string,
  ): string {
    let id: string;
    if (transformation.uid !== undefined) {
      const other = this.uids.get(transformation.uid);
      if (other !== undefined) {
        throw new RuntimeError(
          'ERR_RT_BAD_GRAPH',
          `operators "${other}" and "${name}" have the same uid "${transformation.uid}": uids must be unique in a job`,
        );
      }
      this.uids.set(transformation.uid, name);
      id = hashUid(transformation.uid);
    } else {
      const hashed = inputs.map((input) => ({ id: input.node.id, partitioner: input.partitioner ?? 'default' }));
      id = hashOperator(operator.kind, transformation.index, hashed);
    }
    const clash = this.nodesById.get(id);
    if (clash !== undefined) {
      throw new RuntimeError('ERR_RT_BAD_GRAPH', `operators "${clash.name}" and "${name}" hash to the same id ${id}`);
    }
    return id;
  }

  private addEdge(input: ResolvedInput, target: MutableStreamNode): void {
    const source = input.node;
    const kind = input.partitioner ?? (source.parallelism === target.parallelism ? 'forward' : 'rebalance');
    if (kind === 'forward' && source.parallelism !== target.parallelism) {
      throw new RuntimeError(
        'ERR_RT_BAD_GRAPH',
        `forward partitioning does not allow a change of parallelism: "${source.name}" has ${source.parallelism}, ` +
          `"${target.name}" has ${target.parallelism}; use rebalance, rescale, shuffle, broadcast or global instead`,
      );
    }
    const partitioner: PartitionerSpec = kind === 'hash' ? { kind, maxParallelism: target.maxParallelism } : { kind };
    const ordinal = source.outEdges.filter((edge) => edge.targetId === target.id).length;
    const edge: StreamEdge = {
      id: hashEdge(source.id, target.id, ordinal),
      sourceId: source.id,
      targetId: target.id,
      partitioner,
      keySelector: kind === 'hash' ? input.keySelector : undefined,
      serializer: source.outputSerializer,
      name: `${source.name} -> ${target.name}`,
    };
    source.outEdges.push(edge);
    target.inEdges.push(edge);
    this.edges.push(edge);
  }

  /** The declared output shape: set by `returns()`, else inherited through type-preserving steps. */
  private shapeOf(transformation: Transformation): RecordShape | undefined {
    if (this.shapes.has(transformation)) return this.shapes.get(transformation);
    let shape = transformation.outputShape;
    if (shape === undefined) {
      const body = transformation.body;
      if (body.type === 'partition' || (body.type === 'operator' && preservesRecordType(body.operator.kind))) {
        shape = transformation.inputs.length === 1 ? this.shapeOf(transformation.inputs[0]) : undefined;
      } else if (body.type === 'union') {
        shape = commonShape(transformation.inputs.map((input) => this.shapeOf(input)));
      }
    }
    this.shapes.set(transformation, shape);
    return shape;
  }
}

function displayName(operator: OperatorDescriptor, name: string): string {
  if (isSourceKind(operator.kind)) return `Source: ${name}`;
  if (isSinkKind(operator.kind)) return `Sink: ${name}`;
  return name;
}

/** Flink's rule: the inputs' group when they all share one, else `default`. */
function inheritedSlotSharingGroup(inputs: readonly ResolvedInput[]): string {
  if (inputs.length === 0) return DEFAULT_SLOT_SHARING_GROUP;
  const group = inputs[0].node.slotSharingGroup;
  return inputs.every((input) => input.node.slotSharingGroup === group) ? group : DEFAULT_SLOT_SHARING_GROUP;
}

function commonShape(shapes: readonly (RecordShape | undefined)[]): RecordShape | undefined {
  const first = shapes[0];
  if (first === undefined) return undefined;
  const key = JSON.stringify(Object.entries(first));
  return shapes.every((shape) => shape !== undefined && JSON.stringify(Object.entries(shape)) === key) ? first : undefined;
}
