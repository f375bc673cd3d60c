// `sluice top`: the table, the bottleneck rule, and the command line reaching the handler.
import { describe, expect, it } from 'vitest';
import { runCli, type TopOptions } from '../../src/cli/cli.js';
import { findBottleneck, formatTopTable, type JobSnapshot } from '../../src/client/top-view.js';
import { isTerminalJobStatus, TERMINAL_JOB_STATES } from '../../src/client/index.js';
import type { JobDetails, JobStatus } from '../../src/rest/rest-types.js';

function vertex(id: string, name: string, metrics: Record<string, number>): JobDetails['vertices'][number] {
  return { id, name, parallelism: 2, status: 'RUNNING', 'start-time': 0, 'end-time': -1, duration: 1000, tasks: { RUNNING: 2 }, metrics };
}

const SNAPSHOT: JobSnapshot = {
  details: {
    'jid': 'a'.repeat(32), 'name': 'backpressure-demo', 'state': 'RUNNING', 'start-time': 0, 'end-time': -1, 'duration': 12_300, 'now': 12_300,
    'timestamps': {}, 'status-counts': { RUNNING: 6 },
    'vertices': [
      vertex('s', 'Source: Fast source', { busyTimeMsPerSecond: 20, backPressuredTimeMsPerSecond: 975, idleTimeMsPerSecond: 5, numRecordsOutPerSecond: 36_300, outPoolUsage: 1 }),
      vertex('m', 'Slow map', { busyTimeMsPerSecond: 998, backPressuredTimeMsPerSecond: 0, idleTimeMsPerSecond: 2, numRecordsInPerSecond: 36_300, numRecordsOutPerSecond: 36_300, outPoolUsage: 0.1, inPoolUsage: 0 }),
      vertex('k', 'Sink: Counting sink', { busyTimeMsPerSecond: 10, backPressuredTimeMsPerSecond: 0, idleTimeMsPerSecond: 990, numRecordsInPerSecond: 36_300, outPoolUsage: 0, inPoolUsage: 0 }),
    ],
    'plan': { edges: [{ sourceVertexId: 's', targetVertexId: 'm' }, { sourceVertexId: 'm', targetVertexId: 'k' }] },
  },
  backpressure: [{ status: 'ok', backpressureLevel: 'high' }, { status: 'ok', backpressureLevel: 'ok' }, { status: 'ok', backpressureLevel: 'ok' }],
};

describe('sluice top', () => {
  it('names the busiest vertex downstream of a backpressured one as the likely bottleneck', () => {
    expect(findBottleneck(SNAPSHOT)).toEqual({ vertex: 'Slow map', busyPercent: 99.8, upstream: 'Source: Fast source', upstreamLevel: 'high' });
    const calm: JobSnapshot = { ...SNAPSHOT, backpressure: SNAPSHOT.backpressure.map(() => ({ status: 'ok', backpressureLevel: 'ok' })) };
    expect(findBottleneck(calm)).toBeUndefined();
  });

  it('prints one aligned row per vertex with busy, backpressured, idle, level, rates and pools', () => {
    const lines = formatTopTable(SNAPSHOT, Date.UTC(2026, 0, 1, 12, 0, 0)).split('\n');
    expect(lines[0]).toMatch(/^Job backpressure-demo \(a{32}\) RUNNING for 12s, \d\d:\d\d:\d\d$/);
    expect(lines[2].split(/\s{2,}/)).toEqual(['VERTEX', 'PAR', 'BUSY', 'BACKPRESSURED', 'IDLE', 'LEVEL', 'IN/S', 'OUT/S', 'OUT POOL', 'IN POOL']);
    expect(lines[3].split(/\s{2,}/)).toEqual(['Source: Fast source', '2', '2%', '98%', '1%', 'HIGH', '-', '36.3k', '100%', '-']);
    expect(lines[4].split(/\s{2,}/)).toEqual(['Slow map', '2', '100%', '0%', '0%', 'OK', '36.3k', '36.3k', '10%', '0%']);
    expect(new Set(lines.slice(2, 6).map((line) => line.length)).size).toBe(1); // right-aligned columns end together
    expect(lines.join('\n')).toContain('Likely bottleneck: Slow map (busy 100%), downstream of Source: Fast source (backpressure HIGH).');
  });

  it('says the job is FAILING instead of naming a bottleneck; FAILING is not a terminal state', () => {
    const failing: JobSnapshot = { ...SNAPSHOT, details: { ...SNAPSHOT.details, state: 'FAILING' } };
    const text = formatTopTable(failing, Date.UTC(2026, 0, 1, 12, 0, 0));
    expect(text.split('\n')[0]).toMatch(/^Job backpressure-demo \(a{32}\) FAILING for 12s, /);
    expect(text).toContain('The job is FAILING: its subtasks are being canceled; figures are their last ones.');
    expect(text).not.toContain('Likely bottleneck');
    expect([...TERMINAL_JOB_STATES].sort()).toEqual(['CANCELED', 'FAILED', 'FINISHED']);
    expect(['FAILING', 'CANCELING', 'RUNNING', 'CREATED'].map((state) => isTerminalJobStatus(state as JobStatus))).toEqual([false, false, false, false]);
  });

  it('takes an optional job id and --once on the command line', async () => {
    const calls: TopOptions[] = [];
    const handlers = { top: (options: TopOptions) => void calls.push(options) };
    await runCli(['top', 'b'.repeat(32), '--once'], { handlers, stdout: () => {}, stderr: () => {}, env: {} });
    await runCli(['top'], { handlers, stdout: () => {}, stderr: () => {}, env: {} });
    expect(calls.map((c) => [c.jobId, c.isOnce])).toEqual([['b'.repeat(32), true], [undefined, false]]);
  });
});
