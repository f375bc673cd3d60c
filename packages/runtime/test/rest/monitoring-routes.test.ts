// The monitoring routes of the REST API against a JobManager fed heartbeats by a fake TaskManager: backpressure, metric queries, Prometheus, web UI, and their 400/404 answers.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobManagerHandle } from '../../src/jobmanager/job-manager-handle.js';
import type { TaskDeploymentDescriptor } from '../../src/rpc/messages.js';
import { FakeTaskManager, startTestJobManager, waitFor } from '../jobmanager/fake-task-manager.js';
import { sourceToSink, submission } from '../jobmanager/graphs.js';
import { parsePrometheusText } from '../utils/prometheus-text.js';

const UNKNOWN_ID = 'ffffffffffffffffffffffffffffffff';

let jm: JobManagerHandle;
let tm: FakeTaskManager;
let rest: (path: string, init?: RequestInit) => Promise<{ status: number; body: any }>;
let jobId: string;
let source: string;
let map: string;

/** Per-subtask metrics a TaskManager would report: the source backpressured (one subtask high, one low), the map busy. */
function metricsOf(tdd: TaskDeploymentDescriptor): Record<string, number> {
  const isSource = tdd.vertexId === source;
  const [backPressured, idle] = isSource ? (tdd.subtaskIndex === 0 ? [930, 20] : [400, 100]) : [0, 10];
  return {
    numRecordsIn: isSource ? 0 : 1000 * (tdd.subtaskIndex + 1),
    numRecordsOut: 1000 * (tdd.subtaskIndex + 1),
    numBytesOut: 4096,
    numRecordsOutPerSecond: 500 + tdd.subtaskIndex,
    backPressuredTimeMsPerSecond: backPressured,
    idleTimeMsPerSecond: idle,
    busyTimeMsPerSecond: 1000 - backPressured - idle,
    outPoolUsage: isSource ? 1 : 0.1,
  };
}

function sendHeartbeat(tdds: readonly TaskDeploymentDescriptor[] = tm.submitted): void {
  tm.sendRaw({
    type: 'Heartbeat',
    resourceId: tm.resourceId,
    tasks: tdds.map((tdd) => ({
      jobId,
      executionId: tdd.executionId,
      metrics: metricsOf(tdd),
      ...(tdd.vertexId === map ? { channels: [{ gate: 0, channel: 1, credit: 2, unannouncedCredit: 0, backlog: 3, queuedBuffers: 4, numBuffersIn: 5, numBytesIn: 6 }] } : {}),
    })),
    taskManager: { 'Status.Shuffle.Netty.TotalMemorySegments': 2048, 'Status.Shuffle.Netty.AvailableMemorySegments': 2000, 'Status.Shuffle.Netty.UsedMemorySegments': 48 },
  });
}

beforeEach(async () => {
  const started = await startTestJobManager();
  jm = started.jm;
  rest = started.rest;
  tm = await FakeTaskManager.register(jm.rpcUrl, { resourceId: 'tm-a', numSlots: 4, heartbeatIntervalMs: 0 });
  const graph = sourceToSink(2, 2);
  [source, map] = graph.vertices.map((vertex) => vertex.id);
  jobId = (await rest('/jobs', { method: 'POST', body: JSON.stringify(submission(graph)) })).body.jobid;
  await waitFor('deployment', () => tm.submitted.length === 4);
  for (const tdd of tm.submitted) tm.report(tdd, 'RUNNING');
});

afterEach(async () => {
  await tm.close();
  await jm.close();
});

describe('GET /jobs/:jobid/vertices/:vertexid/backpressure', () => {
  it('is deprecated (no level) before any metrics, then gives each subtask its ratios and the vertex the worst level', async () => {
    expect((await rest(`/jobs/${jobId}/vertices/${source}/backpressure`)).body).toEqual({ status: 'deprecated' });
    sendHeartbeat();
    const answer = await waitFor('metrics', async () => {
      const { body } = await rest(`/jobs/${jobId}/vertices/${source}/backpressure`);
      return body.status === 'ok' ? body : undefined;
    });
    expect(answer).toEqual({
      'status': 'ok',
      'backpressureLevel': 'high',
      'end-timestamp': expect.any(Number),
      'subtasks': [
        { 'subtask': 0, 'attempt-number': 0, 'backpressureLevel': 'high', 'ratio': 0.93, 'idleRatio': 0.02, 'busyRatio': 0.05 },
        { 'subtask': 1, 'attempt-number': 0, 'backpressureLevel': 'low', 'ratio': 0.4, 'idleRatio': 0.1, 'busyRatio': 0.5 },
      ],
    });
    expect((await rest(`/jobs/${jobId}/vertices/${map}/backpressure`)).body).toMatchObject({ backpressureLevel: 'ok', subtasks: [{ busyRatio: 0.99 }, { busyRatio: 0.99 }] });
  });
});

describe('heartbeat task reports', () => {
  it('go to the job they name, even when a second run of the same graph has the same execution ids', async () => {
    const graph = sourceToSink(2, 2);
    const secondJobId = (await rest('/jobs', { method: 'POST', body: JSON.stringify(submission(graph)) })).body.jobid;
    await waitFor('second deployment', () => tm.submitted.length === 8);
    const [first, second] = [tm.submitted.slice(0, 4), tm.submitted.slice(4)];
    for (const tdd of second) tm.report(tdd, 'RUNNING');
    expect(second.map((tdd) => tdd.executionId)).toEqual(first.map((tdd) => tdd.executionId)); // the premise
    sendHeartbeat(first); // only the first job's subtasks report
    await waitFor('metrics', async () => (await rest(`/jobs/${jobId}/vertices/${source}/backpressure`)).body.status === 'ok');
    expect((await rest(`/jobs/${secondJobId}/vertices/${source}/backpressure`)).body).toEqual({ status: 'deprecated' });
  });
});

describe('metric queries', () => {
  beforeEach(async () => {
    sendHeartbeat();
    await waitFor('metrics', async () => (await rest(`/jobs/${jobId}/vertices/${map}/backpressure`)).body.status === 'ok');
  });

  it('aggregates subtask metrics as Flink does: names without get, min/max/avg/sum with it, narrowed by agg and subtasks', async () => {
    const base = `/jobs/${jobId}/vertices/${source}/subtasks/metrics`;
    expect((await rest(base)).body).toEqual(expect.arrayContaining([{ id: 'numRecordsOut' }, { id: 'busyTimeMsPerSecond' }, { id: 'outPoolUsage' }]));
    expect((await rest(`${base}?get=numRecordsOut,noSuchMetric,busyTimeMsPerSecond`)).body).toEqual([
      { id: 'numRecordsOut', min: 1000, max: 2000, avg: 1500, sum: 3000 },
      { id: 'busyTimeMsPerSecond', min: 50, max: 500, avg: 275, sum: 550 },
    ]);
    expect((await rest(`${base}?get=numRecordsOut&agg=max,sum`)).body).toEqual([{ id: 'numRecordsOut', max: 2000, sum: 3000 }]);
    expect((await rest(`${base}?get=numRecordsOut&subtasks=1-3`)).body).toEqual([{ id: 'numRecordsOut', min: 2000, max: 2000, avg: 2000, sum: 2000 }]);
    expect((await rest(`/jobs/${jobId}/vertices/${source}/subtasks/1/metrics?get=numRecordsOut,outPoolUsage`)).body).toEqual([
      { id: 'numRecordsOut', value: '2000' },
      { id: 'outPoolUsage', value: '1' },
    ]);
  });

  it("answers a TaskManager's own metrics with Flink's ids and text values", async () => {
    const { body } = await rest('/taskmanagers/tm-a/metrics?get=Status.Shuffle.Netty.UsedMemorySegments,Status.Shuffle.Netty.TotalMemorySegments');
    expect(body).toEqual([
      { id: 'Status.Shuffle.Netty.UsedMemorySegments', value: '48' },
      { id: 'Status.Shuffle.Netty.TotalMemorySegments', value: '2048' },
    ]);
    expect((await rest('/taskmanagers/tm-a/metrics')).body).toContainEqual({ id: 'Status.Shuffle.Netty.AvailableMemorySegments' });
  });

  it('adds records and bytes to the job details (Flink keys) and lists the vertex subtasks', async () => {
    const details = (await rest(`/jobs/${jobId}`)).body;
    expect(details.vertices[0].metrics).toMatchObject({ 'write-records': 3000, 'write-bytes': 8192, 'numRecordsOutPerSecond': 1001, 'busyTimeMsPerSecond': 500 });
    const vertex = (await rest(`/jobs/${jobId}/vertices/${map}`)).body;
    expect(vertex).toMatchObject({ id: map, parallelism: 2, subtasks: [{ 'subtask': 0, 'status': 'RUNNING', 'taskmanager-id': 'tm-a', 'metrics': { 'read-records': 1000, 'read-records-complete': true } }, { subtask: 1 }] });
  });

  it('serves /metrics in the Prometheus text format with a series per subtask', async () => {
    const response = await fetch(`${jm.restUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const { samples } = parsePrometheusText(await response.text());
    const busy = samples.filter((s) => s.name === 'flink_taskmanager_job_task_busyTimeMsPerSecond');
    expect(busy.map((s) => [s.labels.task_id, s.labels.subtask_index, s.value]).sort()).toEqual([
      [map, '0', 990], [map, '1', 990], [source, '0', 50], [source, '1', 500],
    ].sort());
    expect(busy[0].labels).toMatchObject({ job_id: jobId, job_name: 'source to sink', tm_id: 'tm-a' });
    expect(samples.filter((s) => s.name === 'sluice_taskmanager_job_task_input_channel_queued_buffers')).toHaveLength(2);
    expect(samples.find((s) => s.name === 'flink_jobmanager_numRunningJobs')?.value).toBe(1);
  });
});

describe('errors of the monitoring routes', () => {
  it('answers unknown ids with 404 and malformed ones or parameters with 400, as JSON errors', async () => {
    const cases: Array<[string, number, string]> = [
      [`/jobs/${UNKNOWN_ID}/vertices/${source}/backpressure`, 404, 'ERR_RT_UNKNOWN_JOB'],
      [`/jobs/${jobId}/vertices/${UNKNOWN_ID}/backpressure`, 404, 'ERR_RT_NOT_FOUND'],
      [`/jobs/${jobId}/vertices/${UNKNOWN_ID}`, 404, 'ERR_RT_NOT_FOUND'],
      [`/jobs/${jobId}/vertices/${source}/subtasks/7/metrics`, 404, 'ERR_RT_NOT_FOUND'],
      ['/taskmanagers/tm-unknown/metrics', 404, 'ERR_RT_NOT_FOUND'],
      ['/web-ui/no-such-file.js', 404, 'ERR_RT_NOT_FOUND'],
      ['/web-ui/vendor/package.json', 404, 'ERR_RT_NOT_FOUND'],
      [`/jobs/not-a-job/vertices/${source}/backpressure`, 400, 'ERR_RT_BAD_REQUEST'],
      [`/jobs/${jobId}/vertices/not-a-vertex/backpressure`, 400, 'ERR_RT_BAD_REQUEST'],
      [`/jobs/${jobId}/vertices/${source}/subtasks/metrics?get=numRecordsIn&agg=median`, 400, 'ERR_RT_BAD_REQUEST'],
      [`/jobs/${jobId}/vertices/${source}/subtasks/metrics?get=numRecordsIn&subtasks=2-1`, 400, 'ERR_RT_BAD_REQUEST'],
      [`/jobs/${jobId}/vertices/${source}/subtasks/x/metrics`, 400, 'ERR_RT_BAD_REQUEST'],
    ];
    for (const [path, status, code] of cases) {
      const answer = await rest(path);
      expect({ path, status: answer.status, code: answer.body?.code }).toEqual({ path, status, code });
      expect(answer.body.errors).toEqual([expect.any(String)]);
    }
    expect((await rest('/metrics', { method: 'POST', body: '{}' })).status).toBe(405);
  });
});

describe('the web UI files', () => {
  it('serves the dashboard at / and its scripts, styles and uPlot under /web-ui/', async () => {
    const page = await fetch(`${jm.restUrl}/`);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('/web-ui/app.js');
    for (const [path, type] of [['/web-ui/app.js', 'text/javascript'], ['/web-ui/job-graph.js', 'text/javascript'], ['/web-ui/style.css', 'text/css'], ['/web-ui/vendor/uPlot.iife.min.js', 'text/javascript'], ['/web-ui/vendor/uPlot.min.css', 'text/css']]) {
      const response = await fetch(`${jm.restUrl}${path}`);
      expect({ path, status: response.status }).toEqual({ path, status: 200 });
      expect(response.headers.get('content-type')).toContain(type);
      expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
  });
});
