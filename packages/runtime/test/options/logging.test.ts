// Tests of the per-process logger: level from SLUICE_LOG_LEVEL, JSON or pretty lines, subtask children, config logged once.
import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/errors.js';
import { createLogger, createSubtaskLogger, logResolvedConfig, parseLogLevel } from '../../src/logging.js';
import { DEFAULT_CONFIG, loadConfig } from '../../src/options.js';

/** A destination that keeps every line written to it. */
function collector(): { lines: string[]; write(line: string): void } {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

const records = (lines: string[]) => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe('createLogger', () => {
  it('writes JSON lines named after the process, at info by default', () => {
    const out = collector();
    const logger = createLogger('jobmanager', { destination: out, isPretty: false, env: {} });
    logger.debug('hidden');
    logger.info({ jobId: 'j1' }, 'job submitted');
    expect(records(out.lines)).toEqual([expect.objectContaining({ name: 'jobmanager', level: 30, jobId: 'j1', msg: 'job submitted' })]);
  });

  it('takes its level from SLUICE_LOG_LEVEL, and an explicit level wins', () => {
    const out = collector();
    createLogger('taskmanager-1', { destination: out, isPretty: false, env: { SLUICE_LOG_LEVEL: 'debug' } }).debug('shown');
    createLogger('taskmanager-2', { destination: out, isPretty: false, env: { SLUICE_LOG_LEVEL: 'debug' }, level: 'warn' }).info('hidden');
    expect(records(out.lines).map((r) => r.name)).toEqual(['taskmanager-1']);
  });

  it('rejects an unknown SLUICE_LOG_LEVEL, naming the variable', () => {
    expect(() => createLogger('client', { env: { SLUICE_LOG_LEVEL: 'loud' } })).toThrow(RuntimeError);
    expect(() => parseLogLevel('loud', 'SLUICE_LOG_LEVEL')).toThrow(
      'ERR_RT_BAD_CONFIG: SLUICE_LOG_LEVEL: expected one of trace, debug, info, warn, error, fatal, silent, got "loud"',
    );
  });

  it('writes human-readable lines synchronously when pretty', () => {
    const out = collector();
    createLogger('client', { destination: out, isPretty: true, env: {} }).warn({ port: 8081 }, 'rest server up');
    expect(out.lines).toHaveLength(1); // written before warn() returned: no transport thread, no async stream
    expect(out.lines[0]).toMatch(/WARN.*\(client\): rest server up/);
    expect(out.lines[0]).toContain('port: 8081');
    expect(() => JSON.parse(out.lines[0])).toThrow();
  });
});

describe('createSubtaskLogger', () => {
  it('tags lines with the job and the subtask, Flink style', () => {
    const out = collector();
    const parent = createLogger('taskmanager-1', { destination: out, isPretty: false, env: {} });
    createSubtaskLogger(parent, { jobId: 'j1', taskName: 'Map', subtaskIndex: 1, parallelism: 4 }).info('running');
    expect(records(out.lines)[0]).toMatchObject({ name: 'taskmanager-1', jobId: 'j1', subtask: 'Map (2/4)#0', msg: 'running' });
  });
});

describe('logResolvedConfig', () => {
  it('logs the configuration once per logger, with the token redacted', () => {
    const out = collector();
    const logger = createLogger('jobmanager', { destination: out, isPretty: false, env: {} });
    const config = loadConfig({ env: {}, overrides: { 'cluster.token': 'abcdefghijklmnopqrstuvwxyz' } });
    logResolvedConfig(logger, config);
    logResolvedConfig(logger, DEFAULT_CONFIG);
    expect(out.lines).toHaveLength(1);
    const [record] = records(out.lines);
    expect(record.msg).toBe('resolved configuration');
    expect(record.config).toMatchObject({ 'rest.port': 8081, 'cluster.token': '(set)' });
    expect(out.lines[0]).not.toContain('abcdefghijklmnop');
  });
});
