// Tests of the real `sluice` handlers with injected output: plan (text and JSON), and run/list/cancel against a REST stub.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { createCommandHandlers, formatJobList, toRpcUrl } from '../../src/client/command-handlers.js';
import { bundleAndCaptureJob } from '../../src/client/capture-job.js';
import { formatJobGraph, jobGraphToJson } from '../../src/graph/format-plan.js';
import type { JobDetails, JobStatus, JobSubmitRequest } from '../../src/rest/rest-types.js';

const JOB = resolve(fileURLToPath(import.meta.url), '../fixtures/fixture-job.ts');

/** Runs the CLI in-process with the real handlers, captured output and an empty environment. */
async function sluice(argv: string[], signal?: AbortSignal) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    handlers: createCommandHandlers(),
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    env: {},
    signal,
  });
  return { code, stdout, stderr };
}

describe('sluice plan', () => {
  it('prints the job graph built from the bundled job, with -p and the program arguments applied', async () => {
    const { code, stdout, stderr } = await sluice(['plan', '-p', '3', JOB, '--name', 'planned', '--source-parallelism', '2']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const { plan } = await bundleAndCaptureJob(JOB, { programArgs: ['--name', 'planned', '--source-parallelism', '2'], contextConfig: { parallelism: 3 } });
    expect(stdout).toBe(formatJobGraph(plan.jobGraph));
    expect(stdout).toMatch(/^Job "planned": 3 vertices, 2 edges, 3 slots\n/);
  });

  it('prints jobGraphToJson with --json', async () => {
    const { code, stdout } = await sluice(['plan', '--json', JOB, '--name', 'as json']);
    expect(code).toBe(0);
    const { plan } = await bundleAndCaptureJob(JOB, { programArgs: ['--name', 'as json'], contextConfig: { parallelism: 1 } });
    expect(JSON.parse(stdout)).toEqual(JSON.parse(JSON.stringify(jobGraphToJson(plan.jobGraph))));
    expect(stdout.endsWith('}\n')).toBe(true);
  });

  it('fails with ERR_RT_NO_EXECUTE, exit 1, for a job that never calls execute()', async () => {
    const { code, stdout, stderr } = await sluice(['plan', resolve(JOB, '../no-execute-job.ts')]);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^ERR_RT_NO_EXECUTE: .*no-execute-job\.ts did not call env\.execute\(\)\n$/);
  });
});

// ─────────────────────────────── a JobManager REST stub ───────────────────────────────

let server: Server;
let jobManager: string;
let submitted: JobSubmitRequest[];
let states: JobStatus[];
let cancels: string[];
let failure: JobDetails['failure-cause'];

function details(state: JobStatus): JobDetails {
  const base = { jid: 'j-1', name: 'fixture job', state, 'start-time': 1_700_000_000_000, 'end-time': -1, duration: 1234, now: 0 };
  return { ...base, timestamps: {}, vertices: [], 'status-counts': {}, plan: {}, ...(state === 'FAILED' ? { 'failure-cause': failure } : {}) };
}

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const reply = (status: number, value?: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(value === undefined ? '' : JSON.stringify(value));
      };
      if (request.method === 'POST' && request.url === '/jobs') {
        submitted.push(JSON.parse(body) as JobSubmitRequest);
        return reply(202, { jobid: 'j-1' });
      }
      if (request.method === 'GET' && request.url === '/jobs/j-1') return reply(200, details(states.length > 1 ? states.shift()! : states[0]));
      if (request.method === 'PATCH' && request.url === '/jobs/j-1?mode=cancel') {
        cancels.push('j-1');
        states = ['CANCELING', 'CANCELED'];
        return reply(202);
      }
      if (request.method === 'GET' && request.url === '/jobs/overview') {
        return reply(200, { jobs: [details('FINISHED'), { ...details('RUNNING'), jid: 'j-2', name: 'second', 'start-time': 1_700_000_100_000 }] });
      }
      reply(404, { errors: [`no route ${request.method} ${request.url}`], code: 'ERR_RT_NOT_FOUND' });
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  jobManager = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((done) => server.close(() => done())));

beforeEach(() => {
  submitted = [];
  cancels = [];
  states = ['RUNNING'];
  failure = undefined;
});

describe('sluice run', () => {
  it('submits the bundle, its graph, the program arguments and the context config, and prints the JobID', async () => {
    const { code, stdout } = await sluice(['run', '-p', '2', '--detached', '--jobmanager', jobManager, JOB, '--name', 'shipped', '--input', 'a.txt']);
    expect(code).toBe(0);
    expect(stdout).toBe('Job has been submitted with JobID j-1\n');
    const [request] = submitted;
    expect(request.jobName).toBe('shipped');
    expect(request.programArgs).toEqual(['--name', 'shipped', '--input', 'a.txt']);
    expect(request.contextConfig).toEqual({ parallelism: 2 });
    expect(request.code).toContain('function buildPipeline(');
    const { plan } = await bundleAndCaptureJob(JOB, { programArgs: request.programArgs, contextConfig: { parallelism: 2 } });
    expect(request.jobGraph).toEqual(JSON.parse(JSON.stringify(jobGraphToJson(plan.jobGraph))));
  });

  it('follows the job to FINISHED, printing its state changes, and exits 0', async () => {
    states = ['CREATED', 'RUNNING', 'FINISHED'];
    const { code, stdout, stderr } = await sluice(['run', '--jobmanager', jobManager, JOB]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/switched to CREATED\.\n.*switched to RUNNING\.\n.*switched to FINISHED\.\n$/);
    expect(stdout).toContain('Job with JobID j-1 has finished.\nJob Runtime: 1234 ms\n');
  });

  it("prints the worker's message and stack when the job fails, and exits 1", async () => {
    states = ['RUNNING', 'FAILING', 'FAILED'];
    failure = { name: 'Error', message: 'boom in map', stack: 'Error: boom in map\n    at map (job.ts:12:9)', taskName: 'Map (1/2)', taskManager: 'tm-1' };
    const { code, stderr } = await sluice(['run', '--jobmanager', jobManager, JOB]);
    expect(code).toBe(1);
    expect(stderr).toContain('The job failed in Map (1/2) on tm-1:\nError: boom in map\n    at map (job.ts:12:9)\n');
    expect(stderr).toMatch(/ERR_RT_JOB_FAILED: job j-1 failed: boom in map\n$/);
    expect(stderr).toMatch(/switched to RUNNING\.\n.*switched to FAILING\.\n.*switched to FAILED\.\n/); // FAILING passes, the wait goes on
  });

  it('exits 1 when the job is canceled', async () => {
    states = ['CANCELED'];
    const { code, stderr } = await sluice(['run', '--jobmanager', jobManager, JOB]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/ERR_RT_JOB_CANCELED: job j-1 was canceled\n$/);
  });

  it('stops waiting on Ctrl-C without cancelling the job', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('SIGINT')), 700);
    const { code, stderr } = await sluice(['run', '--jobmanager', jobManager, JOB], controller.signal);
    expect(code).toBe(0);
    expect(stderr).toContain('Stopped waiting; job j-1 keeps running. Cancel it with: sluice cancel j-1\n');
    expect(cancels).toEqual([]);
  });

  it('names the JobManager it cannot reach', async () => {
    const { code, stderr } = await sluice(['run', '--jobmanager', 'http://127.0.0.1:1', JOB]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^ERR_RT_JM_UNREACHABLE: no JobManager answers at http:\/\/127\.0\.0\.1:1 /);
  });
});

describe('sluice list and cancel', () => {
  it("lists running jobs first, then terminated ones, Flink's way", async () => {
    const { code, stdout } = await sluice(['list', '--jobmanager', jobManager.replace('http://', '')]);
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('------------------ Running/Restarting Jobs -------------------');
    expect(lines[1]).toMatch(/^\d\d\.\d\d\.\d{4} \d\d:\d\d:\d\d : j-2 : second \(RUNNING\)$/);
    expect(lines[3]).toBe('---------------------- Terminated Jobs -----------------------');
    expect(lines[4]).toMatch(/ : j-1 : fixture job \(FINISHED\)$/);
  });

  it('cancels a job and reports it cancelled once it is', async () => {
    const { code, stdout, stderr } = await sluice(['cancel', '--jobmanager', jobManager, 'j-1']);
    expect(code).toBe(0);
    expect(cancels).toEqual(['j-1']);
    expect(stderr).toBe('Cancelling job j-1.\n');
    expect(stdout).toBe('Cancelled job j-1.\n');
  });

  it('lists a FAILING or CANCELING job with the running ones: it has not ended yet', () => {
    const job = (jid: string, state: JobStatus, at: number) => ({ ...details(state), jid, 'start-time': 1_700_000_000_000 + at });
    const lines = formatJobList([job('j-f', 'FAILING', 3), job('j-c', 'CANCELING', 2), job('j-x', 'FAILED', 1)]).split('\n');
    expect(lines[0]).toBe('------------------ Running/Restarting Jobs -------------------');
    expect(lines[1]).toMatch(/ : j-f : fixture job \(FAILING\)$/);
    expect(lines[2]).toMatch(/ : j-c : fixture job \(CANCELING\)$/);
    expect(lines[4]).toBe('---------------------- Terminated Jobs -----------------------');
    expect(lines[5]).toMatch(/ : j-x : fixture job \(FAILED\)$/);
  });

  it('says so when there are no jobs', () => {
    expect(formatJobList([])).toBe('No running jobs.\nNo terminated jobs.\n');
  });
});

describe('toRpcUrl', () => {
  it('turns a --jobmanager address into the RPC WebSocket url', () => {
    expect(toRpcUrl(new URL('http://127.0.0.1:6123'))).toBe('ws://127.0.0.1:6123/rpc');
    expect(toRpcUrl(new URL('https://jm.example:6123/'))).toBe('wss://jm.example:6123/rpc');
    expect(toRpcUrl(new URL('ws://127.0.0.1:6123/rpc'))).toBe('ws://127.0.0.1:6123/rpc');
  });
});

describe('sluice run interrupted early', () => {
  it('does not submit when Ctrl-C came before the job was built', async () => {
    submitted = [];
    const controller = new AbortController();
    controller.abort(new Error('SIGINT'));
    const { code, stdout, stderr } = await sluice(['run', '--jobmanager', jobManager, JOB], controller.signal);
    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).toBe('Interrupted before the job was submitted; nothing runs.\n');
    expect(submitted).toEqual([]);
  });
});
