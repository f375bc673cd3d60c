// Public API of @sluice/network: bytes, buffers, channels, credit and backlog — never records or jobs.
export { createTsWorker } from './threads/create-ts-worker.js';
export { waitForSignal, blockForSignal, raiseSignal } from './threads/wait-for-signal.js';
export { NetworkError, NETWORK_ERROR_CODES, serializeError, type NetworkErrorCode, type SerializedError } from './errors.js';
export { DEFAULT_NETWORK_OPTIONS, NETWORK_OPTION_KEYS, resolveNetworkOptions, type NetworkOptions, type ResolvedNetworkOptions } from './options.js';
export { NetworkMemory } from './memory/network-memory.js';
export { NetworkBufferPool } from './buffer/network-buffer-pool.js';
export { LocalBufferPool, type WaitOptions } from './buffer/local-buffer-pool.js';
export { NetworkEnvironment, type NetworkAttachment } from './network-environment.js';
export { BufferSlice } from './partition/buffer-slice.js';
export { END_OF_PARTITION_EVENT, EVENT_END_OF_PARTITION, FIRST_RUNTIME_EVENT_TYPE, MAX_EVENT_BYTES, encodeEvent, eventTypeOf } from './partition/events.js';
export { ResultSubpartition } from './partition/result-subpartition.js';
export { ResultSubpartitionView } from './partition/result-subpartition-view.js';
export { ResultPartition, type ResultPartitionDescriptor } from './partition/result-partition.js';
export { OutputFlusher } from './partition/output-flusher.js';
export { InputGate, type InputGateDescriptor } from './consumer/input-gate.js';
export type { InputChannel } from './consumer/input-channel.js';
export { LocalInputChannel } from './consumer/local-input-channel.js';
export { TaskIoMetrics, IO_METRIC, type IoMetricName } from './metrics/task-io-metrics.js';
