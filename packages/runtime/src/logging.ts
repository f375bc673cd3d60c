// One pino logger per Sluice process (JobManager, TaskManager, client): pretty on a terminal, JSON lines otherwise, always on stderr.
import { writeSync } from 'node:fs';
import { pino, type DestinationStream, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { RuntimeError } from './errors.js';
import { redactConfig, type SluiceConfig } from './options.js';

/** Log levels, quietest last; `silent` turns logging off. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Environment variable holding the default log level. */
export const LOG_LEVEL_ENV = 'SLUICE_LOG_LEVEL';

export type { Logger } from 'pino';

/** How {@link createLogger} builds the logger; every field has a default fit for a real process. */
export interface LoggerOptions {
  /** Level; default `$SLUICE_LOG_LEVEL`, else `info`. */
  level?: LogLevel;
  /** Human-readable lines instead of JSON; default: whether stderr is a TTY. */
  isPretty?: boolean;
  /** Where lines go; default stderr (fd 2), written synchronously. Tests pass a `{ write(line) }` collector. */
  destination?: DestinationStream;
  /** Environment to read `SLUICE_LOG_LEVEL` from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** Checks a level name, throwing `ERR_RT_BAD_CONFIG` that names where it came from. */
export function parseLogLevel(value: string, source: string): LogLevel {
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  throw new RuntimeError('ERR_RT_BAD_CONFIG', `${source}: expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(value)}`);
}

/** Stderr, written with `writeSync`: a line logged just before a crash or `process.exit` is never lost. */
const STDERR: DestinationStream = { write: (line: string) => void writeSync(2, line) };

/**
 * Creates the logger of one process, named after it (`'jobmanager'`, `'taskmanager-<id>'`, `'client'`).
 * Call it once, in the process's entry, and hand the logger (or children of it) down.
 *
 * Pretty output uses pino-pretty's synchronous `prettyFactory` in the calling thread, and JSON goes straight to the
 * destination: no `pino.transport()`, which would start a thread per logger (pino #2346, piscina #601). Logs go
 * to stderr so that stdout stays for command output (`sluice list`, `sluice plan`).
 *
 * @param processName - the logger's `name` field
 * @param options - level (default `$SLUICE_LOG_LEVEL` or `info`), pretty (default: stderr is a TTY), destination
 */
export function createLogger(processName: string, options: LoggerOptions = {}): Logger {
  const env = options.env ?? process.env;
  const fromEnv = env[LOG_LEVEL_ENV];
  const level = options.level ?? (fromEnv ? parseLogLevel(fromEnv, LOG_LEVEL_ENV) : 'info');
  const isPretty = options.isPretty ?? process.stderr.isTTY === true;
  const destination = options.destination ?? STDERR;
  const stream = isPretty ? prettyStream(destination, options.destination === undefined) : destination;
  return pino({ name: processName, level }, stream);
}

function prettyStream(destination: DestinationStream, isTerminal: boolean): DestinationStream {
  const prettify = pinoPretty.prettyFactory({
    colorize: isTerminal && process.stderr.hasColors?.() === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
  return { write: (line: string) => destination.write(prettify(line)) };
}

/** Identifies one subtask in log lines, Flink style: `Map (2/4)#0`. */
export interface SubtaskLogContext {
  jobId: string;
  taskName: string;
  /** 0-based; printed 1-based as Flink does. */
  subtaskIndex: number;
  parallelism: number;
  /** Execution attempt, 0 for the first run. Default 0. */
  attemptNumber?: number;
}

/**
 * A child logger whose lines carry the job id and the subtask (`"subtask": "Map (2/4)#0"`). Use it in the thread
 * that owns `parent`; a subtask worker creates its own process-named logger with {@link createLogger} first.
 */
export function createSubtaskLogger(parent: Logger, context: SubtaskLogContext): Logger {
  const { jobId, taskName, subtaskIndex, parallelism, attemptNumber = 0 } = context;
  return parent.child({ jobId, subtask: `${taskName} (${subtaskIndex + 1}/${parallelism})#${attemptNumber}` });
}

const loggedConfigs = new WeakSet<Logger>();

/**
 * Logs the resolved configuration once per logger, at `info`, with `cluster.token` redacted. Call it at process
 * start, right after {@link createLogger}; later calls with the same logger do nothing.
 */
export function logResolvedConfig(logger: Logger, config: SluiceConfig): void {
  if (loggedConfigs.has(logger)) return;
  loggedConfigs.add(logger);
  logger.info({ config: redactConfig(config) }, 'resolved configuration');
}
