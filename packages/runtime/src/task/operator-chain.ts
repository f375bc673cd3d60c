// Builds the operators of one job vertex, wired head to tail, with RecordWriters where the chain leaves the vertex.
import type { JobEdge, JobVertex } from '../graph/job-graph.js';
import { createPartitioner, type StreamPartitioner } from '../graph/partitioners.js';
import type { StreamNode } from '../graph/stream-graph.js';
import { KeyedProcessOperator, KeyedReduceOperator } from '../operators/keyed-operators.js';
import { FilterOperator, FlatMapOperator, MapOperator, ProcessOperator } from '../operators/record-operators.js';
import { DiscardSinkOperator, FileSinkOperator, FunctionSinkOperator, PrintSinkOperator } from '../operators/sink-operators.js';
import { FileSourceOperator, GeneratorSourceOperator } from '../operators/source-operators.js';
import { PoolMapOperator, type PoolJobModule } from '../operators/pool-map-operator.js';
import type { Output, SourceOperator, StreamOperator } from '../operators/stream-operator.js';
import { ThrottleOperator } from '../operators/throttle-operator.js';
import type { RecordWriter } from './record-writer.js';

/** An output that sends every record to a RecordWriter, choosing the subpartition with the edge's partitioner. */
class RecordWriterOutput<T> implements Output<T> {
  constructor(private readonly writer: RecordWriter<T>, private readonly partitioner: StreamPartitioner<T>) {}
  collect(record: T): void {
    this.writer.emit(record, this.partitioner.selectChannel(record));
  }
}

/** Flink's broadcast partitioner: every record to every subpartition. */
class BroadcastOutput<T> implements Output<T> {
  constructor(private readonly writer: RecordWriter<T>) {}
  collect(record: T): void {
    this.writer.broadcast(record);
  }
}

/** Several downstream targets (a chain that forks, or one operator feeding several edges). */
class FanOutOutput<T> implements Output<T> {
  constructor(private readonly outputs: Output<T>[]) {}
  collect(record: T): void {
    for (let i = 0; i < this.outputs.length; i++) this.outputs[i].collect(record);
  }
}

/** The next operator of the chain, as an output. */
class ChainedOutput<T> implements Output<T> {
  constructor(private readonly operator: StreamOperator<T>) {}
  collect(record: T): void {
    this.operator.processElement(record);
  }
}

/** A vertex's operators, built and wired. */
export interface OperatorChain {
  /** The first operator when the vertex reads inputs; null for a source vertex. */
  readonly head: StreamOperator<unknown> | null;
  /** The source when the vertex starts with one. */
  readonly source: SourceOperator<unknown> | null;
  /** Every operator, head first (sources included), for open/endInput/close in order. */
  readonly operators: Array<StreamOperator<unknown> | SourceOperator<unknown>>;
}

/**
 * Builds the chain of `vertex`: operators from tail to head, so each gets its output first; an operator
 * with out-edges inside the chain feeds the next operators directly, and one with the vertex's
 * out-edges writes to the RecordWriter of that edge's ResultPartition.
 *
 * @param writers one RecordWriter per vertex output, indexed by the edge's `resultPartitionIndex`
 */
export function buildOperatorChain(vertex: JobVertex, writers: RecordWriter<unknown>[], job: PoolJobModule): OperatorChain {
  const built = new Map<string, StreamOperator<unknown> | SourceOperator<unknown>>();
  const outputEdgesOf = (operatorId: string): JobEdge[] => vertex.outputs.filter((edge) => edge.sourceOperatorId === operatorId);
  for (let i = vertex.operators.length - 1; i >= 0; i--) {
    const node = vertex.operators[i];
    const targets: Output<unknown>[] = [];
    for (const edge of vertex.chainedEdges) {
      if (edge.sourceId !== node.id) continue;
      targets.push(new ChainedOutput(built.get(edge.targetId) as StreamOperator<unknown>));
    }
    for (const edge of outputEdgesOf(node.id)) {
      const writer = writers[edge.resultPartitionIndex];
      const partitioner = createPartitioner<unknown>(edge.partitioner, writer.numChannels, { keySelector: edge.keySelector });
      targets.push(partitioner.isBroadcast ? new BroadcastOutput(writer) : new RecordWriterOutput(writer, partitioner));
    }
    const output: Output<unknown> = targets.length === 1 ? targets[0] : new FanOutOutput(targets);
    built.set(node.id, createOperator(node, output, job));
  }
  const operators = vertex.operators.map((node) => built.get(node.id)!);
  const first = operators[0];
  const isSource = vertex.operators[0].kind.startsWith('source-');
  return {
    head: isSource ? null : (first as StreamOperator<unknown>),
    source: isSource ? (first as SourceOperator<unknown>) : null,
    operators,
  };
}

function createOperator(node: StreamNode, output: Output<unknown>, job: PoolJobModule): StreamOperator<unknown> | SourceOperator<unknown> {
  switch (node.kind) {
    case 'source-generator':
      return new GeneratorSourceOperator(node.fn, node.options.count, node.options.ratePerSecond, node.options.rateControl, output);
    case 'source-collection':
      // A collection is an unthrottled generator over its elements (`fn(i)` is element i).
      return new GeneratorSourceOperator(node.fn, node.options.count, Infinity, undefined, output);
    case 'source-file':
      return new FileSourceOperator(node.options.path, output as Output<string>);
    case 'map':
      return new MapOperator(node.fn, output);
    case 'filter':
      return new FilterOperator(node.fn, output);
    case 'flatMap':
      return new FlatMapOperator(node.fn, output);
    case 'process':
      return new ProcessOperator(node.fn, output);
    case 'keyed-reduce':
    case 'keyed-sum':
      return new KeyedReduceOperator(node.fn, node.keySelector, output);
    case 'keyed-process':
      return new KeyedProcessOperator(node.fn, node.keySelector, output);
    case 'sink-print':
      return new PrintSinkOperator(node.options.prefix, node.options.target);
    case 'sink-file':
      return new FileSinkOperator(node.options.path);
    case 'sink-discard':
      return new DiscardSinkOperator();
    case 'sink-function':
      return new FunctionSinkOperator(node.fn);
    case 'pool-map':
      return new PoolMapOperator(node.options.exportName, node.options.batchSize, node.options.maxThreads, node.options.maxInFlight, job, output);
    case 'throttle':
      return new ThrottleOperator(node.options.name, node.options.recordsPerSecond, output);
  }
}
