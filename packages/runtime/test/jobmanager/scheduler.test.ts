import { describe, expect, it } from 'vitest';
import { RuntimeError } from '../../src/errors.js';
import { requiredSlots } from '../../src/graph/job-graph.js';
import { assignSlots, scheduleJob, slotSharingGroupsOf } from '../../src/jobmanager/scheduler.js';
import { SlotPool } from '../../src/jobmanager/slot-pool.js';
import { sourceToSink, threeEdges, twoGroups } from './graphs.js';

const slot = (resourceId: string, slotIndex: number) => ({ resourceId, slotIndex });

describe('SlotPool', () => {
  it('spreads an allocation over TaskManagers round-robin, in registration order', () => {
    const pool = new SlotPool();
    pool.addTaskManager('tm-a', 2);
    pool.addTaskManager('tm-b', 2);
    expect(pool.allocate('job-1', 3)).toEqual([slot('tm-a', 0), slot('tm-b', 0), slot('tm-a', 1)]);
    expect(pool.numSlotsAvailable).toBe(1);
    expect(pool.numSlotsAvailableOn('tm-a')).toBe(0);
    expect(pool.allocate('job-2', 1)).toEqual([slot('tm-b', 1)]);
  });

  it('skips TaskManagers with no free slot and fills the others', () => {
    const pool = new SlotPool();
    pool.addTaskManager('tm-a', 1);
    pool.addTaskManager('tm-b', 3);
    pool.allocate('job-1', 1);
    expect(pool.allocate('job-2', 3)).toEqual([slot('tm-b', 0), slot('tm-b', 1), slot('tm-b', 2)]);
  });

  it('fails a request it cannot fill whole, naming needed vs available, and allocates nothing', () => {
    const pool = new SlotPool();
    pool.addTaskManager('tm-a', 2);
    pool.addTaskManager('tm-b', 2);
    pool.allocate('job-1', 1);
    let error: unknown;
    try {
      pool.allocate('job-2', 4, 'job "big"');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as RuntimeError).code).toBe('ERR_RT_NOT_ENOUGH_SLOTS');
    expect((error as Error).message).toContain('job "big" needs 4 slots but only 3 of 4 are available on 2 TaskManagers');
    expect(pool.numSlotsAvailable).toBe(3);
  });

  it("frees a job's slots on release, and reports the jobs of a removed TaskManager", () => {
    const pool = new SlotPool();
    pool.addTaskManager('tm-a', 2);
    pool.addTaskManager('tm-b', 1);
    pool.allocate('job-1', 2);
    pool.allocate('job-2', 1);
    expect(pool.removeTaskManager('tm-a')).toEqual(['job-1', 'job-2']);
    expect(pool.numSlotsTotal).toBe(1);
    expect(pool.release('job-1')).toBe(1);
    expect(pool.numSlotsAvailable).toBe(1);
    expect(pool.removeTaskManager('tm-unknown')).toEqual([]);
  });
});

describe('scheduler', () => {
  it('needs the largest parallelism per slot sharing group, summed over groups', () => {
    expect(requiredSlots(sourceToSink(2, 3))).toBe(3);
    expect(requiredSlots(threeEdges(2, 4, 1))).toBe(4);
    expect(slotSharingGroupsOf(twoGroups()).map((group) => [group.name, group.numSlots])).toEqual([
      ['default', 2],
      ['sinks', 3],
    ]);
    expect(requiredSlots(twoGroups())).toBe(5);
  });

  it('puts subtask i of every vertex of a group into the group\'s i-th slot', () => {
    const graph = sourceToSink(2, 3);
    const slots = [slot('tm-a', 0), slot('tm-b', 0), slot('tm-a', 1)];
    const assignment = assignSlots(graph, slots);
    const [source, sink] = graph.vertices;
    expect(assignment.get(source.id)).toEqual([slot('tm-a', 0), slot('tm-b', 0)]);
    expect(assignment.get(sink.id)).toEqual(slots);
  });

  it('gives different slot sharing groups disjoint slots', () => {
    const graph = twoGroups();
    const pool = new SlotPool();
    pool.addTaskManager('tm-a', 3);
    pool.addTaskManager('tm-b', 3);
    const { slots, assignment } = scheduleJob(pool, 'job-1', graph);
    expect(slots).toHaveLength(5);
    const [source, sink] = graph.vertices;
    expect(assignment.get(source.id)).toEqual([slot('tm-a', 0), slot('tm-b', 0)]);
    expect(assignment.get(sink.id)).toEqual([slot('tm-a', 1), slot('tm-b', 1), slot('tm-a', 2)]);
    expect(pool.numSlotsAvailable).toBe(1);
  });

  it('fails scheduling with the job name when slots are short', () => {
    const pool = new SlotPool();
    pool.addTaskManager('tm-a', 2);
    expect(() => scheduleJob(pool, 'job-1', sourceToSink(2, 3, 'wide'))).toThrow(/job "wide" needs 3 slots but only 2 of 2 are available on 1 TaskManager /);
    expect(pool.numSlotsAvailable).toBe(2);
  });
});
