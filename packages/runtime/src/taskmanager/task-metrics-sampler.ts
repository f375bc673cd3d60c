// Samples one subtask's metrics on the TaskManager main thread: its shared-memory counters, rates over a sliding window, pool usages and remote channels.

import {
  epochMs, LocalBufferPool, type BuiltInputGate, type NetworkEnvironment, type ResultPartitionDescriptor, type TaskIoMetrics,
} from '@sluice/network';
import { TASK_COUNTERS, type TaskManagerMetricName, type TaskMetricName } from '../metrics/metric-names.js';
import { TaskMetricsWindow } from '../metrics/task-metrics-window.js';
import type { ExecutionState, InputChannelMetrics, TaskMetricsReport } from '../rpc/messages.js';

/**
 * Reads one subtask's metrics without any message to its worker: the counters its thread writes into shared
 * memory (`TaskIoMetrics`, waits in progress included), the usage of its output pools (Flink's outPoolUsage)
 * and of its remote input buffers (inPoolUsage, exclusive and floating), and each remote channel's credit,
 * backlog and queued buffers. Every {@link sample} adds the counters to a sliding window, from which the
 * per-second rates and the busy / idle / backpressured times per second come.
 *
 * Rates and gauges are reported only while the subtask is RUNNING (from {@link notifyState}): its start-up
 * (thread, module import, operator `open`) is neither idle nor backpressured and would read as busy. Before and
 * after, a sample is its counters alone (accumulated idle and backpressured time included), so the JobManager
 * does not judge a subtask that is not running. The gates array is the TaskManager's own and empties when the
 * subtask's gates are released.
 *
 * Owned by: the TaskManager main thread.
 */
export class TaskMetricsSampler {
  readonly #io: TaskIoMetrics;
  readonly #outputPools: LocalBufferPool[];
  readonly #gates: readonly BuiltInputGate[];
  readonly #window: TaskMetricsWindow;
  #isRunning = false;

  /**
   * @param env - the TaskManager's network, whose memory the pools live in
   * @param io - the subtask's counters (the TaskManager allocated them)
   * @param partitions - the subtask's result partitions
   * @param gates - the subtask's input gates (the live array the TaskManager empties on release)
   * @param windowMs - span of the rate window; default `DEFAULT_METRICS_WINDOW_MS`
   */
  constructor(env: NetworkEnvironment, io: TaskIoMetrics, partitions: readonly ResultPartitionDescriptor[], gates: readonly BuiltInputGate[], windowMs?: number) {
    this.#io = io;
    this.#outputPools = partitions.map((partition) => new LocalBufferPool(env.memory, partition.poolId, env.waitOptions));
    this.#gates = gates;
    this.#window = new TaskMetricsWindow(windowMs);
  }

  /** Follows the subtask's state: samples carry rates and gauges only while it is RUNNING. */
  notifyState(state: ExecutionState): void {
    this.#isRunning = state === 'RUNNING';
  }

  /** Takes a sample now and returns the subtask's report for the heartbeat. */
  sample(jobId: string, executionId: string): TaskMetricsReport {
    const now = epochMs();
    const values = this.#io.read(now);
    const metrics: Partial<Record<TaskMetricName, number>> = {};
    for (const name of TASK_COUNTERS) metrics[name] = values[name];
    const backPressured = values.softBackPressuredTimeMs + values.hardBackPressuredTimeMs;
    metrics.accumulatedIdleTime = values.idleTimeMs;
    metrics.accumulatedBackpressuredTime = backPressured;
    if (!this.#isRunning) return { jobId, executionId, metrics: metrics as Record<string, number> };

    this.#window.add(now, values);
    const rates = this.#window.rates();
    if (rates !== null) Object.assign(metrics, rates);
    const lifetime = Math.max(0, now - values.startTimeMs);
    metrics.accumulatedBusyTime = Math.max(0, lifetime - values.idleTimeMs - backPressured);
    this.#sampleOutputPools(metrics);
    const channels = this.#sampleInputBuffers(metrics);
    return { jobId, executionId, metrics: metrics as Record<string, number>, ...(channels.length > 0 ? { channels } : {}) };
  }

  #sampleOutputPools(metrics: Partial<Record<TaskMetricName, number>>): void {
    let inUse = 0;
    let size = 0;
    let isBackPressured = false;
    for (const pool of this.#outputPools) {
      inUse += pool.numInUse;
      size += pool.maxSegments;
      isBackPressured ||= !pool.isAvailable();
    }
    metrics.outPoolUsage = size === 0 ? 0 : inUse / size;
    metrics.isBackPressured = isBackPressured ? 1 : 0;
  }

  /**
   * Flink's input buffer gauges over remote channels only (local channels have no buffers of their own): a
   * buffer is in use while it holds data, not while it waits reserved for data (credit).
   */
  #sampleInputBuffers(metrics: Partial<Record<TaskMetricName, number>>): InputChannelMetrics[] {
    let exclusiveUsed = 0;
    let exclusiveTotal = 0;
    let floatingUsed = 0;
    let floatingTotal = 0;
    const channels: InputChannelMetrics[] = [];
    this.#gates.forEach((gate, gateIndex) => {
      if (gate.remote === null) return;
      const remoteIndexes = gate.descriptor.channels.flatMap((channel, index) => (channel.kind === 'remote' ? [index] : []));
      let reservedFloating = 0;
      gate.remote.channels.forEach((channel, i) => {
        const floating = channel.numReservedFloating;
        reservedFloating += floating;
        exclusiveUsed += Math.max(0, channel.exclusivePool.numInUse - (channel.numReservedBuffers - floating));
        exclusiveTotal += channel.exclusivePool.maxSegments;
        channels.push({
          gate: gateIndex,
          channel: remoteIndexes[i] ?? i,
          credit: channel.numReservedBuffers,
          unannouncedCredit: channel.numUnannouncedCredit,
          backlog: channel.backlog,
          queuedBuffers: channel.numQueuedBuffers,
          numBuffersIn: channel.numBuffersIn,
          numBytesIn: channel.numBytesIn,
        });
      });
      floatingUsed += Math.max(0, gate.remote.floatingPool.numInUse - reservedFloating);
      floatingTotal += gate.remote.floatingPool.maxSegments;
    });
    const share = (used: number, total: number): number => (total === 0 ? 0 : Math.min(1, used / total));
    metrics.inputExclusiveBuffersUsage = share(exclusiveUsed, exclusiveTotal);
    metrics.inputFloatingBuffersUsage = share(floatingUsed, floatingTotal);
    metrics.inPoolUsage = share(exclusiveUsed + floatingUsed, exclusiveTotal + floatingTotal);
    return channels;
  }
}

/** The TaskManager's own metrics: its network segments (Flink's names) and the process's memory. */
export function sampleTaskManagerMetrics(env: NetworkEnvironment): Record<TaskManagerMetricName, number> {
  const total = env.globalPool.numTotal;
  const available = env.globalPool.numAvailable;
  const memory = process.memoryUsage();
  return {
    'Status.Shuffle.Netty.TotalMemorySegments': total,
    'Status.Shuffle.Netty.AvailableMemorySegments': available,
    'Status.Shuffle.Netty.UsedMemorySegments': total - available,
    'Status.Node.Memory.Heap.Used': memory.heapUsed,
    'Status.Node.Memory.RSS': memory.rss,
  };
}
