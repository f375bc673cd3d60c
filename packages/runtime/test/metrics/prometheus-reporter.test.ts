// The Prometheus rendering: valid exposition text, Flink's names and labels, running subtasks only as given.
import { describe, expect, it } from 'vitest';
import { prometheusName, renderPrometheus, type PrometheusView } from '../../src/metrics/reporters/prometheus-reporter.js';
import { parsePrometheusText } from '../utils/prometheus-text.js';

const VIEW: PrometheusView = {
  numRegisteredTaskManagers: 1,
  numRunningJobs: 1,
  taskSlotsTotal: 4,
  taskSlotsAvailable: 2,
  taskManagers: [{ tmId: 'tm-1', metrics: { 'Status.Shuffle.Netty.TotalMemorySegments': 2048, 'Status.Shuffle.Netty.UsedMemorySegments': 12 } }],
  subtasks: [
    {
      jobId: 'a'.repeat(32), jobName: 'odd "name"\nwith \\ escapes', taskId: 'b'.repeat(32), taskName: 'Source: gen', subtaskIndex: 1, attemptNumber: 0, tmId: 'tm-1',
      metrics: { numRecordsOut: 1234, busyTimeMsPerSecond: 12.5, backPressuredTimeMsPerSecond: 980, outPoolUsage: 1 },
      channels: [{ gate: 0, channel: 2, credit: 3, unannouncedCredit: 1, backlog: 7, queuedBuffers: 4, numBuffersIn: 10, numBytesIn: 3000 }],
    },
  ],
};

describe('renderPrometheus', () => {
  it("writes text a Prometheus scrape accepts, with Flink's metric names and labels", async () => {
    const exposition = parsePrometheusText(await renderPrometheus(VIEW));
    const sample = (name: string) => exposition.samples.find((s) => s.name === name);
    expect(exposition.types.get('flink_taskmanager_job_task_busyTimeMsPerSecond')).toBe('gauge');
    expect(sample('flink_taskmanager_job_task_busyTimeMsPerSecond')).toEqual({
      name: 'flink_taskmanager_job_task_busyTimeMsPerSecond',
      labels: { job_id: 'a'.repeat(32), job_name: 'odd "name"\nwith \\ escapes', task_id: 'b'.repeat(32), task_name: 'Source: gen', subtask_index: '1', task_attempt_num: '0', tm_id: 'tm-1' },
      value: 12.5,
    });
    expect(sample('flink_taskmanager_job_task_Shuffle_Netty_Output_Buffers_outPoolUsage')?.value).toBe(1);
    expect(sample('flink_taskmanager_Status_Shuffle_Netty_TotalMemorySegments')).toMatchObject({ labels: { tm_id: 'tm-1' }, value: 2048 });
    expect(sample('flink_jobmanager_taskSlotsAvailable')?.value).toBe(2);
    expect(sample('sluice_taskmanager_job_task_input_channel_backlog')).toMatchObject({ labels: { gate_index: '0', channel_index: '2' }, value: 7 });
    // Metrics a subtask did not report have a family (HELP, TYPE) but no series.
    expect(exposition.types.has('flink_taskmanager_job_task_idleTimeMsPerSecond')).toBe(true);
    expect(sample('flink_taskmanager_job_task_idleTimeMsPerSecond')).toBeUndefined();
  });

  it('replaces every character Prometheus forbids in a name by an underscore', () => {
    expect(prometheusName('taskmanager', 'Status.Node.Memory.Heap.Used')).toBe('flink_taskmanager_Status_Node_Memory_Heap_Used');
  });
});

describe('parsePrometheusText (the test parser itself)', () => {
  it('rejects what Prometheus rejects', () => {
    expect(() => parsePrometheusText('bad-name 1\n')).toThrow(/line 1/);
    expect(() => parsePrometheusText('x{a="1} 1\n')).toThrow(/unterminated/);
    expect(() => parsePrometheusText('x one\n')).toThrow(/not a float/);
    expect(() => parsePrometheusText('x 1\n# TYPE x gauge\n')).toThrow(/TYPE after samples/);
    expect(() => parsePrometheusText('x{a="1"} 1\nx{a="1"} 2\n')).toThrow(/duplicate/);
    expect(parsePrometheusText('# HELP x y\n# TYPE x gauge\nx{a="q\\"uote"} NaN\n').samples[0].labels.a).toBe('q"uote');
  });
});
