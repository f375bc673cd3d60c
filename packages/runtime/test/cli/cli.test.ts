// Tests of the `sluice` command tree: every command reaches its handler with typed options; usage errors exit 2, handler errors 1.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/errors.js';
import { DEFAULT_HANDLERS, runCli, type CommandHandlers, type CommonOptions } from '../../src/cli/cli.js';
import { DEFAULT_CONFIG } from '../../src/options.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../../../..');
const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));
const JOB = join(dir, 'job.ts');
writeFileSync(JOB, 'export {};\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Call {
  name: keyof CommandHandlers;
  options: Record<string, unknown> & CommonOptions;
}

/** Runs the CLI in-process with recording handlers, captured output and an empty environment. */
async function sluice(argv: string[], handlers: Partial<CommandHandlers> = {}, env: NodeJS.ProcessEnv = {}) {
  const calls: Call[] = [];
  const recording = Object.fromEntries(
    (Object.keys(DEFAULT_HANDLERS) as (keyof CommandHandlers)[]).map((name) => [
      name,
      handlers[name] ?? ((options: Call['options']) => void calls.push({ name, options })),
    ]),
  ) as unknown as CommandHandlers;
  let stdout = '';
  let stderr = '';
  const exits: number[] = [];
  const code = await runCli(argv, {
    handlers: recording,
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    exit: (c) => void exits.push(c),
    env,
  });
  expect(exits).toEqual([code]);
  return { code, calls, stdout, stderr, call: calls[0] };
}

describe('sluice commands', () => {
  it('cluster start passes the number of TaskManagers and puts --slots into the configuration', async () => {
    const { code, calls, call } = await sluice(['cluster', 'start', '--taskmanagers', '3', '--slots', '2', '--rest-port', '0']);
    expect(code).toBe(0);
    expect(calls).toHaveLength(1);
    expect(call.name).toBe('clusterStart');
    expect(call.options.numTaskManagers).toBe(3);
    expect(call.options.config['taskmanager.numberOfTaskSlots']).toBe(2);
    expect(call.options.config['rest.port']).toBe(0);
    expect(call.options.overrides).toEqual({ 'taskmanager.numberOfTaskSlots': 2, 'rest.port': 0 });
    expect(call.options.logLevel).toBe('info');
    expect(call.options.signal).toBeInstanceOf(AbortSignal);
  });

  it('cluster start defaults to one TaskManager and the configured slots', async () => {
    const { call } = await sluice(['cluster', 'start']);
    expect(call.options.numTaskManagers).toBe(1);
    expect(call.options.config).toEqual(DEFAULT_CONFIG);
  });

  it('jobmanager takes its ports as configuration', async () => {
    const { call } = await sluice(['jobmanager', '--rpc-port', '0', '--rest-port', '9091']);
    expect(call.name).toBe('jobmanager');
    expect(call.options.config['jobmanager.rpc.port']).toBe(0);
    expect(call.options.config['rest.port']).toBe(9091);
  });

  it('taskmanager takes the JobManager URL, resource id, slots and data port', async () => {
    const { call } = await sluice(['taskmanager', '--jobmanager', 'ws://127.0.0.1:6123', '--resource-id', 'tm-7', '--slots', '4', '--data-port', '7001']);
    expect(call.name).toBe('taskmanager');
    expect(call.options.jobManagerUrl).toEqual(new URL('ws://127.0.0.1:6123'));
    expect(call.options.resourceId).toBe('tm-7');
    expect(call.options.config['taskmanager.numberOfTaskSlots']).toBe(4);
    expect(call.options.config['taskmanager.data.port']).toBe(7001);
    expect((await sluice(['taskmanager'])).call.options.jobManagerUrl).toBeUndefined();
  });

  it('run gives the job everything after the job file, untouched', async () => {
    const { code, call } = await sluice(['run', '-p', '2', JOB, '--input', 'a.txt', '--output', 'out']);
    expect(code).toBe(0);
    expect(call.name).toBe('run');
    expect(call.options.jobFile).toBe(JOB);
    expect(call.options.jobArgs).toEqual(['--input', 'a.txt', '--output', 'out']);
    expect(call.options.config['parallelism.default']).toBe(2);
    expect(call.options.isDetached).toBe(false);
    expect(call.options.jobManagerUrl).toBeUndefined();
  });

  it('run passes flags that look like its own, and --, to the job once the job file is given', async () => {
    const { call } = await sluice(['run', '--detached', '--jobmanager', 'localhost:8081', JOB, '-p', '3', '--detached', '--', '--x']);
    expect(call.options.jobArgs).toEqual(['-p', '3', '--detached', '--', '--x']);
    expect(call.options.isDetached).toBe(true);
    expect(call.options.jobManagerUrl).toEqual(new URL('http://localhost:8081'));
    expect(call.options.config['parallelism.default']).toBe(1);
  });

  it('plan takes a job file, its arguments and -p', async () => {
    const { call } = await sluice(['plan', '-p', '4', JOB, '--input', 'x']);
    expect(call.name).toBe('plan');
    expect(call.options).toMatchObject({ jobFile: JOB, jobArgs: ['--input', 'x'] });
    expect(call.options.config['parallelism.default']).toBe(4);
  });

  it('list, cancel and top reach their handlers', async () => {
    expect((await sluice(['list'])).call).toMatchObject({ name: 'list', options: { jobManagerUrl: undefined } });
    expect((await sluice(['cancel', 'a1b2', '--jobmanager', 'http://127.0.0.1:9000'])).call).toMatchObject({
      name: 'cancel',
      options: { jobId: 'a1b2', jobManagerUrl: new URL('http://127.0.0.1:9000') },
    });
    expect((await sluice(['top'])).call.name).toBe('top');
  });
});

describe('configuration on the command line', () => {
  it('reads --config, lets -D override it and lets flags override -D', async () => {
    const file = join(dir, 'conf.yaml');
    writeFileSync(file, 'rest.port: 9000\ntaskmanager.numberOfTaskSlots: 2\nparallelism.default: 3\n');
    const { call } = await sluice(['--config', file, '-D', 'rest.port=9001', 'cluster', 'start', '-Dparallelism.default=5', '--slots', '4', '-D', 'taskmanager.numberOfTaskSlots=6']);
    expect(call.options.configFile).toBe(file);
    expect(call.options.config).toMatchObject({ 'rest.port': 9001, 'parallelism.default': 5, 'taskmanager.numberOfTaskSlots': 4 });
    expect(call.options.overrides).toEqual({ 'rest.port': '9001', 'parallelism.default': '5', 'taskmanager.numberOfTaskSlots': 4 });
  });

  it('accepts the common options after the command too', async () => {
    const { call } = await sluice(['list', '--log-level', 'warn', '-D', 'rest.port=1234']);
    expect(call.options.logLevel).toBe('warn');
    expect(call.options.config['rest.port']).toBe(1234);
  });

  it('takes the log level from SLUICE_LOG_LEVEL unless --log-level is given', async () => {
    expect((await sluice(['list'], {}, { SLUICE_LOG_LEVEL: 'debug' })).call.options.logLevel).toBe('debug');
    expect((await sluice(['--log-level', 'error', 'list'], {}, { SLUICE_LOG_LEVEL: 'debug' })).call.options.logLevel).toBe('error');
  });

  it('rejects an unknown key or a bad value at start, naming it, with exit 2', async () => {
    const unknown = await sluice(['-D', 'rest.prot=1', 'list']);
    expect(unknown).toMatchObject({ code: 2, calls: [] });
    expect(unknown.stderr).toBe('ERR_RT_BAD_CONFIG: -D: unknown configuration key "rest.prot" (did you mean "rest.port"?)\n');
    const bad = await sluice(['cluster', 'start', '--slots', '5000']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--slots: taskmanager.numberOfTaskSlots: expected an integer in [1, 1024], got 5000');
    expect((await sluice(['list'], {}, { SLUICE_LOG_LEVEL: 'loud' })).stderr).toContain('SLUICE_LOG_LEVEL');
  });

  it('rejects a non-loopback address without a token', async () => {
    const { code, stderr } = await sluice(['jobmanager', '-D', 'rest.bind-address=0.0.0.0']);
    expect(code).toBe(2);
    expect(stderr).toContain('cluster.token is required because rest.bind-address = 0.0.0.0 (-D) is not loopback');
    const remote = await sluice(['list', '--jobmanager', '10.0.0.5:8081']);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain('--jobmanager http://10.0.0.5:8081/ is not loopback, so cluster.token is required');
    const withToken = await sluice(['list', '--jobmanager', '10.0.0.5:8081'], {}, { SLUICE_CLUSTER_TOKEN: '0123456789abcdef' });
    expect(withToken.code).toBe(0);
  });
});

describe('usage errors', () => {
  it.each([
    [['run', '--bogus', 'job.ts'], "unknown option '--bogus'"],
    [['run', '-p', 'two', 'job.ts'], "option '-p, --parallelism <n>' argument 'two' is invalid"],
    [['run'], "missing required argument 'job'"],
    [['cluster', 'start', '--taskmanagers', '0'], "option '--taskmanagers <n>' argument '0' is invalid"],
    [['-D', 'rest.port', 'list'], "option '-D <key=value>' argument 'rest.port' is invalid. expected key=value."],
    [['--log-level', 'loud', 'list'], "option '--log-level <level>' argument 'loud' is invalid"],
    [['list', '--jobmanager', 'ftp://x'], "option '--jobmanager <url>' argument 'ftp://x' is invalid"],
    [['cancel'], "missing required argument 'jobId'"],
    [['deploy'], "unknown command 'deploy'"],
    [['run', 'no-such-job.ts'], 'job file not found: no-such-job.ts'],
  ])('sluice %j exits 2 naming the problem', async (argv, message) => {
    const { code, calls, stderr } = await sluice(argv);
    expect(code).toBe(2);
    expect(calls).toEqual([]);
    expect(stderr).toContain(message);
  });

  it('prints help to stdout and exits 0', async () => {
    const { code, stdout, calls } = await sluice(['--help']);
    expect(code).toBe(0);
    expect(calls).toEqual([]);
    for (const command of ['cluster', 'jobmanager', 'taskmanager', 'run', 'plan', 'list', 'cancel', 'top']) expect(stdout).toContain(command);
    expect((await sluice(['run', '--help'])).stdout).toContain('Usage: sluice run [options] <job> [args...]');
  });
});

describe('handler errors', () => {
  const failing = {
    list: () => {
      throw new RuntimeError('ERR_RT_BAD_OPTION', 'cannot reach the JobManager');
    },
    cancel: async () => {
      throw Object.assign(new Error('connection refused'), { code: 'ECONNREFUSED' });
    },
  };

  it('print code: message without a stack and exit 1', async () => {
    const list = await sluice(['list'], failing);
    expect(list).toMatchObject({ code: 1, stderr: 'ERR_RT_BAD_OPTION: cannot reach the JobManager\n' });
    const cancel = await sluice(['cancel', 'j1'], failing);
    expect(cancel).toMatchObject({ code: 1, stderr: 'ECONNREFUSED: connection refused\n' });
  });

  it('print the stack at --log-level debug', async () => {
    const { code, stderr } = await sluice(['--log-level', 'debug', 'list'], failing);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^ERR_RT_BAD_OPTION: cannot reach the JobManager\n\s+at /);
  });

  it('come from the default handlers as ERR_RT_NOT_IMPLEMENTED', async () => {
    const { code, stderr } = await runCliWithDefaults(['cluster', 'start']);
    expect(code).toBe(1);
    expect(stderr).toBe('ERR_RT_NOT_IMPLEMENTED: `sluice cluster start` is not implemented yet\n');
  });
});

async function runCliWithDefaults(argv: string[]) {
  let stderr = '';
  const code = await runCli(argv, { stdout: () => undefined, stderr: (text) => void (stderr += text), env: {} });
  return { code, stderr };
}

describe('sluice-main.ts as a child process', () => {
  const main = join(ROOT, 'packages/runtime/src/cli/sluice-main.ts');
  const spawn = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', main, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, SLUICE_LOG_LEVEL: '' } });

  it('prints help and exits 0', () => {
    const child = spawn(['--help']);
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout).toContain('Usage: sluice [options] [command]');
    expect(child.stdout).toContain('cluster');
  });

  it('exits 2 on a usage error', () => {
    const child = spawn(['run', '--bogus', 'job.ts']);
    expect(child.status).toBe(2);
    expect(child.stderr).toContain("unknown option '--bogus'");
  });
});
