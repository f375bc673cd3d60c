// TaskIoMetrics: timed waits add to their counters, and a wait in progress is visible to a reader before it ends.
import { describe, expect, it } from 'vitest';
import { epochMs, TaskIoMetrics } from '../../src/metrics/task-io-metrics.js';

describe('TaskIoMetrics', () => {
  it('adds a timed wait to its counter when it stops, and nothing for a stop without a start', () => {
    const metrics = TaskIoMetrics.create();
    metrics.startTimer('idleTimeMs');
    const until = epochMs() + 20;
    while (epochMs() < until);
    const added = metrics.stopTimer('idleTimeMs');
    expect(added).toBeGreaterThanOrEqual(19);
    expect(metrics.get('idleTimeMs')).toBe(added);
    expect(metrics.stopTimer('idleTimeMs')).toBe(0);
    expect(metrics.get('idleTimeMs')).toBe(added);
  });

  it('reads a wait in progress into its counter, without changing the counter itself', () => {
    const metrics = TaskIoMetrics.create();
    metrics.add('softBackPressuredTimeMs', 100);
    const start = epochMs();
    metrics.startTimer('softBackPressuredTimeMs');
    const read = metrics.read(start + 250);
    expect(read.softBackPressuredTimeMs).toBeGreaterThanOrEqual(349);
    expect(read.softBackPressuredTimeMs).toBeLessThanOrEqual(351);
    expect(read.idleTimeMs).toBe(0);
    expect(metrics.snapshot().softBackPressuredTimeMs).toBe(100);
  });

  it('is readable through a second instance on the same memory, as the TaskManager reads its subtasks', () => {
    const writer = TaskIoMetrics.create();
    const reader = new TaskIoMetrics(writer.sab);
    writer.add('numRecordsOut', 42);
    writer.startTimer('hardBackPressuredTimeMs');
    expect(reader.read(epochMs() + 1000).hardBackPressuredTimeMs).toBeGreaterThanOrEqual(999);
    expect(reader.read().numRecordsOut).toBe(42);
  });
});
