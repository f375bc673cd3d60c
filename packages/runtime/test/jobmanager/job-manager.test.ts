import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { partitionIdOf } from '../../src/jobmanager/deployment.js';
import { connectToJobManager } from '../../src/rpc/rpc-client.js';
import { FakeTaskManager, useTestJobManager, waitFor, type LogLines } from './fake-task-manager.js';
import { sourceToSink, submission } from './graphs.js';

const TOKEN = 'a-cluster-token-of-32-characters';

const cluster = useTestJobManager();
const setUp = cluster.start;
const register = cluster.register;

/** Submits `graph` over REST and returns the job id. */
async function submit(rest: Awaited<ReturnType<typeof setUp>>['rest'], graph = sourceToSink(2, 2)): Promise<string> {
  const { status, body } = await rest('/jobs', { method: 'POST', body: JSON.stringify(submission(graph)) });
  expect(status, JSON.stringify(body)).toBe(202);
  return body.jobid;
}

const jobState = async (rest: Awaited<ReturnType<typeof setUp>>['rest'], jobId: string) => (await rest(`/jobs/${jobId}`)).body;

function warnings(logs: LogLines): string[] {
  return logs.filter((line) => line.level >= 40).map((line) => line.msg);
}

describe('startJobManager', () => {
  it('binds RPC and REST on loopback port 0 and reports the real urls', async () => {
    const { rest, logs } = await setUp();
    expect(cluster.jm.rpcUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/rpc$/);
    expect(cluster.jm.restUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cluster.jm.rpcUrl).not.toContain(':0/');
    expect((await rest('/overview')).body).toMatchObject({ 'taskmanagers': 0, 'slots-total': 0, 'jobs-running': 0 });
    expect(logs.some((line) => line.msg.includes(cluster.jm.restUrl) && line.msg.includes(cluster.jm.rpcUrl))).toBe(true);
  });
});

describe('TaskManager registration', () => {
  it('registers a TaskManager, tells it the heartbeat interval and lists its slots', async () => {
    const { rest } = await setUp();
    const tm = await register({ resourceId: 'tm-a', numSlots: 3, dataPort: 41235 });
    expect(tm.messages[0]).toEqual({ type: 'RegistrationSuccess', resourceId: 'tm-a', heartbeatIntervalMs: 50 });
    const { body } = await rest('/taskmanagers');
    expect(body.taskmanagers).toEqual([
      expect.objectContaining({ id: 'tm-a', path: 'ws://127.0.0.1:41235', dataPort: 41235, slotsNumber: 3, freeSlots: 3, address: '127.0.0.1:41235' }),
    ]);
    expect((await rest('/overview')).body).toMatchObject({ 'taskmanagers': 1, 'slots-total': 3, 'slots-available': 3 });
  });

  it('rejects a missing or wrong cluster token with RegistrationRejected and closes that link', async () => {
    const { rest } = await setUp({ 'cluster.token': TOKEN });
    for (const token of [undefined, 'wrong-token-wrong-token']) {
      const tm = await FakeTaskManager.connect(cluster.jm.rpcUrl, { resourceId: 'tm-x', ...(token === undefined ? {} : { token }) });
      cluster.track(tm);
      const answer = await tm.sendRegistration();
      expect(answer).toMatchObject({ type: 'RegistrationRejected', reason: expect.stringContaining(`${token === undefined ? 'missing' : 'wrong'} cluster token`) });
      await waitFor('the link to close', () => tm.closed);
      expect(tm.closed!.code).toBe(1008);
    }
    await register({ resourceId: 'tm-body', token: TOKEN });
    await register({ resourceId: 'tm-header', headerToken: TOKEN });
    expect((await rest('/taskmanagers')).body.taskmanagers.map((tm: { id: string }) => tm.id)).toEqual(['tm-body', 'tm-header']);
  });

  it('rejects a second TaskManager with a resource id already registered', async () => {
    await setUp();
    await register({ resourceId: 'tm-a' });
    const twin = await FakeTaskManager.connect(cluster.jm.rpcUrl, { resourceId: 'tm-a' });
    cluster.track(twin);
    expect(await twin.sendRegistration()).toMatchObject({ type: 'RegistrationRejected', reason: expect.stringContaining('resource id tm-a is already registered') });
  });

  it('closes only the link that sends a malformed message, with a logged reason', async () => {
    const { rest, logs } = await setUp();
    const good = await register({ resourceId: 'tm-good' });
    const bad = await register({ resourceId: 'tm-bad' });
    bad.sendRaw({ type: 'Heartbeat', resourceId: 42 });
    await waitFor('the bad link to close', () => bad.closed);
    expect(bad.closed).toEqual({ code: 1008, reason: expect.stringContaining('Heartbeat.resourceId must be a non-empty string') });

    const raw = new WebSocket(cluster.jm.rpcUrl);
    await new Promise((resolve) => raw.once('open', resolve));
    const rawClosed = new Promise<number>((resolve) => raw.once('close', (code) => resolve(code)));
    raw.send('{ this is not json');
    expect(await rawClosed).toBe(1008);

    const early = await FakeTaskManager.connect(cluster.jm.rpcUrl, { resourceId: 'tm-early' });
    cluster.track(early);
    early.sendRaw({ type: 'Heartbeat', resourceId: 'tm-early' });
    await waitFor('the unregistered link to close', () => early.closed);
    expect(early.closed!.reason).toContain('Heartbeat before RegisterTaskManager');

    expect(good.closed).toBeNull();
    const { body } = await rest('/taskmanagers');
    expect(body.taskmanagers.map((tm: { id: string }) => tm.id)).toEqual(['tm-good']);
    expect(warnings(logs).some((msg) => msg.includes('message is not JSON'))).toBe(true);
    expect(warnings(logs).some((msg) => msg.includes('TaskManager tm-bad (127.0.0.1:40000) lost'))).toBe(true);
  });
});

describe('job submission and deployment', () => {
  it('sends DeployJobCode once per TaskManager, then SubmitTask producers first with local and remote channels', async () => {
    const { rest } = await setUp();
    const a = await register({ resourceId: 'tm-a', numSlots: 2, dataPort: 40001 });
    const b = await register({ resourceId: 'tm-b', numSlots: 2, dataPort: 40002 });
    const graph = sourceToSink(2, 2);
    const jobId = await submit(rest, graph);
    expect(jobId).toMatch(/^[0-9a-f]{32}$/);
    await waitFor('both subtasks on each TM', () => a.submitted.length === 2 && b.submitted.length === 2);

    for (const tm of [a, b]) {
      const types = tm.messages.slice(1).map((message) => message.type);
      expect(types).toEqual(['DeployJobCode', 'SubmitTask', 'SubmitTask']);
      expect(tm.messages[1]).toEqual({ type: 'DeployJobCode', job: { jobId, code: 'export default 1;', programArgs: ['--n', '3'], contextConfig: { parallelism: 2 } } });
      expect(tm.submitted.map((tdd) => tdd.vertexId)).toEqual(graph.vertices.map((vertex) => vertex.id));
    }
    const [source, sink] = graph.vertices;
    const edge = graph.edges[0];
    expect(a.submitted[0]).toMatchObject({ jobId, jobName: 'source to sink', executionId: `${source.id}_0`, taskName: 'Source: gen (1/2)', slotIndex: 0 });
    expect(a.submitted[0].producedPartitions[0]).toMatchObject({ partitionId: partitionIdOf(jobId, edge.id, 0), numSubpartitions: 2 });
    expect(a.submitted[1].executionId).toBe(`${sink.id}_0`);
    expect(a.submitted[1].inputGates[0].channels).toEqual([
      { partitionId: partitionIdOf(jobId, edge.id, 0), subpartitionIndex: 0, producer: { location: 'local' } },
      { partitionId: partitionIdOf(jobId, edge.id, 1), subpartitionIndex: 0, producer: { location: 'remote', dataUrl: 'ws://127.0.0.1:40002' } },
    ]);
    expect(b.submitted[1].inputGates[0].channels.map((channel) => channel.producer)).toEqual([
      { location: 'remote', dataUrl: 'ws://127.0.0.1:40001' },
      { location: 'local' },
    ]);
    expect((await jobState(rest, jobId)).state).toBe('RUNNING');
    expect((await rest('/overview')).body).toMatchObject({ 'slots-available': 2, 'jobs-running': 1 });
  });

  it('finishes the job when every subtask is FINISHED, releases it on its TaskManagers and frees the slots', async () => {
    const { rest } = await setUp();
    const a = await register({ resourceId: 'tm-a', numSlots: 2 });
    const jobId = await submit(rest);
    await waitFor('subtasks', () => a.submitted.length === 4);
    for (const tdd of a.submitted) a.report(tdd, 'RUNNING');
    await waitFor('RUNNING subtasks', async () => (await jobState(rest, jobId))['status-counts'].RUNNING === 4);
    for (const tdd of a.submitted) a.report(tdd, 'FINISHED');
    const details = await waitFor('FINISHED', async () => {
      const body = await jobState(rest, jobId);
      return body.state === 'FINISHED' && body;
    });
    expect(details['end-time']).toBeGreaterThanOrEqual(details['start-time']);
    expect(details.vertices.map((vertex: { status: string }) => vertex.status)).toEqual(['FINISHED', 'FINISHED']);
    expect(details['failure-cause']).toBeUndefined();
    await a.next((message) => message.type === 'ReleaseJob', 'ReleaseJob');
    expect((await rest('/overview')).body).toMatchObject({ 'slots-available': 2, 'jobs-running': 0, 'jobs-finished': 1 });
  });

  it('fails a submission that cannot get its slots with 409, naming needed vs available', async () => {
    const { rest } = await setUp();
    await register({ resourceId: 'tm-a', numSlots: 1 });
    const { status, body } = await rest('/jobs', { method: 'POST', body: JSON.stringify(submission(sourceToSink(2, 3, 'wide'))) });
    expect(status).toBe(409);
    expect(body).toEqual({ code: 'ERR_RT_NOT_ENOUGH_SLOTS', errors: [expect.stringContaining('job "wide" needs 3 slots but only 1 of 1 is available on 1 TaskManager')] });
    expect((await rest('/jobs')).body).toEqual({ jobs: [] });
  });
});

describe('job failure', () => {
  it('cancels the other subtasks when one FAILS, shows FAILING over REST until they end, then FAILED with the worker\'s message and stack; the cluster runs the next job', async () => {
    const { rest } = await setUp();
    const a = await register({ resourceId: 'tm-a', numSlots: 1, dataPort: 40001 });
    const b = await register({ resourceId: 'tm-b', numSlots: 1, dataPort: 40002 });
    const jobId = await submit(rest);
    await waitFor('deployment', () => a.submitted.length === 2 && b.submitted.length === 2);
    for (const tm of [a, b]) for (const tdd of tm.submitted) tm.report(tdd, 'RUNNING');
    const failing = b.submitted[1];
    const stack = 'Error: boom at record 17\n    at map (job.ts:12:11)';
    b.report(failing, 'FAILED', { name: 'Error', message: 'boom at record 17', stack });

    await waitFor('CancelTask on both TMs', () => a.canceled.length === 2 && b.canceled.length === 1);
    expect(b.canceled).toEqual([b.submitted[0].executionId]);
    // The others have not confirmed yet: the job is FAILING (as Flink's REST API says), not yet FAILED.
    const failingDetails = await jobState(rest, jobId);
    expect(failingDetails.state).toBe('FAILING');
    expect(failingDetails['end-time']).toBe(-1);
    expect(failingDetails.timestamps.FAILING).toBeGreaterThanOrEqual(failingDetails.timestamps.RUNNING);
    expect(failingDetails.timestamps.FAILED).toBeUndefined();
    expect(failingDetails['failure-cause']).toMatchObject({ message: 'boom at record 17' });
    expect((await rest('/jobs')).body).toEqual({ jobs: [{ id: jobId, status: 'FAILING' }] });
    expect((await rest('/jobs/overview')).body.jobs).toEqual([expect.objectContaining({ jid: jobId, state: 'FAILING', 'end-time': -1 })]);
    expect((await rest('/overview')).body).toMatchObject({ 'jobs-running': 1, 'jobs-failed': 0 }); // not ended: counted running, as Flink does
    const throttle = await rest(`/jobs/${jobId}/throttles`, { method: 'PATCH', body: JSON.stringify({ name: 'source', recordsPerSecond: 5 }) });
    expect(throttle).toMatchObject({ status: 409, body: { code: 'ERR_RT_JOB_NOT_RUNNING', errors: [expect.stringContaining('is FAILING, not RUNNING')] } });

    a.report(a.submitted[0], 'CANCELED');
    a.report(a.submitted[1], 'CANCELED');
    expect((await jobState(rest, jobId)).state).toBe('FAILING'); // one subtask still to confirm
    b.report(b.submitted[0], 'CANCELED');
    const details = await waitFor('FAILED', async () => {
      const body = await jobState(rest, jobId);
      return body.state === 'FAILED' && body;
    });
    expect(details.timestamps).toEqual({ CREATED: expect.any(Number), RUNNING: expect.any(Number), FAILING: failingDetails.timestamps.FAILING, FAILED: details['end-time'] });
    expect(details.timestamps.FAILED).toBeGreaterThanOrEqual(details.timestamps.FAILING);
    expect(details['failure-cause']).toEqual({
      name: 'Error',
      message: 'boom at record 17',
      stack,
      taskName: 'map -> Sink: Discarding Sink (2/2)',
      taskManager: 'tm-b (127.0.0.1:40002)',
    });
    expect(details['status-counts']).toEqual({ CANCELED: 3, FAILED: 1 });
    await a.next((message) => message.type === 'ReleaseJob', 'ReleaseJob on tm-a');
    await b.next((message) => message.type === 'ReleaseJob', 'ReleaseJob on tm-b');

    const next = await submit(rest);
    expect((await jobState(rest, next)).state).toBe('RUNNING');
    expect((await rest('/overview')).body).toMatchObject({ 'jobs-failed': 1, 'jobs-running': 1 });
  });

  it('fails the job when a TaskManager misses its heartbeats, naming it, within heartbeat.timeout', async () => {
    const { rest } = await setUp({ 'heartbeat.timeout': 400 });
    const a = await register({ resourceId: 'tm-a', numSlots: 1, dataPort: 40001 });
    const b = await register({ resourceId: 'tm-1a2b3c4d', numSlots: 1, dataPort: 41235 });
    const jobId = await submit(rest);
    await waitFor('deployment', () => b.submitted.length === 2);
    for (const tm of [a, b]) for (const tdd of tm.submitted) tm.report(tdd, 'RUNNING');
    const silentSince = Date.now();
    b.stopHeartbeats();
    await waitFor('CancelTask on the surviving TM', () => a.canceled.length === 2, 3000);
    const noticedAfter = Date.now() - silentSince;
    expect(noticedAfter).toBeLessThan(400 + 400);
    for (const tdd of a.submitted) a.report(tdd, 'CANCELED');
    const details = await waitFor('FAILED', async () => {
      const body = await jobState(rest, jobId);
      return body.state === 'FAILED' && body;
    });
    expect(details['failure-cause']).toMatchObject({
      code: 'ERR_RT_TM_LOST',
      message: expect.stringContaining('TaskManager tm-1a2b3c4d (127.0.0.1:41235) lost: no heartbeat for 400 ms'),
      taskManager: 'tm-1a2b3c4d (127.0.0.1:41235)',
    });
    await waitFor('the lost TM link closed', () => b.closed);
    expect((await rest('/taskmanagers')).body.taskmanagers.map((tm: { id: string }) => tm.id)).toEqual(['tm-a']);
    expect((await rest('/overview')).body).toMatchObject({ 'slots-total': 1, 'slots-available': 1 });
  });

  it('fails the job at once when a TaskManager\'s control link closes', async () => {
    const { rest } = await setUp();
    const a = await register({ resourceId: 'tm-a', numSlots: 1, dataPort: 40001 });
    const b = await register({ resourceId: 'tm-b', numSlots: 1, dataPort: 40002 });
    const jobId = await submit(rest);
    await waitFor('deployment', () => b.submitted.length === 2);
    await b.close();
    await waitFor('CancelTask on tm-a', () => a.canceled.length === 2, 1000);
    for (const tdd of a.submitted) a.report(tdd, 'CANCELED');
    const details = await waitFor('FAILED', async () => {
      const body = await jobState(rest, jobId);
      return body.state === 'FAILED' && body;
    });
    expect(details['failure-cause'].message).toMatch(/^TaskManager tm-b \(127\.0\.0\.1:40002\) lost: its control connection closed \(code 1000/);
  });

  it('counts subtasks that never confirm cancellation as CANCELED after the cancel timeout', async () => {
    const { rest } = await setUp({}, { cancelTimeoutMs: 200 });
    const a = await register({ resourceId: 'tm-a', numSlots: 2 });
    const jobId = await submit(rest);
    await waitFor('deployment', () => a.submitted.length === 4);
    a.report(a.submitted[0], 'FAILED', { name: 'Error', message: 'source broke' });
    const details = await waitFor('FAILED', async () => {
      const body = await jobState(rest, jobId);
      return body.state === 'FAILED' && body;
    });
    expect(details['status-counts']).toEqual({ FAILED: 1, CANCELED: 3 });
    expect(details['failure-cause'].message).toBe('source broke');
  });
});

describe('cancel', () => {
  it('cancels a running job: CANCELING, CancelTask to every subtask, CANCELED once they confirm', async () => {
    const { rest } = await setUp();
    const a = await register({ resourceId: 'tm-a', numSlots: 2 });
    const jobId = await submit(rest);
    await waitFor('deployment', () => a.submitted.length === 4);
    for (const tdd of a.submitted) a.report(tdd, 'RUNNING');
    a.report(a.submitted[0], 'FINISHED');
    await waitFor('FINISHED source', async () => (await jobState(rest, jobId))['status-counts'].FINISHED === 1);
    const { status, body } = await rest(`/jobs/${jobId}?mode=cancel`, { method: 'PATCH' });
    expect([status, body]).toEqual([202, {}]);
    expect((await jobState(rest, jobId)).state).toBe('CANCELING');
    await waitFor('CancelTask', () => a.canceled.length === 3);
    expect(a.canceled).toEqual(a.submitted.slice(1).map((tdd) => tdd.executionId));
    for (const tdd of a.submitted.slice(1)) a.report(tdd, 'CANCELED');
    await waitFor('CANCELED', async () => (await jobState(rest, jobId)).state === 'CANCELED');
    await a.next((message) => message.type === 'ReleaseJob', 'ReleaseJob');
    expect((await rest('/jobs')).body).toEqual({ jobs: [{ id: jobId, status: 'CANCELED' }] });
    expect((await rest('/overview')).body).toMatchObject({ 'jobs-cancelled': 1, 'slots-available': 2 });
    // Canceling again changes nothing.
    expect((await rest(`/jobs/${jobId}`, { method: 'PATCH' })).status).toBe(202);
    expect((await jobState(rest, jobId)).state).toBe('CANCELED');
    expect(a.canceled).toHaveLength(3);
  });

  it('cancels the running jobs when the JobManager closes', async () => {
    const { rest } = await setUp();
    const a = await register({ resourceId: 'tm-a', numSlots: 2 });
    await submit(rest);
    await waitFor('deployment', () => a.submitted.length === 4);
    await cluster.jm.close();
    expect(a.canceled).toHaveLength(4);
    expect(a.messages.at(-1)).toMatchObject({ type: 'ReleaseJob' });
    await waitFor('the link to close', () => a.closed);
    expect(a.closed!.code).toBe(1001);
  });
});

describe('connectToJobManager', () => {
  it('fails with ERR_RT_JM_UNREACHABLE naming the url when nothing listens', async () => {
    const { jm: started } = await setUp();
    const url = started.rpcUrl;
    await started.close();
    await expect(connectToJobManager(url, { onMessage: () => undefined })).rejects.toMatchObject({
      code: 'ERR_RT_JM_UNREACHABLE',
      message: expect.stringContaining(`cannot reach the JobManager at ${url}: connection refused`),
    });
  });

  it('fails with a 404 hint on a path that is not the RPC endpoint', async () => {
    await setUp();
    await expect(connectToJobManager(cluster.jm.rpcUrl.replace('/rpc', '/nope'), { onMessage: () => undefined })).rejects.toThrow(/HTTP 404 \(not a Sluice RPC endpoint\)/);
  });
});
