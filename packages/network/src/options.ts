// Defaults of the network package, each with its reason, and the one place they are validated.
import { availableParallelism } from 'node:os';
import { NetworkError } from './errors.js';

/** Network options as a user may give them; every field is optional. */
export interface NetworkOptions {
  /** `taskmanager.memory.segment-size`: bytes per network buffer. */
  segmentSizeBytes?: number;
  /** `taskmanager.network.numberOfBuffers`: segments in the TaskManager's one SharedArrayBuffer. */
  numSegments?: number;
  /** `taskmanager.network.memory.buffers-per-channel`: exclusive buffers (= initial credit) per remote channel. */
  buffersPerChannel?: number;
  /** `taskmanager.network.memory.floating-buffers-per-gate`: floating buffers shared by a gate's channels. */
  floatingBuffersPerGate?: number;
  /** `taskmanager.network.memory.max-buffers-per-channel`: buffers one subpartition may hold before its partition is unavailable. */
  maxBuffersPerChannel?: number;
  /** `execution.buffer-timeout`: ms between flushes of partly filled buffers; 0 = after every record; -1 = only when full. */
  bufferTimeoutMs?: number;
  /** `taskmanager.network.credit-model`: true = credit-based flow control (Flink ≥ 1.5), false = legacy (TCP-style). */
  creditModel?: boolean;
  /** `taskmanager.network.max-buffer-pools`: LocalBufferPools a TaskManager can hold at once. */
  maxPools?: number;
  /** `taskmanager.network.max-subpartition-queues`: subpartition (and remote receive) queues a TaskManager can hold at once. */
  maxQueues?: number;
  /** `taskmanager.network.queue-capacity`: entries (buffers + events) one subpartition queue can hold. */
  queueCapacity?: number;
  /** `taskmanager.network.spin-before-wait-us`: µs a thread polls before it sleeps on a shared word. */
  spinBeforeWaitMicros?: number;
  /** `taskmanager.network.wait-timeout`: ms after which every sleep wakes up and re-checks, in case a notify was missed. */
  waitTimeoutMs?: number;
}

/** Network options with every default filled in. */
export type ResolvedNetworkOptions = Required<NetworkOptions>;

/** The defaults, each with the reason it is what it is. */
export const DEFAULT_NETWORK_OPTIONS: ResolvedNetworkOptions = {
  segmentSizeBytes: 32 * 1024, // Flink's default: large enough to amortise per-buffer costs, small enough to flush often
  numSegments: 2048, // 64 MiB of network memory, Flink's `taskmanager.memory.network.min`
  buffersPerChannel: 2, // 1 buffer in flight + 1 being filled keeps a channel busy
  floatingBuffersPerGate: 8, // Flink's default: absorbs skew between a gate's channels
  maxBuffersPerChannel: 10, // Flink's default: stops one skewed subpartition from hoarding the pool
  bufferTimeoutMs: 100, // Flink's default: bounds latency at low load without per-record flushes
  creditModel: true, // credit-based flow control is the default since Flink 1.5; legacy is for experiments
  maxPools: 1024, // room for hundreds of subtasks per TaskManager; costs 64 B of shared memory each
  maxQueues: 4096, // one per subpartition and per remote channel; costs 2 KiB of shared memory each at the default capacity
  queueCapacity: 32, // > max-buffers-per-channel + events in flight; a full queue is a hard wait
  spinBeforeWaitMicros: availableParallelism() >= 4 ? 50 : 0, // a spin avoids a sleep's wake-up cost, but only pays with a spare core: on 2 cores it slowed remote credit ~15 %
  waitTimeoutMs: 50, // a notify can be missed (a waiter that re-checks late): never sleep longer than this
};

/** Flink-style configuration key of each option, for error messages and YAML. */
export const NETWORK_OPTION_KEYS: Record<keyof NetworkOptions, string> = {
  segmentSizeBytes: 'taskmanager.memory.segment-size',
  numSegments: 'taskmanager.network.numberOfBuffers',
  buffersPerChannel: 'taskmanager.network.memory.buffers-per-channel',
  floatingBuffersPerGate: 'taskmanager.network.memory.floating-buffers-per-gate',
  maxBuffersPerChannel: 'taskmanager.network.memory.max-buffers-per-channel',
  bufferTimeoutMs: 'execution.buffer-timeout',
  creditModel: 'taskmanager.network.credit-model',
  maxPools: 'taskmanager.network.max-buffer-pools',
  maxQueues: 'taskmanager.network.max-subpartition-queues',
  queueCapacity: 'taskmanager.network.queue-capacity',
  spinBeforeWaitMicros: 'taskmanager.network.spin-before-wait-us',
  waitTimeoutMs: 'taskmanager.network.wait-timeout',
};

function checkInt(options: ResolvedNetworkOptions, key: keyof NetworkOptions, min: number, max: number): void {
  const value = options[key];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new NetworkError(
      'ERR_NET_BAD_OPTION',
      `${NETWORK_OPTION_KEYS[key]} must be an integer in [${min}, ${max}], got ${JSON.stringify(value)}`,
    );
  }
}

/**
 * Fills in defaults and validates every option once, throwing `ERR_NET_BAD_OPTION` naming the key.
 * Unknown keys are rejected too, so a typo never silently falls back to a default.
 */
export function resolveNetworkOptions(options: NetworkOptions = {}): ResolvedNetworkOptions {
  for (const key of Object.keys(options)) {
    if (!(key in DEFAULT_NETWORK_OPTIONS)) {
      throw new NetworkError('ERR_NET_BAD_OPTION', `unknown network option "${key}"`);
    }
  }
  const resolved: ResolvedNetworkOptions = { ...DEFAULT_NETWORK_OPTIONS };
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined) (resolved as unknown as Record<string, unknown>)[key] = value;
  }
  checkInt(resolved, 'segmentSizeBytes', 256, 16 * 1024 * 1024);
  if (resolved.segmentSizeBytes % 8 !== 0) {
    throw new NetworkError('ERR_NET_BAD_OPTION', `${NETWORK_OPTION_KEYS.segmentSizeBytes} must be a multiple of 8, got ${resolved.segmentSizeBytes}`);
  }
  checkInt(resolved, 'numSegments', 1, 1 << 20);
  if (resolved.numSegments * resolved.segmentSizeBytes > 2 ** 31 - 1) {
    throw new NetworkError('ERR_NET_BAD_OPTION', `network memory of ${resolved.numSegments} × ${resolved.segmentSizeBytes} bytes exceeds 2 GiB`);
  }
  checkInt(resolved, 'buffersPerChannel', 0, 1024);
  checkInt(resolved, 'floatingBuffersPerGate', 0, 1 << 16);
  checkInt(resolved, 'maxBuffersPerChannel', 1, 1 << 16);
  checkInt(resolved, 'bufferTimeoutMs', -1, 3_600_000);
  if (typeof resolved.creditModel !== 'boolean') {
    throw new NetworkError('ERR_NET_BAD_OPTION', `${NETWORK_OPTION_KEYS.creditModel} must be true or false, got ${JSON.stringify(resolved.creditModel)}`);
  }
  checkInt(resolved, 'maxPools', 1, 1 << 16);
  checkInt(resolved, 'maxQueues', 1, 1 << 18);
  checkInt(resolved, 'queueCapacity', 4, 1 << 16);
  if ((resolved.queueCapacity & (resolved.queueCapacity - 1)) !== 0) {
    throw new NetworkError('ERR_NET_BAD_OPTION', `${NETWORK_OPTION_KEYS.queueCapacity} must be a power of two, got ${resolved.queueCapacity}`);
  }
  if (resolved.queueCapacity <= resolved.maxBuffersPerChannel + 1) {
    throw new NetworkError(
      'ERR_NET_BAD_OPTION',
      `${NETWORK_OPTION_KEYS.queueCapacity} (${resolved.queueCapacity}) must exceed ${NETWORK_OPTION_KEYS.maxBuffersPerChannel} + 1 (${resolved.maxBuffersPerChannel + 1})`,
    );
  }
  checkInt(resolved, 'spinBeforeWaitMicros', 0, 1_000_000);
  checkInt(resolved, 'waitTimeoutMs', 1, 60_000);
  return resolved;
}
