// A whole cluster on this machine: one JobManager and N TaskManager processes (`sluice cluster start`, the experiment, integration tests).
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pinoPretty from 'pino-pretty';
import { RuntimeError } from '../errors.js';
import type { LogLevel } from '../logging.js';
import { CONFIG_ENV, loadConfig, nodeFlagsOf, type SluiceConfig } from '../options.js';
import { RestClient } from './rest-client.js';

/** The `sluice` entry each process runs: `node --import tsx sluice-main.ts jobmanager|taskmanager …`. */
export const SLUICE_MAIN = fileURLToPath(new URL('../cli/sluice-main.ts', import.meta.url));

/** tsx's loader as an absolute URL, so `--import` works whatever the working directory. */
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Lines of each process's output kept for the message when it dies. */
const NUM_LAST_LINES = 8;

/** Options of {@link startLocalCluster}. */
export interface LocalClusterOptions {
  /** TaskManager processes to start (≥ 1). */
  numTaskManagers: number;
  /** Slots per TaskManager; default: `taskmanager.numberOfTaskSlots` of the configuration (1). */
  slots?: number;
  /**
   * Configuration keys for every process, as `-D key=value`. `rest.port` and `jobmanager.rpc.port` default to 0
   * here: the JobManager binds free ports and reports them over its IPC channel, and the TaskManagers are told
   * where to register. `cluster.token` travels in the environment (`SLUICE_CLUSTER_TOKEN`), not on the command line.
   */
  overrides?: Record<string, string | number | boolean>;
  /** A YAML configuration file every process reads (`--config`); default none. */
  configFile?: string;
  /** Log level of every process; default `info`. */
  logLevel?: LogLevel;
  /** Environment of the processes; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Receives each line a process prints (stdout or stderr); default {@link createOutputForwarder} on stderr. */
  onOutput?: (processName: string, line: string) => void;
  /** Longest wait for the JobManager to answer and every TaskManager to register; default 60 000 ms. */
  startTimeoutMs?: number;
  /** Time a process gets to stop after SIGTERM before SIGKILL; default 5 000 ms. */
  stopGraceMs?: number;
  /** Aborting it while the cluster starts stops the processes and rejects. */
  signal?: AbortSignal;
}

/** One process of a local cluster. */
export interface LocalClusterProcess {
  /** `jobmanager`, or the TaskManager's resource id `tm-<n>`. */
  readonly name: string;
  readonly role: 'jobmanager' | 'taskmanager';
  readonly child: ChildProcess;
}

/** How a process of the cluster ended. */
export interface ProcessExit {
  readonly name: string;
  readonly pid: number | undefined;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Its last lines of output, for the message. */
  readonly lastLines: readonly string[];
}

/** A running local cluster; owned by the process that started it (the CLI, a test, the experiment). */
export interface LocalCluster {
  /** `http://host:port` of the JobManager's REST API and web UI. */
  readonly restUrl: string;
  /** `ws://host:port/rpc` where the TaskManagers registered. */
  readonly rpcUrl: string;
  readonly processes: readonly LocalClusterProcess[];
  /** Resolves when a process exits although {@link stop} was not called; never settles otherwise. */
  readonly unexpectedExit: Promise<ProcessExit>;
  /** SIGTERM to every process, SIGKILL to those still alive after the grace period; resolves when all exited. */
  stop(): Promise<void>;
}

/**
 * Starts one JobManager process, waits until it answers, starts `numTaskManagers` TaskManager processes and waits
 * until `/overview` reports all of them. Every process is `node <env.node.opts.<role>> --import tsx sluice-main.ts
 * <role>` with the same `-D` overrides, in its own process group (a terminal's Ctrl-C reaches only the caller,
 * which stops them in order) and with an IPC channel, so that each stops by itself if the caller dies.
 *
 * @throws RuntimeError `ERR_RT_BAD_CONFIG` for bad overrides, `ERR_RT_CLUSTER_START` when a process exits while
 *   starting (named, with its last lines of output) or the TaskManagers do not register in time; the processes
 *   already started are stopped first
 */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const { numTaskManagers, logLevel = 'info', env = process.env, startTimeoutMs = 60_000, stopGraceMs = 5_000 } = options;
  if (!Number.isInteger(numTaskManagers) || numTaskManagers < 1) {
    throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `numTaskManagers must be a positive integer, got ${numTaskManagers}`);
  }
  const config = resolveClusterConfig(options, numTaskManagers, env);
  const { overrides, token } = splitToken(configOverrides(config, options));
  const childEnv = token === undefined ? env : { ...env, [CONFIG_ENV.clusterToken]: token };
  const onOutput = options.onOutput ?? createOutputForwarder((text) => void process.stderr.write(text));
  const common = [...(options.configFile === undefined ? [] : ['--config', options.configFile]), '--log-level', logLevel, ...overrides];

  const group = new ProcessGroup(childEnv, onOutput, stopGraceMs);
  const deadline = Date.now() + startTimeoutMs;
  let started: JobManagerStartedMessage | undefined;
  try {
    // Ports 0 are bound by the JobManager itself, which then reports them: a port picked here and handed over
    // could be taken by another process in between (it happened with tests running side by side).
    group.spawn('jobmanager', 'jobmanager', nodeFlagsOf(config, 'jobmanager'), ['jobmanager', ...common], (message) => {
      if (isJobManagerStarted(message)) started = message;
    });
    await group.until(async () => started !== undefined, deadline, options.signal, 'the JobManager to start');
    const { restUrl, rpcUrl } = started!;
    const rest = new RestClient(restUrl, { token: config['cluster.token'], timeoutMs: 2_000 });
    for (let i = 1; i <= numTaskManagers; i++) {
      group.spawn(`tm-${i}`, 'taskmanager', nodeFlagsOf(config, 'taskmanager'), ['taskmanager', ...common, '--jobmanager', rpcUrl, '--resource-id', `tm-${i}`]);
    }
    const isComplete = async () => (await rest.overview().catch(() => undefined))?.taskmanagers === numTaskManagers;
    await group.until(isComplete, deadline, options.signal, `${numTaskManagers} TaskManager(s) to register at ${restUrl}`);
  } catch (error) {
    await group.stop();
    throw error;
  }
  const { restUrl, rpcUrl } = started!; // set, or the wait above threw
  return { restUrl, rpcUrl, processes: group.processes, unexpectedExit: group.unexpectedExit, stop: () => group.stop() };
}

/** Message type of {@link JobManagerStartedMessage}. */
export const JOBMANAGER_STARTED = 'sluice:jobmanager-started';

/** What `sluice jobmanager` sends over its IPC channel once it listens: its addresses, with the ports it bound. */
export interface JobManagerStartedMessage {
  readonly type: typeof JOBMANAGER_STARTED;
  readonly restUrl: string;
  readonly rpcUrl: string;
}

function isJobManagerStarted(message: unknown): message is JobManagerStartedMessage {
  const m = message as Partial<JobManagerStartedMessage> | null;
  return typeof m === 'object' && m !== null && m.type === JOBMANAGER_STARTED && typeof m.restUrl === 'string' && typeof m.rpcUrl === 'string';
}

// ───────────────────────────────────────── configuration ─────────────────────────────────────────

/** The cluster's configuration, validated here once; ports 0 stay 0 (the JobManager binds any free one and says which). */
function resolveClusterConfig(options: LocalClusterOptions, numTaskManagers: number, env: NodeJS.ProcessEnv): SluiceConfig {
  const overrides: Record<string, string | number | boolean> = { 'rest.port': 0, 'jobmanager.rpc.port': 0, ...options.overrides };
  if (options.slots !== undefined) overrides['taskmanager.numberOfTaskSlots'] = options.slots;
  const config = loadConfig({ file: options.configFile, overrides, env });
  if (numTaskManagers > 1 && config['taskmanager.data.port'] !== 0) {
    throw new RuntimeError(
      'ERR_RT_BAD_CONFIG',
      `taskmanager.data.port = ${config['taskmanager.data.port']}: ${numTaskManagers} TaskManagers on one machine cannot share a data port; use 0 (pick)`,
    );
  }
  return config;
}

/** The `-D key=value` flags every process gets: the caller's overrides, slots and the ports (0: any free one). */
function configOverrides(config: SluiceConfig, options: LocalClusterOptions): Record<string, string> {
  const flags: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.overrides ?? {})) flags[key] = String(value);
  if (options.slots !== undefined) flags['taskmanager.numberOfTaskSlots'] = String(options.slots);
  flags['rest.port'] = String(config['rest.port']);
  flags['jobmanager.rpc.port'] = String(config['jobmanager.rpc.port']);
  return flags;
}

/** Moves `cluster.token` out of the flags (visible in `ps`) into the environment. */
function splitToken(flags: Record<string, string>): { overrides: string[]; token: string | undefined } {
  const { 'cluster.token': token, ...rest } = flags;
  return { overrides: Object.entries(rest).flatMap(([key, value]) => ['-D', `${key}=${value}`]), token };
}

// ───────────────────────────────────────── output ─────────────────────────────────────────

/**
 * Forwards each line a cluster process prints as `[name] line` to `write`. Pino's JSON lines are made readable
 * (pino-pretty's synchronous formatter) when `isPretty`, by default when stderr is a terminal; other lines pass
 * through unchanged.
 */
export function createOutputForwarder(write: (text: string) => void, isPretty = process.stderr.isTTY === true): (processName: string, line: string) => void {
  const prettify = isPretty
    ? pinoPretty.prettyFactory({ colorize: process.stderr.hasColors?.() === true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
    : undefined;
  return (processName, line) => {
    const text = prettify !== undefined && line.startsWith('{"level":') ? prettify(line).trimEnd() : line;
    write(`[${processName}] ${text.replaceAll('\n', `\n[${processName}] `)}\n`);
  };
}

// ───────────────────────────────────────── processes ─────────────────────────────────────────

/** The processes of one local cluster, their output and their ends. Owned by the process that started the cluster. */
class ProcessGroup {
  readonly processes: LocalClusterProcess[] = [];
  readonly unexpectedExit: Promise<ProcessExit>;
  readonly #exits = new Map<ChildProcess, Promise<void>>();
  readonly #lastLines = new Map<string, string[]>();
  #reportUnexpectedExit!: (exit: ProcessExit) => void;
  #isStopping = false;
  #stopped: Promise<void> | undefined;

  constructor(
    private readonly env: NodeJS.ProcessEnv,
    private readonly onOutput: (processName: string, line: string) => void,
    private readonly stopGraceMs: number,
  ) {
    this.unexpectedExit = new Promise((resolve) => (this.#reportUnexpectedExit = resolve));
  }

  /** Starts `node <nodeFlags> --import tsx sluice-main.ts <args>`. */
  spawn(name: string, role: LocalClusterProcess['role'], nodeFlags: readonly string[], args: string[], onMessage?: (message: unknown) => void): void {
    const child = spawn(process.execPath, [...nodeFlags, '--import', TSX_LOADER, SLUICE_MAIN, ...args], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      detached: true, // its own process group: a terminal's Ctrl-C reaches only us, and we stop it in order
    });
    if (onMessage !== undefined) child.on('message', onMessage);
    const lastLines: string[] = [];
    this.#lastLines.set(name, lastLines);
    const onLine = (line: string) => {
      lastLines.push(summarizeLine(line));
      if (lastLines.length > NUM_LAST_LINES) lastLines.shift();
      this.onOutput(name, line);
    };
    const outputs = [child.stdout, child.stderr].map(async (stream) => {
      if (stream === null) return;
      for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) onLine(line);
    });
    const exited = new Promise<void>((resolve) => {
      child.once('error', (error) => onLine(`cannot start: ${error.message}`));
      child.once('close', (code, signal) => {
        void Promise.all(outputs).then(() => {
          if (!this.#isStopping) this.#reportUnexpectedExit({ name, pid: child.pid, code, signal, lastLines: [...lastLines] });
          resolve();
        });
      });
    });
    this.#exits.set(child, exited);
    this.processes.push({ name, role, child });
  }

  /** Polls `isReady` every 100 ms until true; rejects when a process exits, the deadline passes or `signal` aborts. */
  async until(isReady: () => Promise<boolean>, deadline: number, signal: AbortSignal | undefined, what: string): Promise<void> {
    let exit: ProcessExit | undefined;
    void this.unexpectedExit.then((e) => (exit = e));
    for (;;) {
      signal?.throwIfAborted();
      if (exit !== undefined) throw new RuntimeError('ERR_RT_CLUSTER_START', `while waiting for ${what}: ${describeExit(exit)}`);
      if (await isReady()) return;
      if (Date.now() > deadline) {
        throw new RuntimeError('ERR_RT_CLUSTER_START', `gave up waiting for ${what}${this.#describeLastLines()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** TaskManagers first, then the JobManager, so that it does not log them as lost on the way down. */
  stop(): Promise<void> {
    this.#isStopping = true;
    const stopAll = (role: LocalClusterProcess['role']) =>
      Promise.all(this.processes.filter((p) => p.role === role).map(({ child }) => this.#stopOne(child)));
    this.#stopped ??= stopAll('taskmanager').then(() => stopAll('jobmanager')).then(() => undefined);
    return this.#stopped;
  }

  async #stopOne(child: ChildProcess): Promise<void> {
    const exited = this.#exits.get(child)!;
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const isGone = await Promise.race([exited.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(resolve, this.stopGraceMs, false)))]);
    clearTimeout(timer);
    if (!isGone) {
      child.kill('SIGKILL');
      await exited;
    }
  }

  #describeLastLines(): string {
    const parts = [...this.#lastLines].filter(([, lines]) => lines.length > 0).map(([name, lines]) => `\n[${name}] ${lines.slice(-5).join(`\n[${name}] `)}`);
    return parts.length === 0 ? '' : `; last output:${parts.join('')}`;
  }
}

const PINO_LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };

/** A pino JSON line as `LEVEL msg: err.message` (an error message needs no config dump); other lines cut at 300 characters. */
export function summarizeLine(line: string): string {
  if (line.startsWith('{"level":')) {
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
      return `${PINO_LEVELS[entry.level ?? 30] ?? entry.level} ${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message}` : ''}`;
    } catch {
      // not JSON after all: keep it as text
    }
  }
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/** `tm-2 (pid 4711) exited with code 1`, then its last lines unless `withOutput` is false. */
export function describeExit(exit: ProcessExit, withOutput = true): string {
  const how = exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const tail = !withOutput || exit.lastLines.length === 0 ? '' : `; its last output:\n${exit.lastLines.map((line) => `  ${line}`).join('\n')}`;
  return `${exit.name} (pid ${exit.pid ?? '?'}) ${how}${tail}`;
}
