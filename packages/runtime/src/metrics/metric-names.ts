// The names of every metric Sluice reports (Flink's where Flink has one): the vocabulary TaskManager, JobManager, REST, Prometheus, web UI and `sluice top` share. [pure]

/** Cumulative counters of one subtask (Flink's TaskIOMetricGroup), read from its shared-memory TaskIoMetrics. */
export const TASK_COUNTERS = ['numRecordsIn', 'numRecordsOut', 'numBytesInLocal', 'numBytesInRemote', 'numBytesOut', 'numBuffersIn', 'numBuffersOut'] as const;

/** A cumulative counter of a subtask. */
export type TaskCounterName = (typeof TASK_COUNTERS)[number];

/** Per-second rates of the counters over the TaskManager's sliding window (Flink's meters, `…PerSecond`). */
export const TASK_METERS = [
  'numRecordsInPerSecond', 'numRecordsOutPerSecond', 'numBytesInLocalPerSecond', 'numBytesInRemotePerSecond',
  'numBytesOutPerSecond', 'numBuffersInPerSecond', 'numBuffersOutPerSecond',
] as const satisfies ReadonlyArray<`${TaskCounterName}PerSecond`>;

/**
 * Milliseconds per second a subtask spent idle (waiting for input), backpressured (soft: waiting for an output
 * buffer with the mailbox still responsive; hard: blocked inside a buffer request or on a full subpartition queue) and busy (the rest): Flink's
 * task time gauges. idle + backPressured + busy = 1000 (backPressured = soft + hard).
 */
export const TASK_TIME_GAUGES = [
  'idleTimeMsPerSecond', 'busyTimeMsPerSecond', 'backPressuredTimeMsPerSecond', 'softBackPressuredTimeMsPerSecond', 'hardBackPressuredTimeMsPerSecond',
] as const;

/** The accumulated times since the subtask started, ms (Flink's `accumulatedIdleTime`, …). */
export const TASK_ACCUMULATED_TIMES = ['accumulatedIdleTime', 'accumulatedBusyTime', 'accumulatedBackpressuredTime'] as const;

/**
 * Buffer gauges of one subtask: share of its output pools in use, of its input buffers in use (remote channels
 * only, as Flink: exclusive plus floating; then each kind alone), and 1 while an output pool is unavailable now.
 */
export const TASK_BUFFER_GAUGES = ['outPoolUsage', 'inPoolUsage', 'inputExclusiveBuffersUsage', 'inputFloatingBuffersUsage', 'isBackPressured'] as const;

/** Every metric a subtask reports, in the order listings show them. */
export const TASK_METRICS = [...TASK_COUNTERS, ...TASK_METERS, ...TASK_TIME_GAUGES, ...TASK_ACCUMULATED_TIMES, ...TASK_BUFFER_GAUGES] as const;

/** The name of a metric a subtask reports. */
export type TaskMetricName = (typeof TASK_METRICS)[number];

/** Per TaskManager: its network segments (Flink's `Status.Shuffle.Netty.*MemorySegments`) and the process's memory. */
export const TASK_MANAGER_METRICS = [
  'Status.Shuffle.Netty.TotalMemorySegments',
  'Status.Shuffle.Netty.AvailableMemorySegments',
  'Status.Shuffle.Netty.UsedMemorySegments',
  'Status.Node.Memory.Heap.Used',
  'Status.Node.Memory.RSS',
] as const;

/** The name of a metric a TaskManager reports about itself. */
export type TaskManagerMetricName = (typeof TASK_MANAGER_METRICS)[number];

/** One line of help per metric, for Prometheus' `# HELP` and the docs. */
export const METRIC_HELP: Readonly<Record<TaskMetricName | TaskManagerMetricName, string>> = {
  numRecordsIn: 'Records this subtask received.',
  numRecordsOut: 'Records this subtask emitted.',
  numBytesInLocal: 'Bytes this subtask read from local channels.',
  numBytesInRemote: 'Bytes this subtask read from remote channels.',
  numBytesOut: 'Bytes this subtask wrote to its result partitions.',
  numBuffersIn: 'Network buffers this subtask read.',
  numBuffersOut: 'Network buffers this subtask filled.',
  numRecordsInPerSecond: 'Records received per second.',
  numRecordsOutPerSecond: 'Records emitted per second.',
  numBytesInLocalPerSecond: 'Bytes read from local channels per second.',
  numBytesInRemotePerSecond: 'Bytes read from remote channels per second.',
  numBytesOutPerSecond: 'Bytes written per second.',
  numBuffersInPerSecond: 'Network buffers read per second.',
  numBuffersOutPerSecond: 'Network buffers filled per second.',
  idleTimeMsPerSecond: 'Milliseconds per second spent waiting for input.',
  busyTimeMsPerSecond: 'Milliseconds per second neither idle nor backpressured.',
  backPressuredTimeMsPerSecond: 'Milliseconds per second waiting for output buffers (soft + hard).',
  softBackPressuredTimeMsPerSecond: 'Milliseconds per second the mailbox waited for output availability.',
  hardBackPressuredTimeMsPerSecond: 'Milliseconds per second the thread was blocked inside a buffer request or on a full subpartition queue.',
  accumulatedIdleTime: 'Milliseconds spent idle since the subtask started.',
  accumulatedBusyTime: 'Milliseconds spent busy since the subtask started.',
  accumulatedBackpressuredTime: 'Milliseconds spent backpressured since the subtask started.',
  outPoolUsage: 'Share of the output buffer pools in use (0..1).',
  inPoolUsage: 'Share of the remote input buffers (exclusive and floating) holding data (0..1).',
  inputExclusiveBuffersUsage: 'Share of the exclusive remote input buffers holding data (0..1).',
  inputFloatingBuffersUsage: 'Share of the floating remote input buffers holding data (0..1).',
  isBackPressured: '1 while an output pool of the subtask is unavailable, else 0.',
  'Status.Shuffle.Netty.TotalMemorySegments': 'Network memory segments of the TaskManager.',
  'Status.Shuffle.Netty.AvailableMemorySegments': 'Network memory segments free in the global pool.',
  'Status.Shuffle.Netty.UsedMemorySegments': 'Network memory segments held by buffer pools.',
  'Status.Node.Memory.Heap.Used': 'V8 heap bytes in use in the TaskManager process (main thread).',
  'Status.Node.Memory.RSS': 'Resident set size of the TaskManager process, bytes.',
};
