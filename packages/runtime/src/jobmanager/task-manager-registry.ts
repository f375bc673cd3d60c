// The JobManager's registry of TaskManagers: registration (with the cluster token), heartbeats, and the timeout that declares a TaskManager lost.

import { timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { JobManagerToTaskManager, TaskManagerToJobManager } from '../rpc/messages.js';
import { CLOSE_POLICY_VIOLATION, digest, type RpcLink } from '../rpc/rpc-server.js';

/** A TaskManager the JobManager has accepted. */
export interface RegisteredTaskManager {
  readonly resourceId: string;
  /** The host it announced (`taskmanager.host`). */
  readonly host: string;
  /** Its data server, `ws://host:port`. */
  readonly dataUrl: string;
  /** `host:dataPort`, how logs and failure causes name it. */
  readonly address: string;
  readonly dataPort: number;
  readonly numSlots: number;
  readonly pid: number;
  readonly link: RpcLink;
  /** Epoch ms of the last message heard from it. */
  lastHeardAt: number;
}

/** What the registry tells its owner; called on the JobManager's main thread. */
export interface TaskManagerRegistryListener {
  /** `tm` registered and was told so; its slots can be used now. */
  notifyTaskManagerRegistered(tm: RegisteredTaskManager): void;
  /** `tm` is gone (heartbeat timeout or closed link) and already removed; `reason` names it. */
  notifyTaskManagerLost(tm: RegisteredTaskManager, reason: string): void;
}

/** Options of a {@link TaskManagerRegistry}. */
export interface TaskManagerRegistryOptions {
  /** `cluster.token`: when set, registration needs it (in `RegisterTaskManager.token` or the upgrade header). */
  token: string | undefined;
  /** `heartbeat.interval`, told to each TaskManager in `RegistrationSuccess`. */
  heartbeatIntervalMs: number;
  /** `heartbeat.timeout`: a TaskManager not heard from for this long is lost. */
  heartbeatTimeoutMs: number;
  logger: Logger;
  listener: TaskManagerRegistryListener;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
}

type Registration = Extract<TaskManagerToJobManager, { type: 'RegisterTaskManager' }>;

/**
 * Every registered TaskManager, by resource id and by control link (Flink's ResourceManager registry plus the
 * HeartbeatManager's monitor).
 *
 * ```
 *  link opens ─► RegisterTaskManager ─► token ok, id free ─► RegistrationSuccess ─► registered ─► any message: alive
 *                                   └─► RegistrationRejected, link closed (1008)        │
 *                              lost: no message for heartbeat.timeout, or its link closes ─► removed, listener told
 * ```
 *
 * Any valid message counts as a sign of life, not only `Heartbeat`. The monitor checks every
 * min(heartbeat.interval, heartbeat.timeout / 4) ms, so a silent TaskManager is lost at most that late.
 *
 * Owned by: the JobManager process, main thread.
 */
export class TaskManagerRegistry {
  readonly #options: TaskManagerRegistryOptions;
  readonly #tokenDigest: Buffer | null;
  readonly #now: () => number;
  readonly #byId = new Map<string, RegisteredTaskManager>();
  readonly #byLink = new Map<RpcLink, RegisteredTaskManager>();
  #monitor: NodeJS.Timeout | null = null;

  /** @param options - see {@link TaskManagerRegistryOptions}. */
  constructor(options: TaskManagerRegistryOptions) {
    this.#options = options;
    this.#tokenDigest = options.token === undefined ? null : digest(options.token);
    this.#now = options.now ?? Date.now;
  }

  /** Starts the heartbeat monitor (an unref'd interval timer). */
  start(): void {
    if (this.#monitor !== null) return;
    const { heartbeatIntervalMs, heartbeatTimeoutMs } = this.#options;
    const periodMs = Math.max(1, Math.min(heartbeatIntervalMs, Math.floor(heartbeatTimeoutMs / 4)));
    this.#monitor = setInterval(() => this.checkHeartbeats(), periodMs);
    this.#monitor.unref();
  }

  /** Stops the heartbeat monitor. */
  stop(): void {
    if (this.#monitor !== null) clearInterval(this.#monitor);
    this.#monitor = null;
  }

  /** The registered TaskManagers, in registration order. */
  list(): RegisteredTaskManager[] {
    return [...this.#byId.values()];
  }

  get(resourceId: string): RegisteredTaskManager | undefined {
    return this.#byId.get(resourceId);
  }

  /** The TaskManager registered over `link`, if any. */
  taskManagerOf(link: RpcLink): RegisteredTaskManager | undefined {
    return this.#byLink.get(link);
  }

  /** `tm-1a2b3c4d (127.0.0.1:41235)`: how failure causes and logs name a TaskManager, registered or not any more. */
  static describe(tm: Pick<RegisteredTaskManager, 'resourceId' | 'address'>): string {
    return `${tm.resourceId} (${tm.address})`;
  }

  /** Sends `message` to a registered TaskManager; false when it is unknown or its link is closed. */
  send(resourceId: string, message: JobManagerToTaskManager): boolean {
    return this.#byId.get(resourceId)?.link.send(message) ?? false;
  }

  // ---- Registration -------------------------------------------------------------------------------------------

  /** Handles `RegisterTaskManager` from `link`: accepts it, or rejects it and closes the link. */
  handleRegistration(link: RpcLink, message: Registration): void {
    const { resourceId } = message;
    const logger = this.#options.logger;
    const existing = this.#byLink.get(link);
    if (existing !== undefined) {
      if (existing.resourceId !== resourceId) {
        return this.#reject(link, `this link is already registered as ${existing.resourceId}; one TaskManager per link`);
      }
      existing.lastHeardAt = this.#now();
      link.send({ type: 'RegistrationSuccess', resourceId, heartbeatIntervalMs: this.#options.heartbeatIntervalMs });
      return;
    }
    if (this.#tokenDigest !== null && !link.hasValidTokenHeader && !this.#hasToken(message.token)) {
      return this.#reject(link, `${message.token === undefined ? 'missing' : 'wrong'} cluster token: this JobManager requires cluster.token`);
    }
    const holder = this.#byId.get(resourceId);
    if (holder !== undefined) {
      return this.#reject(link, `resource id ${resourceId} is already registered by ${TaskManagerRegistry.describe(holder)}`);
    }
    const dataUrl = new URL(message.dataUrl); // checked to parse, with a port, by parseTaskManagerMessage
    const now = this.#now();
    const tm: RegisteredTaskManager = {
      resourceId,
      host: message.host,
      dataUrl: message.dataUrl,
      address: dataUrl.host,
      dataPort: Number(dataUrl.port),
      numSlots: message.numSlots,
      pid: message.pid,
      link,
      lastHeardAt: now,
    };
    this.#byId.set(resourceId, tm);
    this.#byLink.set(link, tm);
    link.send({ type: 'RegistrationSuccess', resourceId, heartbeatIntervalMs: this.#options.heartbeatIntervalMs });
    logger.info(
      { resourceId, dataUrl: tm.dataUrl, numSlots: tm.numSlots, pid: tm.pid, controlAddress: link.remoteAddress },
      `TaskManager ${TaskManagerRegistry.describe(tm)} registered with ${tm.numSlots} slot${tm.numSlots === 1 ? '' : 's'}`,
    );
    this.#options.listener.notifyTaskManagerRegistered(tm);
  }

  #hasToken(given: string | undefined): boolean {
    return given !== undefined && timingSafeEqual(digest(given), this.#tokenDigest!);
  }

  #reject(link: RpcLink, reason: string): void {
    this.#options.logger.warn({ controlAddress: link.remoteAddress }, `rejected TaskManager registration from ${link.remoteAddress}: ${reason}`);
    link.send({ type: 'RegistrationRejected', reason });
    link.close(CLOSE_POLICY_VIOLATION, 'registration rejected');
  }

  // ---- Liveness -----------------------------------------------------------------------------------------------

  /** Records a sign of life from the TaskManager on `link` (any message after registration). */
  noteAlive(tm: RegisteredTaskManager): void {
    tm.lastHeardAt = this.#now();
  }

  /** Declares lost every TaskManager not heard from for `heartbeat.timeout`; the monitor calls it, tests may too. */
  checkHeartbeats(): void {
    const now = this.#now();
    const timeoutMs = this.#options.heartbeatTimeoutMs;
    for (const tm of this.list()) {
      const silentMs = now - tm.lastHeardAt;
      if (silentMs >= timeoutMs) {
        this.#lose(tm, `no heartbeat for ${timeoutMs} ms (heartbeat.timeout; last heard ${silentMs} ms ago)`);
        tm.link.close(4001, 'heartbeat timeout');
      }
    }
  }

  /** Handles the close of `link`: a registered TaskManager on it is lost at once. */
  handleLinkClosed(link: RpcLink, code: number, reason: string): void {
    const tm = this.#byLink.get(link);
    if (tm === undefined) return;
    this.#lose(tm, `its control connection closed (code ${code}${reason === '' ? '' : `: ${reason}`})`);
  }

  #lose(tm: RegisteredTaskManager, why: string): void {
    if (this.#byId.get(tm.resourceId) !== tm) return; // already lost
    this.#byId.delete(tm.resourceId);
    this.#byLink.delete(tm.link);
    const reason = `TaskManager ${TaskManagerRegistry.describe(tm)} lost: ${why}`;
    this.#options.logger.warn({ resourceId: tm.resourceId }, reason);
    this.#options.listener.notifyTaskManagerLost(tm, reason);
  }
}
