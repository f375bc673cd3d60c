// Test stand-ins for the JobManager protocol tests: a TaskManager control link (real WebSocket via connectToJobManager) that records what the JM sends, and a started JobManager on port 0.
import { afterEach, expect } from 'vitest';
import type { JobManagerHandle } from '../../src/jobmanager/job-manager-handle.js';
import { startJobManager, type JobManagerTuning } from '../../src/jobmanager/start-job-manager.js';
import { createLogger } from '../../src/logging.js';
import { loadConfig } from '../../src/options.js';
import type { ExecutionState, JobManagerToTaskManager, TaskDeploymentDescriptor } from '../../src/rpc/messages.js';
import { connectToJobManager, type RpcClient } from '../../src/rpc/rpc-client.js';

/** Resolves with what `probe` returns once it is not undefined, null or false, polling every 10 ms; fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Log lines a test JobManager wrote (JSON objects). */
export type LogLines = Array<{ level: number; msg: string; [key: string]: unknown }>;

/** A JobManager on loopback with port 0, quiet except for the collected log lines. */
export async function startTestJobManager(
  overrides: Record<string, string | number | boolean> = {},
  tuning: JobManagerTuning = {},
): Promise<{ jm: JobManagerHandle; logs: LogLines; rest: (path: string, init?: RequestInit) => Promise<{ status: number; body: any }> }> {
  const config = loadConfig({
    overrides: { 'jobmanager.rpc.port': 0, 'rest.port': 0, 'heartbeat.interval': 50, 'heartbeat.timeout': 2000, ...overrides },
    env: {},
  });
  const logs: LogLines = [];
  const logger = createLogger('jobmanager', { level: 'info', isPretty: false, destination: { write: (line: string) => void logs.push(JSON.parse(line)) } });
  const jm = await startJobManager({ config, logger }, tuning);
  const rest = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${jm.restUrl}${path}`, init);
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };
  return { jm, logs, rest };
}

/** Options of {@link FakeTaskManager.connect}. */
export interface FakeTaskManagerOptions {
  resourceId: string;
  numSlots?: number;
  dataPort?: number;
  /** Sent in `RegisterTaskManager.token`. */
  token?: string;
  /** Sent as the upgrade header. */
  headerToken?: string;
  /** Heartbeat every this many ms once registered; 0 = never. Default 50. */
  heartbeatIntervalMs?: number;
}

/**
 * One TaskManager's control link and nothing else: it registers, heartbeats, records every message from the
 * JobManager, and reports task states when the test says so.
 */
export class FakeTaskManager {
  readonly messages: JobManagerToTaskManager[] = [];
  readonly resourceId: string;
  readonly dataUrl: string;
  closed: { code: number; reason: string } | null = null;
  #client: RpcClient;
  #heartbeat: NodeJS.Timeout | null = null;
  #options: FakeTaskManagerOptions;

  private constructor(client: RpcClient, options: FakeTaskManagerOptions) {
    this.#client = client;
    this.#options = options;
    this.resourceId = options.resourceId;
    this.dataUrl = `ws://127.0.0.1:${options.dataPort ?? 40_000}`;
  }

  /** Opens the link (does not register). */
  static async connect(rpcUrl: string, options: FakeTaskManagerOptions): Promise<FakeTaskManager> {
    let tm: FakeTaskManager | undefined;
    const client = await connectToJobManager(rpcUrl, {
      token: options.headerToken,
      onMessage: (message) => tm!.messages.push(message),
      onClose: (code, reason) => {
        tm!.closed = { code, reason };
        tm!.stopHeartbeats();
      },
    });
    tm = new FakeTaskManager(client, options);
    return tm;
  }

  /** Connects and registers; resolves with the JobManager's answer. */
  static async register(rpcUrl: string, options: FakeTaskManagerOptions): Promise<FakeTaskManager> {
    const tm = await FakeTaskManager.connect(rpcUrl, options);
    const answer = await tm.sendRegistration();
    expect(answer.type).toBe('RegistrationSuccess');
    return tm;
  }

  async sendRegistration(): Promise<JobManagerToTaskManager> {
    this.#client.send({
      type: 'RegisterTaskManager',
      resourceId: this.resourceId,
      host: '127.0.0.1',
      dataUrl: this.dataUrl,
      numSlots: this.#options.numSlots ?? 2,
      pid: process.pid,
      ...(this.#options.token === undefined ? {} : { token: this.#options.token }),
    });
    const answer = await this.next((m) => m.type === 'RegistrationSuccess' || m.type === 'RegistrationRejected', 'a registration answer');
    const interval = this.#options.heartbeatIntervalMs ?? 50;
    if (answer.type === 'RegistrationSuccess' && interval > 0) {
      this.#heartbeat = setInterval(() => this.#client.send({ type: 'Heartbeat', resourceId: this.resourceId }), interval);
    }
    return answer;
  }

  stopHeartbeats(): void {
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
  }

  /** Waits for the first recorded message (from the start) matching `predicate`. */
  next(predicate: (message: JobManagerToTaskManager) => boolean, what = 'a message', timeoutMs = 5000): Promise<JobManagerToTaskManager> {
    return waitFor(what, () => this.messages.find(predicate), timeoutMs);
  }

  /** The SubmitTask descriptors received so far, in arrival order. */
  get submitted(): TaskDeploymentDescriptor[] {
    return this.messages.flatMap((message) => (message.type === 'SubmitTask' ? [message.tdd] : []));
  }

  /** Executions the JobManager asked to cancel. */
  get canceled(): string[] {
    return this.messages.flatMap((message) => (message.type === 'CancelTask' ? [message.executionId] : []));
  }

  report(tdd: TaskDeploymentDescriptor, state: ExecutionState, error?: { name: string; message: string; stack?: string; code?: string }): void {
    this.#client.send({ type: 'TaskExecutionState', jobId: tdd.jobId, executionId: tdd.executionId, attemptNumber: tdd.attemptNumber, state, ...(error === undefined ? {} : { error }) });
  }

  /** Sends any message, even a wrong one (for protocol tests). */
  sendRaw(message: unknown): void {
    this.#client.send(message as never);
  }

  async close(): Promise<void> {
    this.stopHeartbeats();
    await this.#client.close();
  }
}

/** The JobManager and fake TaskManagers of one test file, created by {@link useTestJobManager}. */
export interface TestJobManager {
  /** The JobManager of the running test (after {@link start}). */
  readonly jm: JobManagerHandle;
  /** Starts the test's JobManager ({@link startTestJobManager}). */
  start(overrides?: Record<string, string | number | boolean>, tuning?: JobManagerTuning): ReturnType<typeof startTestJobManager>;
  /** Registers a fake TaskManager with the JobManager; closed after the test. */
  register(options: FakeTaskManagerOptions): Promise<FakeTaskManager>;
  /** Closes `tm` after the test too (one connected without registering). */
  track(tm: FakeTaskManager): FakeTaskManager;
}

/** Gives a test file its JobManager and fake TaskManagers, all closed after each test (TaskManagers first). */
export function useTestJobManager(): TestJobManager {
  let jm: JobManagerHandle | undefined;
  const tms: FakeTaskManager[] = [];
  afterEach(async () => {
    await Promise.all(tms.splice(0).map((tm) => tm.close()));
    await jm?.close();
    jm = undefined;
  });
  const track = (tm: FakeTaskManager) => {
    tms.push(tm);
    return tm;
  };
  const current = (): JobManagerHandle => {
    if (jm === undefined) throw new Error('no JobManager: call start() first');
    return jm;
  };
  // Plain closures, no `this`: tests take `start` and `register` out of the object.
  return {
    get jm() {
      return current();
    },
    start: async (overrides = {}, tuning = {}) => {
      const started = await startTestJobManager(overrides, tuning);
      jm = started.jm;
      return started;
    },
    register: async (options) => track(await FakeTaskManager.register(current().rpcUrl, options)),
    track,
  };
}
