// Slot sharing: how many slots a job needs and which slot runs each of its subtasks (pure).

import type { JobGraphJson } from '../graph/format-plan.js';
import { requiredSlots } from '../graph/job-graph.js';
import type { SlotPool, SlotRef } from './slot-pool.js';

/** Where each subtask runs: vertex id → the slot of each subtask, indexed by subtask index. */
export type SlotAssignment = ReadonlyMap<string, readonly SlotRef[]>;

/** One slot sharing group of a job, in the order its first vertex appears. */
export interface SlotSharingGroupInfo {
  readonly name: string;
  /** The largest parallelism of the group's vertices: the slots it needs. */
  readonly numSlots: number;
  readonly vertexIds: readonly string[];
}

/** The slot sharing groups of `graph`, in the order of their first vertex. */
export function slotSharingGroupsOf(graph: JobGraphJson): SlotSharingGroupInfo[] {
  const groups = new Map<string, { numSlots: number; vertexIds: string[] }>();
  for (const vertex of graph.vertices) {
    const group = groups.get(vertex.slotSharingGroup) ?? { numSlots: 0, vertexIds: [] };
    group.numSlots = Math.max(group.numSlots, vertex.parallelism);
    group.vertexIds.push(vertex.id);
    groups.set(vertex.slotSharingGroup, group);
  }
  return [...groups].map(([name, group]) => ({ name, ...group }));
}

/**
 * Assigns subtasks to `slots` (exactly {@link requiredSlots} of them, as allocated): group g takes the next
 * `numSlots` slots in order, and subtask i of every vertex in g runs in the group's i-th slot.
 *
 * ```
 *  group "default" (max parallelism 2)      slots  [tm-a#0, tm-b#0]
 *    Source (p=2)  subtask 0 → tm-a#0, subtask 1 → tm-b#0
 *    Sink   (p=1)  subtask 0 → tm-a#0                      (shares the slot with Source 0)
 * ```
 */
export function assignSlots(graph: JobGraphJson, slots: readonly SlotRef[]): SlotAssignment {
  const needed = requiredSlots(graph);
  if (slots.length !== needed) throw new RangeError(`assignSlots needs exactly ${needed} slots, got ${slots.length}`);
  const verticesById = new Map(graph.vertices.map((vertex) => [vertex.id, vertex]));
  const assignment = new Map<string, SlotRef[]>();
  let offset = 0;
  for (const group of slotSharingGroupsOf(graph)) {
    const groupSlots = slots.slice(offset, offset + group.numSlots);
    offset += group.numSlots;
    for (const vertexId of group.vertexIds) {
      const vertex = verticesById.get(vertexId)!;
      assignment.set(vertexId, groupSlots.slice(0, vertex.parallelism));
    }
  }
  return assignment;
}

/**
 * Allocates the slots `graph` needs from `pool` for `jobId` and assigns its subtasks to them.
 *
 * @throws RuntimeError `ERR_RT_NOT_ENOUGH_SLOTS` (nothing is allocated then).
 */
export function scheduleJob(pool: SlotPool, jobId: string, graph: JobGraphJson): { slots: SlotRef[]; assignment: SlotAssignment } {
  const slots = pool.allocate(jobId, requiredSlots(graph), `job "${graph.jobName}"`);
  return { slots, assignment: assignSlots(graph, slots) };
}
