// Renders the cluster's metrics in the Prometheus text format through prom-client, with Flink's PrometheusReporter names and labels.

import { Gauge, Registry } from 'prom-client';
import type { InputChannelMetrics } from '../../rpc/messages.js';
import { METRIC_HELP, TASK_MANAGER_METRICS, TASK_METRICS, type TaskManagerMetricName, type TaskMetricName } from '../metric-names.js';

/** One subtask of a running job, as the reporter needs it. */
export interface PrometheusSubtask {
  jobId: string;
  jobName: string;
  /** The vertex (Flink's task) id and name. */
  taskId: string;
  taskName: string;
  subtaskIndex: number;
  attemptNumber: number;
  /** The TaskManager running it. */
  tmId: string;
  metrics: Readonly<Record<string, number>>;
  channels: readonly InputChannelMetrics[];
}

/** What one scrape reports: the JobManager's counts, each TaskManager's own metrics and every running subtask. */
export interface PrometheusView {
  numRegisteredTaskManagers: number;
  numRunningJobs: number;
  taskSlotsTotal: number;
  taskSlotsAvailable: number;
  taskManagers: ReadonlyArray<{ tmId: string; metrics: Readonly<Record<string, number>> | undefined }>;
  subtasks: readonly PrometheusSubtask[];
}

/** Labels of every subtask series: Flink's PrometheusReporter variables (`<job_id>` → `job_id`). */
const TASK_LABELS = ['job_id', 'job_name', 'task_id', 'task_name', 'subtask_index', 'task_attempt_num', 'tm_id'] as const;
const CHANNEL_LABELS = [...TASK_LABELS, 'gate_index', 'channel_index'] as const;

/** Flink's metric identifiers where they differ from the short name (the buffer gauges live under Shuffle.Netty). */
const FLINK_IDENTIFIER: Partial<Record<TaskMetricName, string>> = {
  outPoolUsage: 'Shuffle.Netty.Output.Buffers.outPoolUsage',
  inPoolUsage: 'Shuffle.Netty.Input.Buffers.inPoolUsage',
  inputExclusiveBuffersUsage: 'Shuffle.Netty.Input.Buffers.inputExclusiveBuffersUsage',
  inputFloatingBuffersUsage: 'Shuffle.Netty.Input.Buffers.inputFloatingBuffersUsage',
};

/** Per-channel gauges (not Flink metrics, hence the `sluice_` prefix). */
const CHANNEL_METRICS: ReadonlyArray<[keyof InputChannelMetrics, string, string]> = [
  ['credit', 'credit', 'Free buffers reserved for arriving data on a remote input channel (announced or not).'],
  ['backlog', 'backlog', 'Buffers the sender reported queued for a remote input channel.'],
  ['queuedBuffers', 'queued_buffers', 'Buffers received on a remote input channel and not yet consumed.'],
];

/** `flink_` + the scope and identifier with every character Prometheus forbids replaced by `_` (Flink's rule). */
export function prometheusName(scope: string, identifier: string): string {
  return `flink_${scope}_${identifier}`.replace(/[^a-zA-Z0-9_:]/g, '_');
}

/** The content type of {@link renderPrometheus}' text (Prometheus text exposition format 0.0.4). */
export const PROMETHEUS_CONTENT_TYPE = new Registry().contentType;

/**
 * Renders one scrape. Every value is a gauge, as in Flink's reporter (its counters can be reset, so they are
 * not Prometheus counters); series exist only for running jobs, so a stock Prometheus sees them end with the job.
 * A fresh registry per scrape keeps no state between scrapes and touches no global registry.
 */
export async function renderPrometheus(view: PrometheusView): Promise<string> {
  const registry = new Registry();
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> =>
    new Gauge({ name, help, labelNames: [...labelNames], registers: [registry] });

  const jobManager: Array<[string, string, number]> = [
    ['numRegisteredTaskManagers', 'TaskManagers registered with the JobManager.', view.numRegisteredTaskManagers],
    ['numRunningJobs', 'Jobs not yet FINISHED, FAILED or CANCELED.', view.numRunningJobs],
    ['taskSlotsTotal', 'Slots of all registered TaskManagers.', view.taskSlotsTotal],
    ['taskSlotsAvailable', 'Slots free for new jobs.', view.taskSlotsAvailable],
  ];
  for (const [name, help, value] of jobManager) gauge(prometheusName('jobmanager', name), help, []).set(value);

  for (const name of TASK_MANAGER_METRICS) {
    const series = gauge(prometheusName('taskmanager', name), METRIC_HELP[name as TaskManagerMetricName], ['tm_id']);
    for (const tm of view.taskManagers) {
      const value = tm.metrics?.[name];
      if (typeof value === 'number') series.set({ tm_id: tm.tmId }, value);
    }
  }

  for (const name of TASK_METRICS) {
    const series = gauge(prometheusName('taskmanager_job_task', FLINK_IDENTIFIER[name] ?? name), METRIC_HELP[name], TASK_LABELS);
    for (const subtask of view.subtasks) {
      const value = subtask.metrics[name];
      if (typeof value === 'number') series.set(labelsOf(subtask), value);
    }
  }

  for (const [field, suffix, help] of CHANNEL_METRICS) {
    const series = gauge(`sluice_taskmanager_job_task_input_channel_${suffix}`, help, CHANNEL_LABELS);
    for (const subtask of view.subtasks) {
      for (const channel of subtask.channels) {
        series.set({ ...labelsOf(subtask), gate_index: String(channel.gate), channel_index: String(channel.channel) }, channel[field]);
      }
    }
  }
  return registry.metrics();
}

function labelsOf(subtask: PrometheusSubtask): Record<(typeof TASK_LABELS)[number], string> {
  return {
    job_id: subtask.jobId,
    job_name: subtask.jobName,
    task_id: subtask.taskId,
    task_name: subtask.taskName,
    subtask_index: String(subtask.subtaskIndex),
    task_attempt_num: String(subtask.attemptNumber),
    tm_id: subtask.tmId,
  };
}
