// The body of a subtask thread: rebuild the job's graph, take this subtask's vertex, wire its I/O, run, report.
import { InputGate, NetworkMemory, ResultPartition, serializeError, TaskIoMetrics } from '@sluice/network';
import { RuntimeError } from '../errors.js';
import type { OperatorContext } from '../operators/stream-operator.js';
import { createSerializer } from '../serialization/create-serializer.js';
import { RecordDeserializer } from '../serialization/record-deserializer.js';
import { importJobPlan } from './import-job-plan.js';
import { buildOperatorChain } from './operator-chain.js';
import { RecordWriter } from './record-writer.js';
import { StreamTask, type TaskInput } from './stream-task.js';
import type { FromSubtask, SubtaskWorkerData, ToSubtask } from './subtask-messages.js';

/** The two ends of the subtask's message port, as the worker entry passes them in. */
export interface SubtaskPort {
  post(message: FromSubtask): void;
  onMessage(listener: (message: ToSubtask) => void): void;
}

/**
 * Runs one subtask to its end and reports every state change through `port`. Any error — the job code
 * failing to load, an unknown vertex, a user function throwing — is reported as `failed` with its name,
 * code, message and stack, so the JobManager can show where it came from.
 */
export async function runSubtask(data: SubtaskWorkerData, port: SubtaskPort): Promise<void> {
  const { tdd } = data;
  let task: StreamTask | null = null;
  let cancelRequested = false;
  const throttles = new Map(Object.entries(data.throttles));
  port.onMessage((message) => {
    if (message.type === 'cancel') {
      cancelRequested = true;
      task?.cancel();
    } else if (message.type === 'setThrottle') {
      throttles.set(message.name, message.recordsPerSecond);
    }
  });
  try {
    port.post({ type: 'state', state: 'INITIALIZING' });
    const plan = await importJobPlan(data.jobModuleUrl, { programArgs: data.programArgs, contextConfig: data.contextConfig });
    const vertex = plan.jobGraph.verticesById.get(tdd.vertexId);
    if (vertex === undefined) {
      throw new RuntimeError(
        'ERR_RT_UNKNOWN_OPERATOR',
        `vertex ${tdd.vertexId} (${tdd.taskName}) is not in the graph the job code builds on this TaskManager: the program must build the same graph everywhere (same code, arguments and parallelism)`,
      );
    }
    const rebuilt = vertex.operators.map((operator) => operator.id);
    if (tdd.operatorIds !== undefined && rebuilt.join() !== tdd.operatorIds.join()) {
      throw new RuntimeError(
        'ERR_RT_UNKNOWN_OPERATOR',
        `the job code builds a different chain for ${tdd.taskName} on this TaskManager (operators ${rebuilt.join(', ')}) than it did in the client (${tdd.operatorIds.join(', ')}): the program must build the same graph everywhere (same code, arguments and parallelism)`,
      );
    }
    const memory = NetworkMemory.attach(data.network.sab);
    const waitOptions = { spinBeforeWaitMicros: data.network.options.spinBeforeWaitMicros, waitTimeoutMs: data.network.options.waitTimeoutMs };
    const metrics = new TaskIoMetrics(data.metrics);
    const bufferTimeoutMs = plan.jobGraph.config.bufferTimeoutMs;
    const writers: RecordWriter<unknown>[] = [];
    const partitions: ResultPartition[] = [];
    tdd.producedPartitions.forEach((spec, i) => {
      const partition = new ResultPartition(memory, data.partitions[i], waitOptions, metrics);
      const edge = vertex.outputs.find((e) => e.id === spec.edgeId);
      partitions.push(partition);
      writers[spec.resultPartitionIndex] = new RecordWriter(partition, createSerializer(spec.serializer, edge?.name ?? spec.edgeId), bufferTimeoutMs === 0);
    });
    const inputs: TaskInput[] = tdd.inputGates.map((spec, i) => {
      const gate = new InputGate(memory, data.gates[i], waitOptions, metrics);
      const edge = vertex.inputs.find((e) => e.id === spec.edgeId);
      return { gate, deserializers: gate.channels.map(() => new RecordDeserializer(createSerializer(spec.serializer, edge?.name ?? spec.edgeId))) };
    });
    const chain = buildOperatorChain(vertex, writers, { jobModuleUrl: data.jobModuleUrl, programArgs: data.programArgs, contextConfig: data.contextConfig });
    const context: OperatorContext = {
      taskName: vertex.name, subtaskIndex: tdd.subtaskIndex, parallelism: tdd.parallelism, maxParallelism: vertex.maxParallelism,
      config: plan.jobGraph.config, throttles,
    };
    task = new StreamTask(memory, chain, inputs, partitions, writers, context, metrics, bufferTimeoutMs);
    if (cancelRequested) task.cancel();
    port.post({ type: 'state', state: 'RUNNING' });
    const completed = await task.run();
    port.post(completed ? { type: 'finished' } : { type: 'canceled' });
  } catch (error) {
    port.post(cancelRequested ? { type: 'canceled' } : { type: 'failed', error: serializeError(error) });
  }
}
