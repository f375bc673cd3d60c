// Flink's operator chaining rules: when two operators joined by a StreamEdge run in one subtask, one after the other.

import { formatPartitioner } from './partitioners.js';
import { isSinkKind } from './operator-descriptor.js';
import type { StreamEdge, StreamGraph } from './stream-graph.js';

/**
 * Why `edge` does not chain its two operators, or `undefined` when it does (Flink's
 * `StreamingJobGraphGenerator.isChainable`). An edge chains when all of these hold:
 * 1. the downstream operator has exactly one input;
 * 2. chaining is enabled for the job;
 * 3. the partitioner is `forward` (keyBy, rebalance, rescale, … break chains);
 * 4. both operators have the same parallelism;
 * 5. both are in the same slot sharing group;
 * 6. the upstream operator allows chaining (not `disableChaining()`) and is not a sink;
 * 7. the downstream operator allows chaining to its input (not `disableChaining()`, `startNewChain()`, or a source).
 */
export function chainBreakReason(edge: StreamEdge, graph: StreamGraph): string | undefined {
  const upstream = graph.nodesById.get(edge.sourceId);
  const downstream = graph.nodesById.get(edge.targetId);
  if (upstream === undefined || downstream === undefined) return 'the edge is not in the graph';
  if (downstream.inEdges.length !== 1) return `"${downstream.name}" has ${downstream.inEdges.length} inputs`;
  if (!graph.config.isChainingEnabled) return 'chaining is disabled for the job';
  if (edge.partitioner.kind !== 'forward') return `the partitioner is ${formatPartitioner(edge.partitioner)}`;
  if (upstream.parallelism !== downstream.parallelism) {
    return `the parallelism changes from ${upstream.parallelism} to ${downstream.parallelism}`;
  }
  if (upstream.slotSharingGroup !== downstream.slotSharingGroup) {
    return `the slot sharing group changes from "${upstream.slotSharingGroup}" to "${downstream.slotSharingGroup}"`;
  }
  if (isSinkKind(upstream.kind)) return `"${upstream.name}" is a sink`;
  if (upstream.chainingStrategy === 'never') return `"${upstream.name}" has chaining disabled`;
  if (downstream.chainingStrategy === 'never') return `"${downstream.name}" has chaining disabled`;
  if (downstream.chainingStrategy === 'head') return `"${downstream.name}" starts a new chain`;
  return undefined;
}

/** True when `edge` chains its two operators into one subtask; see {@link chainBreakReason} for the rules. */
export function isChainable(edge: StreamEdge, graph: StreamGraph): boolean {
  return chainBreakReason(edge, graph) === undefined;
}
