// Polls a running job's counters from the JobManager's REST API and dates each value by the heartbeat that carried it.
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobDetails, RestClient, TaskManagerInfo } from '@sluice/runtime/client';

/** A vertex's cumulative counters (`numRecordsOut`, `softBackPressuredTimeMs`, …) at one moment. */
export interface CounterPoint {
  /** Epoch ms at which the JobManager received the heartbeat carrying `metrics` (± 2 ms). */
  readonly atMs: number;
  readonly metrics: Readonly<Record<string, number>>;
}

/** Which TaskManager runs which of the two vertices. */
export interface Placement {
  readonly producerTm: string;
  readonly consumerTm: string;
}

/** The two vertices of the experiment job. */
export type VertexRole = 'producer' | 'consumer';

/** One poll: `GET /jobs/:id`, then `GET /taskmanagers` to learn when each TaskManager was last heard from. */
interface Poll {
  readonly state: JobDetails['state'];
  readonly producer: Readonly<Record<string, number>>;
  readonly consumer: Readonly<Record<string, number>>;
  /** Per TaskManager: when its last message arrived, and whether that was surely before the job was rendered. */
  readonly heard: ReadonlyMap<string, { atMs: number; isBeforeRender: boolean }>;
}

/** The counter that measures each vertex's throughput: records the producer wrote, records the consumer read. */
export const RECORDS_COUNTER: Readonly<Record<VertexRole, string>> = { producer: 'numRecordsOut', consumer: 'numRecordsIn' };

/** Two heartbeats of one TaskManager are at least this far apart (heartbeat.interval is 100 ms). */
const SAME_HEARTBEAT_MS = 30;
/** Polls that may fail in a row (a slow or briefly unreachable JobManager) before sampling gives up. */
const MAX_FAILED_POLLS = 3;
/** Consecutive poll pairs that must show a vertex's counters changing before its TaskManager is decided. */
const MIN_EVIDENCE = 20;

/**
 * Polls `GET /jobs/:id` every `pollMs` and keeps, per vertex, one {@link CounterPoint} per heartbeat.
 *
 * Why not date a value by when the poll saw it: the TaskManager snapshots its subtasks' counters when it sends
 * a heartbeat, the JobManager keeps the latest, and a poll sees it up to `pollMs` + a few ms later, with
 * jitter — ±10 % on 100 ms rates. Instead, right after each `GET /jobs/:id` the sampler asks `GET
 * /taskmanagers` how long ago each TaskManager was last heard from, which dates the heartbeat on the
 * JobManager's clock to ±2 ms (±3 % on 100 ms rates). A poll is used only when that heartbeat surely arrived
 * before the job was rendered; otherwise the next poll serves.
 *
 * In modes `credit` and `legacy` the vertices run on different TaskManagers, whose heartbeats come at
 * different moments; which runs which is learnt by correlating when each vertex's counters and each
 * TaskManager's heartbeat change (the REST API does not name the TaskManager of a subtask).
 *
 * Owned by: the experiment driver's main thread.
 */
export class JobMetricsSampler {
  readonly #polls: Poll[] = [];
  #taskManagers: TaskManagerInfo[] = [];
  #placement: Placement | undefined;
  #loop: Promise<void> | undefined;
  #isStopping = false;
  #failure: Error | undefined;
  #producerVertex = -1;
  #consumerVertex = -1;

  /**
   * @param rest - client of the cluster's JobManager
   * @param jobId - the running experiment job
   * @param pollMs - time between polls (default 25 ms: four looks per 100 ms heartbeat)
   */
  constructor(private readonly rest: RestClient, private readonly jobId: string, private readonly pollMs = 25) {}

  /** Starts polling; {@link MAX_FAILED_POLLS} failing polls in a row end the loop, the last error kept as {@link failure}. */
  start(): void {
    this.#loop ??= this.#run().catch((error: unknown) => {
      this.#failure = error instanceof Error ? error : new Error(String(error));
    });
  }

  /** Stops polling; resolves when the poll under way is done. */
  async stop(): Promise<void> {
    this.#isStopping = true;
    await this.#loop;
  }

  /** Why polling stopped by itself, if it did. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** The job's state at the last poll (undefined before the first). */
  get state(): JobDetails['state'] | undefined {
    return this.#polls.at(-1)?.state;
  }

  /** The TaskManagers as of the last poll. */
  get taskManagers(): readonly TaskManagerInfo[] {
    return this.#taskManagers;
  }

  /** The latest counters of a vertex (as of the last poll), whatever heartbeat they came with. */
  latest(role: VertexRole): Readonly<Record<string, number>> | undefined {
    return this.#polls.at(-1)?.[role];
  }

  /**
   * Which TaskManager runs which vertex, once known: at once when the job holds one TaskManager's slots
   * (mode `local`), else after {@link MIN_EVIDENCE} changes of each vertex's counters.
   */
  placement(): Placement | undefined {
    this.#placement ??= this.#decidePlacement();
    return this.#placement;
  }

  /** The vertex's counters, one point per heartbeat, in time order; empty until the placement is known. */
  series(role: VertexRole): CounterPoint[] {
    const placement = this.placement();
    if (placement === undefined) return [];
    const tm = role === 'producer' ? placement.producerTm : placement.consumerTm;
    const points: CounterPoint[] = [];
    for (const poll of this.#polls) {
      const heard = poll.heard.get(tm);
      if (heard === undefined || !heard.isBeforeRender || typeof poll[role][RECORDS_COUNTER[role]] !== 'number') continue;
      const last = points.at(-1);
      if (last !== undefined && heard.atMs - last.atMs < SAME_HEARTBEAT_MS) continue;
      points.push({ atMs: heard.atMs, metrics: poll[role] });
    }
    return points;
  }

  // ─────────────────────────────────────────── polling ───────────────────────────────────────────

  async #run(): Promise<void> {
    let numFailed = 0;
    while (!this.#isStopping) {
      try {
        this.#polls.push(await this.#pollOnce());
        numFailed = 0;
      } catch (error) {
        if (++numFailed >= MAX_FAILED_POLLS) throw error;
      }
      await sleep(this.pollMs);
    }
  }

  async #pollOnce(): Promise<Poll> {
    const job = await this.rest.job(this.jobId);
    const askedAt = Date.now();
    const taskManagers = await this.rest.taskManagers();
    const answeredAt = Date.now();
    this.#taskManagers = taskManagers;
    if (this.#producerVertex < 0) this.#findVertices(job);
    const heard = new Map<string, { atMs: number; isBeforeRender: boolean }>();
    for (const tm of taskManagers) {
      // The JobManager computed timeSinceLastHeartbeat at some moment between askedAt and answeredAt.
      heard.set(tm.id, {
        atMs: Math.round((askedAt + answeredAt) / 2 - tm.timeSinceLastHeartbeat),
        isBeforeRender: answeredAt - tm.timeSinceLastHeartbeat < job.now,
      });
    }
    return { state: job.state, producer: job.vertices[this.#producerVertex].metrics, consumer: job.vertices[this.#consumerVertex].metrics, heard };
  }

  #findVertices(job: JobDetails): void {
    const find = (word: string): number => {
      const index = job.vertices.findIndex((vertex) => vertex.name.includes(word));
      if (index < 0) throw new Error(`job ${this.jobId} has no vertex named like "${word}": ${job.vertices.map((v) => v.name).join(', ')}`);
      return index;
    };
    this.#producerVertex = find('Producer');
    this.#consumerVertex = find('Consumer');
  }

  // ─────────────────────────────────────────── placement ───────────────────────────────────────────

  #decidePlacement(): Placement | undefined {
    const used = this.#taskManagers.filter((tm) => tm.freeSlots < tm.slotsNumber).map((tm) => tm.id);
    if (used.length === 1) return { producerTm: used[0], consumerTm: used[0] };
    if (used.length !== 2) return undefined;
    // Score both assignments by how often "vertex counters changed" agrees with "its TM's heartbeat changed".
    const [a, b] = used;
    let straight = 0;
    let crossed = 0;
    let evidence = 0;
    for (let i = 1; i < this.#polls.length; i++) {
      const [before, after] = [this.#polls[i - 1], this.#polls[i]];
      const changed = (tm: string): boolean | undefined => {
        const [x, y] = [before.heard.get(tm), after.heard.get(tm)];
        if (x === undefined || y === undefined || !x.isBeforeRender || !y.isBeforeRender) return undefined;
        return Math.abs(y.atMs - x.atMs) >= SAME_HEARTBEAT_MS;
      };
      const [changedA, changedB] = [changed(a), changed(b)];
      if (changedA === undefined || changedB === undefined) continue;
      const producerChanged = before.producer.numRecordsOut !== after.producer.numRecordsOut;
      const consumerChanged = before.consumer.numRecordsIn !== after.consumer.numRecordsIn;
      if (producerChanged || consumerChanged) evidence++;
      straight += Number(producerChanged === changedA) + Number(consumerChanged === changedB);
      crossed += Number(producerChanged === changedB) + Number(consumerChanged === changedA);
    }
    if (evidence < MIN_EVIDENCE) return undefined;
    return straight >= crossed ? { producerTm: a, consumerTm: b } : { producerTm: b, consumerTm: a };
  }
}
