// Builds every TaskDeploymentDescriptor of a scheduled job from its JobGraphJson: partition ids, subpartitions, local/remote input channels, deployment order (pure).

import { createHash } from 'node:crypto';
import { connectSubtasks, type ExecutionEdge } from '../graph/execution-plan.js';
import type { JobEdgeJson, JobGraphJson, JobVertexJson } from '../graph/format-plan.js';
import { topologicalOrder } from '../graph/topological-order.js';
import type {
  InputChannelDescriptor,
  InputGateDeploymentDescriptor,
  ResultPartitionDeploymentDescriptor,
  TaskDeploymentDescriptor,
} from '../rpc/messages.js';
import type { SlotAssignment } from './scheduler.js';

/** What {@link createDeployment} needs besides the graph. */
export interface DeploymentInput {
  readonly jobId: string;
  readonly jobName: string;
  readonly graph: JobGraphJson;
  /** From `assignSlots`: every subtask's slot. */
  readonly assignment: SlotAssignment;
  /** The data server url of a TaskManager (`ws://host:port`), for remote input channels. */
  dataUrlOf(resourceId: string): string;
  /** Default 0 (no restarts yet). */
  readonly attemptNumber?: number;
}

/** One subtask to deploy, and where. */
export interface TaskDeployment {
  readonly resourceId: string;
  readonly tdd: TaskDeploymentDescriptor;
}

/** A job's deployment, in the order the JobManager sends it. */
export interface Deployment {
  /** The TaskManagers involved, in order of first use: each gets `DeployJobCode` once, before any `SubmitTask`. */
  readonly taskManagers: readonly string[];
  /** Every subtask: vertices in topological order (producers before their consumers), subtasks by index. */
  readonly tasks: readonly TaskDeployment[];
}

/**
 * The id of the ResultPartition that producer subtask `producerSubtaskIndex` writes for edge `edgeId` in job
 * `jobId`: the first 16 bytes of SHA-256 over the three, as 32 hex digits. Deterministic, so producer and consumer
 * descriptors agree without a table; the job id keeps two runs of the same graph on one TaskManager apart.
 */
export function partitionIdOf(jobId: string, edgeId: string, producerSubtaskIndex: number): string {
  return createHash('sha256').update(`${jobId}\0${edgeId}\0${producerSubtaskIndex}`, 'utf8').digest().subarray(0, 16).toString('hex');
}

/** `<vertexId>_<subtaskIndex>`, the execution id of a subtask (as in the execution plan). */
export function executionIdOf(vertexId: string, subtaskIndex: number): string {
  return `${vertexId}_${subtaskIndex}`;
}

/**
 * The vertices of `graph` in topological order (Kahn's algorithm, ties kept in the graph's own order, which
 * is already topological for graphs made by `createJobGraph`).
 *
 * @throws RangeError when the edges form a cycle or name an unknown vertex (validated graphs have neither).
 */
export function topologicalVertexOrder(graph: JobGraphJson): JobVertexJson[] {
  const order = topologicalOrder(graph.vertices.map((vertex) => vertex.id), graph.edges);
  if (order === null) throw new RangeError('the job graph has a cycle');
  const byId = new Map(graph.vertices.map((vertex) => [vertex.id, vertex]));
  return order.map((id) => byId.get(id)!);
}

/**
 * Builds the deployment of a scheduled job (Flink's TaskDeploymentDescriptorFactory):
 * - one produced partition per output edge of a subtask, with id {@link partitionIdOf} and one subpartition per
 *   consumer channel: the consumer parallelism for ALL_TO_ALL edges, the pointwise fan-out for forward/rescale
 *   (`connectSubtasks`, the same wiring the subtask's partitioner is built for);
 * - one input gate per input edge, one channel per producer subpartition it reads, `local` when the producer
 *   subtask runs on the same TaskManager, else `remote` at the producer TaskManager's data url.
 */
export function createDeployment(input: DeploymentInput): Deployment {
  const { jobId, jobName, graph, assignment } = input;
  const attemptNumber = input.attemptNumber ?? 0;
  const verticesById = new Map(graph.vertices.map((vertex) => [vertex.id, vertex]));
  const edgesById = new Map(graph.edges.map((edge) => [edge.id, edge]));
  const wiring = new Map(
    graph.edges.map((edge) => [
      edge.id,
      connectSubtasks(verticesById.get(edge.sourceVertexId)!.parallelism, verticesById.get(edge.targetVertexId)!.parallelism, edge.distributionPattern),
    ]),
  );
  const slotOf = (vertexId: string, subtaskIndex: number) => {
    const slot = assignment.get(vertexId)?.[subtaskIndex];
    if (slot === undefined) throw new RangeError(`no slot assigned to subtask ${subtaskIndex} of vertex ${vertexId}`);
    return slot;
  };

  const taskManagers: string[] = [];
  const tasks: TaskDeployment[] = [];
  for (const vertex of topologicalVertexOrder(graph)) {
    for (let subtaskIndex = 0; subtaskIndex < vertex.parallelism; subtaskIndex++) {
      const slot = slotOf(vertex.id, subtaskIndex);
      if (!taskManagers.includes(slot.resourceId)) taskManagers.push(slot.resourceId);

      const producedPartitions = vertex.outputs.map((edgeId): ResultPartitionDeploymentDescriptor => {
        const edge = edgesById.get(edgeId)!;
        return {
          edgeId,
          resultPartitionIndex: edge.resultPartitionIndex,
          partitionId: partitionIdOf(jobId, edgeId, subtaskIndex),
          numSubpartitions: wiring.get(edgeId)!.partitions[subtaskIndex].length,
          serializer: edge.serializer,
        };
      });

      const inputGates = vertex.inputs.map((edgeId): InputGateDeploymentDescriptor => {
        const edge: JobEdgeJson = edgesById.get(edgeId)!;
        const channels = wiring.get(edgeId)!.inputGates[subtaskIndex].map((channel: ExecutionEdge): InputChannelDescriptor => {
          const producerTm = slotOf(edge.sourceVertexId, channel.producerSubtaskIndex).resourceId;
          return {
            partitionId: partitionIdOf(jobId, edgeId, channel.producerSubtaskIndex),
            subpartitionIndex: channel.subpartitionIndex,
            producer: producerTm === slot.resourceId ? { location: 'local' } : { location: 'remote', dataUrl: input.dataUrlOf(producerTm) },
          };
        });
        return { edgeId, inputGateIndex: edge.inputGateIndex, serializer: edge.serializer, channels };
      });

      tasks.push({
        resourceId: slot.resourceId,
        tdd: {
          jobId,
          jobName,
          executionId: executionIdOf(vertex.id, subtaskIndex),
          vertexId: vertex.id,
          taskName: `${vertex.name} (${subtaskIndex + 1}/${vertex.parallelism})`,
          operatorIds: vertex.operators.map((operator) => operator.id),
          subtaskIndex,
          parallelism: vertex.parallelism,
          attemptNumber,
          slotIndex: slot.slotIndex,
          producedPartitions,
          inputGates,
        },
      });
    }
  }
  return { taskManagers, tasks };
}
