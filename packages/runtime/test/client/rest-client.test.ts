// Unit tests of the REST client against a tiny node:http stub: paths, token, error mapping and waiting for a job's end.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TOKEN_HEADER } from '@sluice/network';
import { RestClient } from '../../src/client/rest-client.js';
import type { JobDetails, JobStatus } from '../../src/rest/rest-types.js';

interface Seen {
  method: string;
  url: string;
  token: string | undefined;
  body: string;
}

type Route = (request: Seen) => { status: number; body?: unknown; raw?: string };

let server: Server;
let baseUrl: string;
let route: Route;
let seen: Seen[];

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const entry: Seen = { method: request.method ?? '', url: request.url ?? '', token: request.headers[TOKEN_HEADER] as string | undefined, body };
      seen.push(entry);
      const answer = route(entry);
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(answer.raw ?? (answer.body === undefined ? '' : JSON.stringify(answer.body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  seen = [];
  route = () => ({ status: 404, body: { errors: ['no route'], code: 'ERR_RT_NOT_FOUND' } });
});

function details(state: JobStatus): JobDetails {
  return { jid: 'j1', name: 'job', state, 'start-time': 1, 'end-time': -1, duration: 0, now: 2, timestamps: {}, vertices: [], 'status-counts': {}, plan: {} };
}

describe('RestClient', () => {
  it("speaks Flink's paths and sends the cluster token", async () => {
    route = ({ method, url }) => {
      if (method === 'GET' && url === '/overview') return { status: 200, body: { taskmanagers: 2, 'slots-total': 4 } };
      if (method === 'GET' && url === '/taskmanagers') return { status: 200, body: { taskmanagers: [{ id: 'tm-1' }] } };
      if (method === 'GET' && url === '/jobs') return { status: 200, body: { jobs: [{ id: 'j1', status: 'RUNNING' }] } };
      if (method === 'GET' && url === '/jobs/overview') return { status: 200, body: { jobs: [{ jid: 'j1', name: 'job' }] } };
      if (method === 'GET' && url === '/jobs/j1') return { status: 200, body: details('RUNNING') };
      if (method === 'GET' && url === '/jobs/j1/plan') return { status: 200, body: { plan: { jobName: 'job' } } };
      if (method === 'POST' && url === '/jobs') return { status: 202, body: { jobid: 'j2' } };
      if (method === 'PATCH' && url === '/jobs/j1?mode=cancel') return { status: 202 };
      if (method === 'PATCH' && url === '/jobs/j1/throttles') return { status: 202, body: { taskmanagers: 2 } };
      return { status: 404, body: { errors: ['no route'] } };
    };
    const client = new RestClient(`${baseUrl}/`, { token: 'secret-token-0123456789' });
    expect(await client.overview()).toMatchObject({ taskmanagers: 2, 'slots-total': 4 });
    expect(await client.taskManagers()).toEqual([{ id: 'tm-1' }]);
    expect(await client.jobs()).toEqual([{ id: 'j1', status: 'RUNNING' }]);
    expect(await client.jobsOverview()).toEqual([{ jid: 'j1', name: 'job' }]);
    expect((await client.job('j1')).state).toBe('RUNNING');
    expect(await client.plan('j1')).toEqual({ jobName: 'job' });
    const request = { jobName: 'job', jobGraph: { jobName: 'job' } as never, code: 'export {}', programArgs: ['--x'], contextConfig: { parallelism: 2 } };
    expect(await client.submit(request)).toBe('j2');
    await client.cancel('j1');
    expect(await client.setThrottle('j1', 'consumer rate', Infinity)).toBe(2);
    expect(seen.every((s) => s.token === 'secret-token-0123456789')).toBe(true);
    expect(JSON.parse(seen.find((s) => s.method === 'POST')!.body)).toEqual(request);
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({ name: 'consumer rate', recordsPerSecond: 'Infinity' });
  });

  it("turns an error answer into a RuntimeError with the server's code, message and HTTP status", async () => {
    route = () => ({ status: 404, body: { errors: ['ERR_RT_UNKNOWN_JOB: no job abc'], code: 'ERR_RT_UNKNOWN_JOB' } });
    const error = await new RestClient(baseUrl).job('abc').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'RuntimeError', code: 'ERR_RT_UNKNOWN_JOB', message: 'ERR_RT_UNKNOWN_JOB: no job abc', httpStatus: 404 });
  });

  it('keeps an unknown server code in an ERR_RT_REST message', async () => {
    route = () => ({ status: 409, body: { errors: ['first', 'second'], code: 'ERR_SOMETHING_NEW' } });
    await expect(new RestClient(baseUrl).cancel('j1')).rejects.toMatchObject({
      code: 'ERR_RT_REST',
      httpStatus: 409,
      message: `ERR_RT_REST: PATCH ${baseUrl}/jobs/j1?mode=cancel failed with HTTP 409 ERR_SOMETHING_NEW: first; second`,
    });
  });

  it('reports an answer that is not JSON, error or not, as ERR_RT_REST with its beginning', async () => {
    route = () => ({ status: 502, raw: '<html>Bad Gateway</html>' });
    await expect(new RestClient(baseUrl).overview()).rejects.toMatchObject({ code: 'ERR_RT_REST', message: expect.stringContaining('HTTP 502: "<html>Bad Gateway</html>"') });
    route = () => ({ status: 200, raw: 'not json' });
    await expect(new RestClient(baseUrl).overview()).rejects.toMatchObject({ code: 'ERR_RT_REST', message: expect.stringContaining('not JSON: "not json"') });
  });

  it('names the url when no JobManager listens there', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await expect(new RestClient(`http://127.0.0.1:${port}`).jobs()).rejects.toMatchObject({
      code: 'ERR_RT_JM_UNREACHABLE',
      message: expect.stringContaining(`no JobManager answers at http://127.0.0.1:${port} (GET /jobs: connection refused)`),
    });
  });

  it('counts a JobManager that does not answer in time as unreachable', async () => {
    const silent = createServer(() => {}); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      await expect(new RestClient(url, { timeoutMs: 100 }).overview()).rejects.toMatchObject({
        code: 'ERR_RT_JM_UNREACHABLE',
        message: expect.stringContaining('no answer within 100 ms'),
      });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('waits for the end of a job, reporting each state change once', async () => {
    const states: JobStatus[] = ['CREATED', 'RUNNING', 'RUNNING', 'RUNNING', 'FINISHED'];
    route = () => ({ status: 200, body: details(states.shift() ?? 'FINISHED') });
    const changes: string[] = [];
    const end = await new RestClient(baseUrl).waitForJobEnd('j1', {
      pollMs: 5,
      onStateChange: (d, previous) => changes.push(`${previous ?? '-'}>${d.state}`),
    });
    expect(end.state).toBe('FINISHED');
    expect(changes).toEqual(['->CREATED', 'CREATED>RUNNING', 'RUNNING>FINISHED']);
  });

  it('waits through FAILING (the job has not ended) until FAILED', async () => {
    const states: JobStatus[] = ['RUNNING', 'FAILING', 'FAILING', 'FAILED'];
    route = () => ({ status: 200, body: details(states.shift() ?? 'FAILED') });
    const changes: string[] = [];
    const end = await new RestClient(baseUrl).waitForJobEnd('j1', { pollMs: 5, onStateChange: (d, previous) => changes.push(`${previous ?? '-'}>${d.state}`) });
    expect(end.state).toBe('FAILED');
    expect(changes).toEqual(['->RUNNING', 'RUNNING>FAILING', 'FAILING>FAILED']);
  });

  it('stops waiting when its signal aborts, leaving the job alone', async () => {
    route = () => ({ status: 200, body: details('RUNNING') });
    const controller = new AbortController();
    const waiting = new RestClient(baseUrl).waitForJobEnd('j1', { pollMs: 10, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('Ctrl-C')), 30);
    await expect(waiting).rejects.toThrow('Ctrl-C');
    expect(seen.every((s) => s.method === 'GET')).toBe(true);
  });
});
