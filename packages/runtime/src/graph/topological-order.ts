// Kahn's algorithm over vertex ids: the one topological sort behind submit validation and deployment.

/** An edge as the sort needs it. */
export interface DirectedEdge {
  readonly sourceVertexId: string;
  readonly targetVertexId: string;
}

/**
 * The ids in topological order, ties kept in the order given (so an order that is already topological, as
 * `createJobGraph` makes it, comes back unchanged); null when the edges form a cycle.
 *
 * @throws RangeError when an edge names an id not in `ids`
 */
export function topologicalOrder(ids: readonly string[], edges: Iterable<DirectedEdge>): string[] | null {
  const indegree = new Map(ids.map((id) => [id, 0]));
  const outgoing = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const edge of edges) {
    if (!indegree.has(edge.sourceVertexId) || !indegree.has(edge.targetVertexId)) {
      throw new RangeError(`edge ${edge.sourceVertexId} → ${edge.targetVertexId} names an unknown vertex`);
    }
    indegree.set(edge.targetVertexId, indegree.get(edge.targetVertexId)! + 1);
    outgoing.get(edge.sourceVertexId)!.push(edge.targetVertexId);
  }
  const order: string[] = [];
  const done = new Set<string>();
  while (order.length < ids.length) {
    const next = ids.find((id) => !done.has(id) && indegree.get(id) === 0);
    if (next === undefined) return null;
    order.push(next);
    done.add(next);
    for (const target of outgoing.get(next)!) indegree.set(target, indegree.get(target)! - 1);
  }
  return order;
}
