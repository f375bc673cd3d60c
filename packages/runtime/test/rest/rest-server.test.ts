import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { useTestJobManager, waitFor, type FakeTaskManager } from '../jobmanager/fake-task-manager.js';
import { sourceToSink, submission } from '../jobmanager/graphs.js';

const TOKEN = 'a-cluster-token-of-32-characters';
const UNKNOWN_JOB = 'ffffffffffffffffffffffffffffffff';

const cluster = useTestJobManager();

async function setUp(overrides: Record<string, string | number | boolean> = {}) {
  return (await cluster.start(overrides)).rest;
}

function withTaskManager(options: { token?: string } = {}): Promise<FakeTaskManager> {
  return cluster.register({ resourceId: 'tm-a', numSlots: 2, ...options });
}

const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({ method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers });

describe('RestServer', () => {
  it('answers unknown paths, unknown job ids and malformed job ids with JSON errors', async () => {
    const rest = await setUp();
    expect(await rest('/nothing/here')).toEqual({ status: 404, body: { errors: ['no REST resource at /nothing/here'], code: 'ERR_RT_NOT_FOUND' } });
    expect(await rest(`/jobs/${UNKNOWN_JOB}`)).toEqual({
      status: 404,
      body: { errors: [expect.stringContaining(`no job with id ${UNKNOWN_JOB}`)], code: 'ERR_RT_UNKNOWN_JOB' },
    });
    expect((await rest(`/jobs/${UNKNOWN_JOB}/plan`)).status).toBe(404);
    expect((await rest(`/jobs/${UNKNOWN_JOB}?mode=cancel`, { method: 'PATCH' })).status).toBe(404);
    expect(await rest('/jobs/not-a-job-id')).toEqual({ status: 400, body: { errors: [expect.stringContaining('job id must be 32 lower-case hex digits')], code: 'ERR_RT_BAD_REQUEST' } });
  });

  it('answers a wrong method with 405 and the allowed ones', async () => {
    const rest = await setUp();
    const response = await fetch(`${cluster.jm.restUrl}/overview`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    expect(await response.json()).toMatchObject({ code: 'ERR_RT_METHOD_NOT_ALLOWED' });
    expect((await rest('/jobs', { method: 'PATCH' })).status).toBe(405);
  });

  it('serves Flink paths with or without the /v1 prefix', async () => {
    const rest = await setUp();
    expect((await rest('/v1/overview')).body).toMatchObject({ 'taskmanagers': 0, 'flink-version': expect.stringContaining('sluice') });
    expect((await rest('/v1/jobs/')).body).toEqual({ jobs: [] });
  });

  it('rejects a submission body that is not JSON or misses fields, listing every problem; unknown fields are fine', async () => {
    const rest = await setUp();
    await withTaskManager();
    expect(await rest('/jobs', post('{ nope'))).toMatchObject({ status: 400, body: { code: 'ERR_RT_BAD_REQUEST', errors: [expect.stringContaining('request body is not JSON')] } });
    const { status, body } = await rest('/jobs', post({ jobName: 'x', jobGraph: { vertices: [] } }));
    expect(status).toBe(400);
    expect(body.errors[0]).toContain('code: expected the bundled job module');
    expect(body.errors[0]).toContain('programArgs: expected an array of strings, got nothing');
    expect(body.errors[0]).toContain('jobGraph.vertices: expected a non-empty array, got []');

    const graph = sourceToSink(1, 1);
    const broken = { ...graph, edges: [{ ...graph.edges[0], targetVertexId: 'nope' }] };
    const answer = await rest('/jobs', post({ ...submission(graph), jobGraph: broken }));
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0]).toContain('jobGraph.edges[0].targetVertexId: expected the id of a vertex, got "nope"');

    const extra = await rest('/jobs', post({ ...submission(graph), somethingNew: true, jobGraph: { ...graph, alsoNew: 1 } }));
    expect(extra.status).toBe(202);
  });

  it('requires the cluster token on writes when one is configured (401), not on reads', async () => {
    const rest = await setUp({ 'cluster.token': TOKEN });
    await withTaskManager({ token: TOKEN });
    const body = submission(sourceToSink(1, 1));
    expect(await rest('/jobs', post(body))).toEqual({
      status: 401,
      body: { code: 'ERR_RT_UNAUTHORIZED', errors: [expect.stringContaining('missing x-sluice-token header')] },
    });
    expect((await rest('/jobs', post(body, { 'x-sluice-token': 'wrong' }))).body.errors[0]).toContain('wrong x-sluice-token header');
    const accepted = await rest('/jobs', post(body, { 'x-sluice-token': TOKEN }));
    expect(accepted.status).toBe(202);
    const jobId = accepted.body.jobid;
    expect((await rest(`/jobs/${jobId}`)).status).toBe(200);
    expect((await rest(`/jobs/${jobId}?mode=cancel`, { method: 'PATCH' })).status).toBe(401);
    expect((await rest(`/jobs/${jobId}?mode=cancel`, { method: 'PATCH', headers: { 'x-sluice-token': TOKEN } })).status).toBe(202);
    expect((await rest('/config')).body['cluster.token']).toBe('(set)');
  });

  it('answers a body over the limit with 413 without reading it', async () => {
    await setUp();
    const { hostname, port } = new URL(cluster.jm.restUrl);
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest({ host: hostname, port, method: 'POST', path: '/jobs', headers: { 'content-length': String(65 * 1024 * 1024) } }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      req.write('{"jobName":');
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'ERR_RT_PAYLOAD_TOO_LARGE' });
  });

  it('lists jobs, their overview, details and plan', async () => {
    const rest = await setUp();
    const tm = await withTaskManager();
    const graph = sourceToSink(2, 2);
    const { body } = await rest('/jobs', post(submission(graph)));
    const jobId: string = body.jobid;
    await waitFor('deployment', () => tm.submitted.length === 4);
    tm.report(tm.submitted[0], 'RUNNING');
    await waitFor('RUNNING', async () => (await rest(`/jobs/${jobId}`)).body['status-counts'].RUNNING === 1);

    expect((await rest('/jobs')).body).toEqual({ jobs: [{ id: jobId, status: 'RUNNING' }] });
    const overview = (await rest('/jobs/overview')).body.jobs;
    expect(overview).toEqual([
      expect.objectContaining({ 'jid': jobId, 'name': 'source to sink', 'state': 'RUNNING', 'end-time': -1, 'tasks': expect.objectContaining({ total: 4, running: 1, deploying: 3 }) }),
    ]);
    const details = (await rest(`/jobs/${jobId}`)).body;
    expect(details).toMatchObject({ 'jid': jobId, 'state': 'RUNNING', 'end-time': -1, 'timestamps': { CREATED: expect.any(Number), RUNNING: expect.any(Number) } });
    expect(details.vertices.map((vertex: { name: string; status: string; parallelism: number }) => [vertex.name, vertex.parallelism, vertex.status])).toEqual([
      ['Source: gen', 2, 'RUNNING'],
      ['map -> Sink: Discarding Sink', 2, 'DEPLOYING'],
    ]);
    expect((await rest(`/jobs/${jobId}/plan`)).body).toEqual({ plan: graph });
  });

  it('sends a throttle to every TaskManager of a running job, and refuses bad bodies and ended jobs', async () => {
    const rest = await setUp();
    const tm = await withTaskManager();
    const { body } = await rest('/jobs', post(submission(sourceToSink(1, 1))));
    const jobId: string = body.jobid;
    const patch = (value: unknown) => rest(`/jobs/${jobId}/throttles`, { method: 'PATCH', body: JSON.stringify(value) });
    expect(await patch({ name: 'consumer', recordsPerSecond: 3000 })).toEqual({ status: 202, body: { taskmanagers: 1 } });
    expect(await tm.next((message) => message.type === 'SetThrottle')).toEqual({ type: 'SetThrottle', jobId, name: 'consumer', recordsPerSecond: 3000 });
    expect((await patch({ name: 'consumer', recordsPerSecond: null })).status).toBe(202);
    await waitFor('the unthrottle', () => tm.messages.filter((message) => message.type === 'SetThrottle').length === 2);
    expect(tm.messages.at(-1)).toMatchObject({ type: 'SetThrottle', recordsPerSecond: Infinity });
    expect((await patch({ name: 'consumer', recordsPerSecond: -1 })).body).toMatchObject({ code: 'ERR_RT_BAD_REQUEST', errors: [expect.stringContaining('recordsPerSecond must be a number > 0')] });
    expect((await patch({ recordsPerSecond: 5 })).status).toBe(400);
    expect((await rest(`/jobs/${jobId}?mode=stop`, { method: 'PATCH' })).status).toBe(400);
    expect((await rest(`/jobs/${jobId}?mode=cancel`, { method: 'PATCH' })).status).toBe(202);
    expect(await patch({ name: 'consumer', recordsPerSecond: 5 })).toMatchObject({ status: 409, body: { code: 'ERR_RT_JOB_NOT_RUNNING' } });
  });

  it('serves the configuration with the token redacted', async () => {
    const rest = await setUp({ 'cluster.token': TOKEN });
    const { status, body } = await rest('/config');
    expect(status).toBe(200);
    expect(body).toMatchObject({ 'rest.port': 0, 'heartbeat.interval': 50, 'jobmanager.rpc.address': '127.0.0.1', 'cluster.token': '(set)' });
    expect(JSON.stringify(body)).not.toContain(TOKEN);
  });
});
