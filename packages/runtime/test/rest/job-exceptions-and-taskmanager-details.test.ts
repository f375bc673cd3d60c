// `GET /jobs/:jobid/exceptions` and `GET /taskmanagers/:taskmanagerid` over real HTTP against a real JobManager fed by fake TaskManagers, and their RestClient methods.
import { describe, expect, it } from 'vitest';
import { RestClient } from '../../src/client/rest-client.js';
import { useTestJobManager, waitFor } from '../jobmanager/fake-task-manager.js';
import { sourceToSink, submission } from '../jobmanager/graphs.js';

const UNKNOWN_JOB = 'ffffffffffffffffffffffffffffffff';

const cluster = useTestJobManager();
const register = cluster.register;

type Rest = Awaited<ReturnType<typeof cluster.start>>['rest'];

async function setUp(): Promise<Rest> {
  return (await cluster.start()).rest;
}

async function submit(rest: Rest): Promise<string> {
  const { status, body } = await rest('/jobs', { method: 'POST', body: JSON.stringify(submission(sourceToSink(2, 2))) });
  expect(status, JSON.stringify(body)).toBe(202);
  return body.jobid;
}

/** tm-a (data port 40001) and tm-b (40002), one slot each, and a parallelism-2 job deployed on both. */
async function deployOnTwoTaskManagers() {
  const rest = await setUp();
  const a = await register({ resourceId: 'tm-a', numSlots: 1, dataPort: 40001 });
  const b = await register({ resourceId: 'tm-b', numSlots: 1, dataPort: 40002 });
  const jobId = await submit(rest);
  await waitFor('deployment', () => a.submitted.length === 2 && b.submitted.length === 2);
  return { rest, a, b, jobId };
}

async function waitForState(rest: Rest, jobId: string, state: string): Promise<any> {
  return waitFor(state, async () => {
    const { body } = await rest(`/jobs/${jobId}`);
    return body.state === state && body;
  });
}

const NO_EXCEPTIONS = { 'root-exception': null, 'timestamp': null, 'all-exceptions': [], 'truncated': false, 'exceptionHistory': { entries: [], truncated: false } };

describe('GET /jobs/:jobid/exceptions', () => {
  it('names the failing task, its TaskManager and the thrown error (stack, code) at the FAILING time; other failures are concurrent', async () => {
    const { rest, a, b, jobId } = await deployOnTwoTaskManagers();
    for (const tm of [a, b]) for (const tdd of tm.submitted) tm.report(tdd, 'RUNNING');
    const stack = 'RuntimeError: ERR_RT_BAD_KEY: cannot hash key undefined\n    at map (job.ts:12:11)';
    b.report(b.submitted[1], 'FAILED', { name: 'RuntimeError', code: 'ERR_RT_BAD_KEY', message: 'ERR_RT_BAD_KEY: cannot hash key undefined', stack });
    await waitFor('CancelTask on both TMs', () => a.canceled.length === 2 && b.canceled.length === 1);

    const failing = await waitForState(rest, jobId, 'FAILING');
    const rootEntry = {
      exceptionName: 'RuntimeError',
      stacktrace: stack,
      timestamp: failing.timestamps.FAILING,
      taskName: 'map -> Sink: Discarding Sink (2/2)',
      endpoint: '127.0.0.1:40002',
      taskManagerId: 'tm-b',
      failureLabels: {},
      code: 'ERR_RT_BAD_KEY',
    };
    const failingAnswer = await rest(`/jobs/${jobId}/exceptions`);
    expect(failingAnswer.status).toBe(200);
    expect(failingAnswer.body).toEqual({
      'root-exception': stack,
      'timestamp': failing.timestamps.FAILING,
      'all-exceptions': [
        { exception: stack, task: 'map -> Sink: Discarding Sink (2/2)', location: '127.0.0.1:40002', timestamp: expect.any(Number), taskManagerId: 'tm-b', code: 'ERR_RT_BAD_KEY' },
      ],
      'truncated': false,
      'exceptionHistory': { entries: [{ ...rootEntry, concurrentExceptions: [] }], truncated: false },
    });
    expect(failingAnswer.body['all-exceptions'][0].timestamp).toBeGreaterThanOrEqual(failing.timestamps.RUNNING);

    // While FAILING, a subtask on tm-a fails instead of confirming its cancel (no stack: `name: message`).
    a.report(a.submitted[0], 'FAILED', { name: 'NetworkError', code: 'ERR_NET_PEER_LOST', message: 'ERR_NET_PEER_LOST: the producer went away' });
    a.report(a.submitted[1], 'CANCELED');
    b.report(b.submitted[0], 'CANCELED');
    const failed = await waitForState(rest, jobId, 'FAILED');
    const { body } = await rest(`/jobs/${jobId}/exceptions`);
    expect(body['root-exception']).toBe(stack);
    expect(body.timestamp).toBe(failed.timestamps.FAILING);
    expect(body['all-exceptions'].map((entry: any) => [entry.task, entry.taskManagerId, entry.location, entry.code])).toEqual([
      ['Source: gen (1/2)', 'tm-a', '127.0.0.1:40001', 'ERR_NET_PEER_LOST'],
      ['map -> Sink: Discarding Sink (2/2)', 'tm-b', '127.0.0.1:40002', 'ERR_RT_BAD_KEY'],
    ]);
    expect(body['all-exceptions'][0].exception).toBe('NetworkError: ERR_NET_PEER_LOST: the producer went away');
    expect(body.exceptionHistory).toEqual({
      entries: [
        {
          ...rootEntry,
          concurrentExceptions: [
            {
              exceptionName: 'NetworkError',
              stacktrace: 'NetworkError: ERR_NET_PEER_LOST: the producer went away',
              timestamp: expect.any(Number),
              taskName: 'Source: gen (1/2)',
              endpoint: '127.0.0.1:40001',
              taskManagerId: 'tm-a',
              failureLabels: {},
              code: 'ERR_NET_PEER_LOST',
            },
          ],
        },
      ],
      truncated: false,
    });

    // Flink's maxExceptions bounds both lists; the client passes it on.
    const client = new RestClient(cluster.jm.restUrl);
    const truncated = await client.jobExceptions(jobId, { maxExceptions: 1 });
    expect(truncated['all-exceptions']).toHaveLength(1);
    expect(truncated.truncated).toBe(true);
    expect(truncated.exceptionHistory).toEqual(body.exceptionHistory);
    expect((await client.jobExceptions(jobId, { maxExceptions: 0 })).exceptionHistory).toEqual({ entries: [], truncated: true });
    expect(await client.jobExceptions(jobId)).toEqual(body);
  });

  it('keeps naming a lost TaskManager: the cause without a stack is `name: message`, its other subtasks concurrent', async () => {
    const { rest, a, b, jobId } = await deployOnTwoTaskManagers();
    await b.close();
    await waitFor('CancelTask on tm-a', () => a.canceled.length === 2);
    for (const tdd of a.submitted) a.report(tdd, 'CANCELED');
    const failed = await waitForState(rest, jobId, 'FAILED');
    await waitFor('tm-b gone', async () => (await rest('/taskmanagers')).body.taskmanagers.length === 1);

    const { body } = await rest(`/jobs/${jobId}/exceptions`);
    expect(body['root-exception']).toMatch(/^RuntimeError: TaskManager tm-b \(127\.0\.0\.1:40002\) lost: its control connection closed/);
    expect(body.timestamp).toBe(failed.timestamps.FAILING);
    const [entry] = body.exceptionHistory.entries;
    expect(entry).toMatchObject({ exceptionName: 'RuntimeError', stacktrace: body['root-exception'], taskName: 'Source: gen (2/2)', endpoint: '127.0.0.1:40002', taskManagerId: 'tm-b', code: 'ERR_RT_TM_LOST' });
    expect(entry.concurrentExceptions).toEqual([expect.objectContaining({ taskName: 'map -> Sink: Discarding Sink (2/2)', endpoint: '127.0.0.1:40002', taskManagerId: 'tm-b', code: 'ERR_RT_TM_LOST' })]);
    expect(body['all-exceptions'].map((e: any) => [e.task, e.location])).toEqual([
      ['Source: gen (2/2)', '127.0.0.1:40002'],
      ['map -> Sink: Discarding Sink (2/2)', '127.0.0.1:40002'],
    ]);
  });

  it('is empty for a job that did not fail, 404 for an unknown job, 400 for a malformed id or maxExceptions', async () => {
    const rest = await setUp();
    const a = await register({ resourceId: 'tm-a', numSlots: 2 });
    const jobId = await submit(rest);
    await waitFor('deployment', () => a.submitted.length === 4);
    for (const tdd of a.submitted) a.report(tdd, 'RUNNING');
    expect(await rest(`/jobs/${jobId}/exceptions`)).toEqual({ status: 200, body: NO_EXCEPTIONS });
    for (const tdd of a.submitted) a.report(tdd, 'FINISHED');
    await waitForState(rest, jobId, 'FINISHED');
    expect(await rest(`/v1/jobs/${jobId}/exceptions`)).toEqual({ status: 200, body: NO_EXCEPTIONS });

    expect(await rest(`/jobs/${UNKNOWN_JOB}/exceptions`)).toEqual(await rest(`/jobs/${UNKNOWN_JOB}`)); // the same 404
    expect(await rest(`/jobs/${UNKNOWN_JOB}/exceptions`)).toMatchObject({ status: 404, body: { code: 'ERR_RT_UNKNOWN_JOB' } });
    expect(await rest('/jobs/not-a-job/exceptions')).toMatchObject({ status: 400, body: { code: 'ERR_RT_BAD_REQUEST' } });
    for (const bad of ['-1', 'x', '1.5', '']) {
      expect(await rest(`/jobs/${jobId}/exceptions?maxExceptions=${bad}`)).toMatchObject({ status: 400, body: { code: 'ERR_RT_BAD_REQUEST', errors: [expect.stringContaining('maxExceptions')] } });
    }
    await expect(new RestClient(cluster.jm.restUrl).jobExceptions(UNKNOWN_JOB)).rejects.toMatchObject({ code: 'ERR_RT_UNKNOWN_JOB', httpStatus: 404 });
  });
});

describe('GET /taskmanagers/:taskmanagerid', () => {
  it('answers a registered TaskManager\'s /taskmanagers entry plus its heartbeat metrics; an unknown id is 404', async () => {
    const rest = await setUp();
    const a = await register({ resourceId: 'tm-a', numSlots: 2, dataPort: 40001 });
    await register({ resourceId: 'tm-b', numSlots: 3, dataPort: 40002 });
    await submit(rest); // parallelism 2, one slot sharing group: a slot on each TaskManager (round-robin)

    const { taskmanagers } = (await rest('/taskmanagers')).body;
    expect(taskmanagers.map((tm: any) => [tm.id, tm.freeSlots])).toEqual([['tm-a', 1], ['tm-b', 2]]); // the premise
    for (const entry of taskmanagers) {
      const details = await rest(`/taskmanagers/${entry.id}`);
      expect(details.status).toBe(200);
      expect(details.body).toEqual({ ...entry, timeSinceLastHeartbeat: expect.any(Number), metrics: {} }); // no metrics in its heartbeats yet
    }

    a.sendRaw({
      type: 'Heartbeat',
      resourceId: 'tm-a',
      taskManager: {
        'Status.Shuffle.Netty.TotalMemorySegments': 2048,
        'Status.Shuffle.Netty.AvailableMemorySegments': 2000,
        'Status.Shuffle.Netty.UsedMemorySegments': 48,
        'Status.Node.Memory.Heap.Used': 12_345_678,
        'Status.Node.Memory.RSS': 99_999_999,
      },
    });
    const client = new RestClient(cluster.jm.restUrl);
    const details = await waitFor('tm-a metrics', async () => {
      const answer = await client.taskManager('tm-a');
      return answer.metrics.nettyShuffleMemorySegmentsTotal !== undefined && answer;
    });
    expect(details).toEqual({
      id: 'tm-a',
      path: 'ws://127.0.0.1:40001',
      dataPort: 40001,
      timeSinceLastHeartbeat: expect.any(Number),
      slotsNumber: 2,
      freeSlots: 1,
      dataUrl: 'ws://127.0.0.1:40001',
      address: '127.0.0.1:40001',
      pid: process.pid,
      metrics: { heapUsed: 12_345_678, nettyShuffleMemorySegmentsTotal: 2048, nettyShuffleMemorySegmentsAvailable: 2000, nettyShuffleMemorySegmentsUsed: 48 },
    });
    expect(details.timeSinceLastHeartbeat).toBeLessThan(1000);

    const unknown = await rest('/taskmanagers/tm-unknown');
    expect(unknown).toEqual({ status: 404, body: { errors: ['no TaskManager with id "tm-unknown" is registered'], code: 'ERR_RT_NOT_FOUND' } });
    await expect(client.taskManager('tm-unknown')).rejects.toMatchObject({ code: 'ERR_RT_NOT_FOUND', httpStatus: 404 });
    expect((await rest('/taskmanagers/tm-a', { method: 'POST', body: '{}' })).status).toBe(405);
  });
});
