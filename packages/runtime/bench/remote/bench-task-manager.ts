// A TaskManager process for the remote benchmarks and tests: network memory, a data server, subtask threads.
//
// Started by run-remote-topology.ts as `node --import tsx bench-task-manager.ts '<BenchTaskManagerArgs JSON>'`
// with an IPC channel; it runs producer and consumer subtasks in worker threads (../local/local-channel-worker.ts)
// over real local queues and real WebSocket connections to other such processes.
import type { Worker } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import {
  ConnectionManager, createTsWorker, DataServer, idFromHex, type WsConnection, NetworkEnvironment, NetworkService, TaskIoMetrics,
  type BuiltInputGate, type GateChannelSpec, type PartitionRequestClient, type ResultPartitionDescriptor,
} from '@sluice/network';

import type { LocalChannelWorkerData, FromLocalChannelWorker } from '../local/local-channel-messages.js';
import type { BenchTaskManagerArgs, FromBenchTaskManager, ToBenchTaskManager } from './bench-messages.js';

// Worker entry: ../local/local-channel-worker.ts
const WORKER_ENTRY = new URL('../local/local-channel-worker.ts', import.meta.url);

const args = JSON.parse(process.argv[2]) as BenchTaskManagerArgs;
const env = new NetworkEnvironment(args.network);
const service = new NetworkService(env);
const clients = new Map<WsConnection, PartitionRequestClient>();
const server = new DataServer({ createHandler: () => service.createServerHandler(), maxFrameBytes: env.options.segmentSizeBytes + 1024 });
const connections = new ConnectionManager({
  maxFrameBytes: env.options.segmentSizeBytes + 1024,
  createHandler: (connection) => {
    const client = service.createClientHandler();
    clients.set(connection as WsConnection, client);
    return client;
  },
});
const control = new SharedArrayBuffer(4 * 64);
const workers: Worker[] = [];
const partitions = new Map<string, ResultPartitionDescriptor>();
const gates: BuiltInputGate[] = [];
const consumerMetrics: Array<{ index: number; metrics: TaskIoMetrics }> = [];
let ownUrl = '';

function send(message: FromBenchTaskManager): void {
  process.send!(message);
}

async function deploy(message: Extract<ToBenchTaskManager, { type: 'deploy' }>): Promise<void> {
  const base = {
    network: env.attachment, serializer: message.serializer, edgeName: 'producer -> consumer', control,
    mode: message.mode, numRecords: message.numRecords, numProducers: message.numProducers, numConsumers: message.numConsumers,
    consumerRecordsPerSec: 0, payloadChars: message.payloadChars,
  };
  const ready: Promise<void>[] = [];
  const spawn = (data: LocalChannelWorkerData) => {
    const worker = createTsWorker(WORKER_ENTRY, { workerData: data });
    workers.push(worker);
    worker.on('error', (error) => send({ type: 'error', message: `${data.role} ${data.index}: ${error.stack ?? error.message}` }));
    ready.push(new Promise((resolve) => worker.once('message', () => resolve())));
    worker.on('message', (m: FromLocalChannelWorker) => {
      if (m.type === 'produced') send(m);
      if (m.type === 'consumed') send({ ...m, bytesIn: consumerMetrics.find((c) => c.index === m.index)!.metrics.get('numBytesInRemote') + consumerMetrics.find((c) => c.index === m.index)!.metrics.get('numBytesInLocal') });
    });
  };
  for (const producer of message.producers) {
    const descriptor = env.createResultPartition(producer.numSubpartitions);
    service.partitions.register(idFromHex(producer.partitionId), descriptor);
    partitions.set(producer.partitionId, descriptor);
    spawn({ ...base, role: 'producer', index: producer.index, partition: descriptor, metrics: TaskIoMetrics.create().sab });
  }
  for (const consumer of message.consumers) {
    const specs: GateChannelSpec[] = [];
    for (const channel of consumer.channels) {
      if (channel.producerUrl === ownUrl) {
        specs.push({ kind: 'local', queueId: partitions.get(channel.partitionId)!.queueIds[channel.subpartitionIndex] });
      } else {
        const connection = await connections.acquire(channel.producerUrl);
        specs.push({ kind: 'remote', producer: { connection, client: clients.get(connection)! }, partitionId: idFromHex(channel.partitionId), subpartitionIndex: channel.subpartitionIndex });
      }
    }
    const gate = service.createInputGate(specs);
    gates.push(gate);
    const metrics = TaskIoMetrics.create();
    consumerMetrics.push({ index: consumer.index, metrics });
    spawn({ ...base, role: 'consumer', index: consumer.index, gate: gate.descriptor, metrics: metrics.sab });
  }
  await Promise.all(ready);
  send({ type: 'deployed' });
}

async function shutdown(): Promise<void> {
  await Promise.all(workers.map((worker) => worker.terminate()));
  for (const gate of gates) service.releaseInputGate(gate);
  await connections.closeAll();
  await server.close();
  await service.close();
  let leaked = 0;
  for (const descriptor of partitions.values()) leaked += env.releasePartition(descriptor);
  leaked += env.globalPool.numTotal - env.globalPool.numAvailable;
  send({ type: 'closed', leakedSegments: leaked });
  process.disconnect();
}

process.on('message', (message: ToBenchTaskManager) => {
  const c = new Int32Array(control);
  switch (message.type) {
    case 'deploy':
      deploy(message).catch((error: Error) => send({ type: 'error', message: error.stack ?? error.message }));
      break;
    case 'start':
      for (const worker of workers) worker.postMessage({ type: 'start' });
      break;
    case 'stop':
      Atomics.store(c, 0, 1);
      break;
    case 'stall':
      Atomics.store(c, 1 + message.consumer, message.stalled ? 1 : 0);
      break;
    case 'sample':
      send({
        type: 'sample',
        atMs: performance.timeOrigin + performance.now(),
        consumers: consumerMetrics.map(({ index, metrics }) => ({ index, numRecordsIn: metrics.get('numRecordsIn') })),
        pools: gates.map((gate, i) => ({ consumer: consumerMetrics[i].index, buffersHeld: gate.remote?.numBuffersHeld ?? 0, maxBuffers: gate.remote === null ? 0 : gate.remote.channels.length * env.options.buffersPerChannel + env.options.floatingBuffersPerGate,
          channels: (gate.remote?.channels ?? []).map((c) => ({ reserved: c.numReservedBuffers, floating: c.numReservedFloating, queued: c.numQueuedBuffers, backlog: c.backlog })),
        })),
      });
      break;
    case 'shutdown':
      shutdown().catch((error: Error) => send({ type: 'error', message: error.stack ?? error.message }));
      break;
  }
});

const address = await server.listen();
ownUrl = address.url;
send({ type: 'listening', url: address.url });
