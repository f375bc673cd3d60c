// The JobManager's view of every TaskManager slot: which are free, which job holds which, and round-robin allocation across TaskManagers.

import { RuntimeError } from '../errors.js';

/** One slot: a TaskManager and the slot's index in it. */
export interface SlotRef {
  readonly resourceId: string;
  readonly slotIndex: number;
}

/** Slots of one TaskManager: index → the job holding it, or null when free. */
interface TaskManagerSlots {
  readonly resourceId: string;
  readonly holders: (string | null)[];
}

/**
 * All slots of the cluster (Flink's SlotPool and SlotManager in one, without requests that wait): TaskManagers
 * add their slots when they register and take them away when they are lost; a job allocates all the slots it
 * needs at once or none, and releases them when it ends.
 *
 * Allocation spreads a job over TaskManagers round-robin, in registration order: the first free slot of TM 1,
 * then of TM 2, …, then the second free slot of TM 1. So a job of parallelism 2 on a cluster of two one-slot-or-more
 * TaskManagers gets one slot on each, and its all-to-all edges cross the network.
 *
 * Pure bookkeeping: no I/O, no timers.
 *
 * Owned by: the JobManager process, main thread.
 */
export class SlotPool {
  /** Registration order; keep in sync with `#byId`. */
  readonly #taskManagers: TaskManagerSlots[] = [];
  readonly #byId = new Map<string, TaskManagerSlots>();

  /** Adds a TaskManager with `numSlots` free slots. */
  addTaskManager(resourceId: string, numSlots: number): void {
    if (this.#byId.has(resourceId)) throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `TaskManager ${resourceId} already has slots in the pool`);
    if (!Number.isInteger(numSlots) || numSlots < 1) throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `numSlots must be a positive integer, got ${numSlots}`);
    const entry: TaskManagerSlots = { resourceId, holders: new Array<string | null>(numSlots).fill(null) };
    this.#taskManagers.push(entry);
    this.#byId.set(resourceId, entry);
  }

  /** Removes a TaskManager and its slots; returns the ids of the jobs that held any of them. */
  removeTaskManager(resourceId: string): string[] {
    const entry = this.#byId.get(resourceId);
    if (entry === undefined) return [];
    this.#byId.delete(resourceId);
    this.#taskManagers.splice(this.#taskManagers.indexOf(entry), 1);
    return [...new Set(entry.holders.filter((holder): holder is string => holder !== null))];
  }

  /** Slots over all TaskManagers. */
  get numSlotsTotal(): number {
    return this.#taskManagers.reduce((sum, tm) => sum + tm.holders.length, 0);
  }

  /** Free slots over all TaskManagers. */
  get numSlotsAvailable(): number {
    return this.#taskManagers.reduce((sum, tm) => sum + countFree(tm), 0);
  }

  /** Free slots of one TaskManager (0 when unknown). */
  numSlotsAvailableOn(resourceId: string): number {
    const entry = this.#byId.get(resourceId);
    return entry === undefined ? 0 : countFree(entry);
  }

  /**
   * Takes `numSlots` free slots for `jobId`, round-robin over TaskManagers in registration order, or none.
   *
   * @param what - names the job in the error; default `'job'`, e.g. `job "word count"`.
   * @throws RuntimeError `ERR_RT_NOT_ENOUGH_SLOTS` naming needed vs available (and total) slots.
   */
  allocate(jobId: string, numSlots: number, what = 'job'): SlotRef[] {
    const available = this.numSlotsAvailable;
    if (numSlots > available) {
      throw new RuntimeError(
        'ERR_RT_NOT_ENOUGH_SLOTS',
        `${what} needs ${numSlots} slot${numSlots === 1 ? '' : 's'} but only ${available} of ${this.numSlotsTotal} ` +
          `${available === 1 ? 'is' : 'are'} available on ${this.#taskManagers.length} TaskManager${this.#taskManagers.length === 1 ? '' : 's'}` +
          ' (a job needs the sum over its slot sharing groups of the largest parallelism in each; ' +
          'start more TaskManagers, raise taskmanager.numberOfTaskSlots, or lower the parallelism)',
      );
    }
    const slots: SlotRef[] = [];
    const cursors = this.#taskManagers.map(() => 0); // next slot index to look at, per TM
    while (slots.length < numSlots) {
      for (let t = 0; t < this.#taskManagers.length && slots.length < numSlots; t++) {
        const tm = this.#taskManagers[t];
        while (cursors[t] < tm.holders.length && tm.holders[cursors[t]] !== null) cursors[t]++;
        if (cursors[t] === tm.holders.length) continue;
        tm.holders[cursors[t]] = jobId;
        slots.push({ resourceId: tm.resourceId, slotIndex: cursors[t] });
      }
    }
    return slots;
  }

  /** Frees every slot `jobId` holds; returns how many. */
  release(jobId: string): number {
    let released = 0;
    for (const tm of this.#taskManagers) {
      for (let i = 0; i < tm.holders.length; i++) {
        if (tm.holders[i] === jobId) {
          tm.holders[i] = null;
          released++;
        }
      }
    }
    return released;
  }
}

function countFree(tm: TaskManagerSlots): number {
  let free = 0;
  for (const holder of tm.holders) if (holder === null) free++;
  return free;
}
