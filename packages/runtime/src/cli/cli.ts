// The `sluice` command tree (commander 14): parses flags and configuration, then calls one injectable handler per command.
import { statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { RuntimeError } from '../errors.js';
import { LOG_LEVEL_ENV, LOG_LEVELS, parseLogLevel, type LogLevel } from '../logging.js';
import { isLoopbackAddress, loadConfig, type ConfigKey, type SluiceConfig } from '../options.js';

// ─────────────────────────────────────── handler contract ───────────────────────────────────────

/** Where a command writes its output: stdout for results (`list`, `plan`), stderr for everything else. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

/** What every command handler receives. */
export interface CommonOptions {
  /** Resolved configuration: defaults < `--config` file < `SLUICE_CLUSTER_TOKEN` < `-D` < flags. */
  config: SluiceConfig;
  /** `--config FILE` as given (undefined: none, or `$SLUICE_CONF_DIR/config.yaml`). */
  configFile: string | undefined;
  /** Every key set by `-D` or a flag, to forward to spawned processes (`-D key=value` each). */
  overrides: Record<string, string | number | boolean>;
  /** `--log-level`, else `$SLUICE_LOG_LEVEL`, else `info`; pass it to `createLogger`. */
  logLevel: LogLevel;
  io: CliIo;
  /** Aborted on the first Ctrl-C / SIGTERM: long-running commands stop their processes and resolve. */
  signal: AbortSignal;
}

/** `sluice cluster start`: a JobManager and `numTaskManagers` TaskManagers on this machine. */
export interface ClusterStartOptions extends CommonOptions {
  /** `--taskmanagers N` (default 1). Slots per TaskManager are `config['taskmanager.numberOfTaskSlots']` (`--slots`). */
  numTaskManagers: number;
}

/** `sluice jobmanager`: the JobManager process (`--rpc-port`, `--rest-port` land in `config`). */
export type JobManagerOptions = CommonOptions;

/** `sluice taskmanager`: one TaskManager process (`--slots`, `--data-port` land in `config`). */
export interface TaskManagerOptions extends CommonOptions {
  /** `--jobmanager URL`; undefined: `jobmanager.rpc.address`/`jobmanager.rpc.port` from `config`. */
  jobManagerUrl: URL | undefined;
  /** `--resource-id ID`, used in the logger name `taskmanager-<id>`; undefined: the handler picks one. */
  resourceId: string | undefined;
}

/** `sluice run [-p N] [--detached] job.ts [job args…]` (`-p` lands in `config['parallelism.default']`). */
export interface RunOptions extends CommonOptions {
  /** Absolute path of the job file; checked to exist. */
  jobFile: string;
  /** Everything after the job file, untouched (including any `--`). */
  jobArgs: string[];
  /** `--detached`: return once the job is submitted instead of waiting for its end. */
  isDetached: boolean;
  /** `--jobmanager URL` (a bare `host:port` becomes `http://host:port`); undefined: `rest.address`/`rest.port`. */
  jobManagerUrl: URL | undefined;
}

/** `sluice list`: jobs of the cluster. */
export interface ListOptions extends CommonOptions {
  jobManagerUrl: URL | undefined;
}

/** `sluice cancel ID`. */
export interface CancelOptions extends CommonOptions {
  jobId: string;
  jobManagerUrl: URL | undefined;
}

/** `sluice plan [-p N] job.ts [job args…]`: print the job graph without running it (Flink's `flink info`). */
export interface PlanOptions extends CommonOptions {
  jobFile: string;
  jobArgs: string[];
  /** `--json`: print `jobGraphToJson` of the graph instead of the text plan. */
  isJson: boolean;
}

/** `sluice top [JOB]`: a job's vertices, busy / backpressured / records per second, refreshed every second. */
export interface TopOptions extends CommonOptions {
  jobManagerUrl: URL | undefined;
  /** The job to watch; undefined: the only running job. */
  jobId?: string;
  /** `--once`: print one table and return. */
  isOnce?: boolean;
}

/**
 * One handler per command: the CLI parses, validates and loads the configuration, then calls exactly one of
 * these. A handler resolves when its command is done (long-running ones when `signal` aborts); a rejection is
 * printed as `code: message` and exits 1.
 */
export interface CommandHandlers {
  clusterStart(options: ClusterStartOptions): Promise<void> | void;
  jobmanager(options: JobManagerOptions): Promise<void> | void;
  taskmanager(options: TaskManagerOptions): Promise<void> | void;
  run(options: RunOptions): Promise<void> | void;
  list(options: ListOptions): Promise<void> | void;
  cancel(options: CancelOptions): Promise<void> | void;
  plan(options: PlanOptions): Promise<void> | void;
  top(options: TopOptions): Promise<void> | void;
}

function notImplemented(command: string): () => never {
  return () => {
    throw new RuntimeError('ERR_RT_NOT_IMPLEMENTED', `\`sluice ${command}\` is not implemented yet`);
  };
}

/** The default table: every handler throws `ERR_RT_NOT_IMPLEMENTED` until its body lands. */
export const DEFAULT_HANDLERS: CommandHandlers = {
  clusterStart: notImplemented('cluster start'),
  jobmanager: notImplemented('jobmanager'),
  taskmanager: notImplemented('taskmanager'),
  run: notImplemented('run'),
  list: notImplemented('list'),
  cancel: notImplemented('cancel'),
  plan: notImplemented('plan'),
  top: notImplemented('top'),
};

// ─────────────────────────────────────────── parsing ───────────────────────────────────────────

/** A usage or configuration problem found after commander parsed: printed as is, exit 2. */
class UsageError extends Error {}

/** A handler's rejection, carried past commander to {@link runCli}: exit 1. */
class HandlerFailed extends Error {
  constructor(readonly error: unknown) {
    super('command handler failed', { cause: error });
  }
}

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a positive integer.');
  return Number(value);
}

function port(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('expected a port in [0, 65535].');
  return Number(value);
}

function dynamicProperty(value: string, previous: string[] = []): string[] {
  const equals = value.indexOf('=');
  if (equals < 1) throw new InvalidArgumentError('expected key=value.');
  return [...previous, value];
}

function jobManagerUrl(value: string): URL {
  const expectation = 'expected a URL such as http://127.0.0.1:8081, or host:port.';
  const text = /^(\[[^\]]+\]|[^/:[\]]+):\d+$/.test(value) ? `http://${value}` : value;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError(expectation);
  }
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) throw new InvalidArgumentError(expectation);
  return url;
}

/** Flags that set a configuration key: flag name → key. */
const FLAG_KEYS: Record<string, ConfigKey> = {
  slots: 'taskmanager.numberOfTaskSlots',
  restPort: 'rest.port',
  rpcPort: 'jobmanager.rpc.port',
  dataPort: 'taskmanager.data.port',
  parallelism: 'parallelism.default',
};
const FLAG_NAMES: Record<string, string> = { slots: '--slots', restPort: '--rest-port', rpcPort: '--rpc-port', dataPort: '--data-port', parallelism: '-p/--parallelism' };

function addCommonOptions(command: Command): Command {
  return command
    .option('--config <file>', 'YAML file of Flink-style keys (default: $SLUICE_CONF_DIR/config.yaml)')
    .option('-D <key=value>', 'set any configuration key (repeatable); wins over the file', dynamicProperty)
    .addOption(new Option('--log-level <level>', `log level (default: $${LOG_LEVEL_ENV} or info)`).choices(LOG_LEVELS));
}

const jobManagerOption = (): Option =>
  new Option('--jobmanager <url>', 'JobManager address (default: from the configuration)').argParser(jobManagerUrl);

// ─────────────────────────────────────────── program ───────────────────────────────────────────

/** Injectable world of {@link runCli}: handlers, output, environment, exit and the stop signal. */
export interface RunCliOptions {
  /** Handlers to call; missing ones fall back to {@link DEFAULT_HANDLERS}. */
  handlers?: Partial<CommandHandlers>;
  /** Default: `process.stdout.write`. */
  stdout?: (text: string) => void;
  /** Default: `process.stderr.write`. */
  stderr?: (text: string) => void;
  /** Called once with the exit code (0 ok, 1 the command failed, 2 usage or configuration error). */
  exit?: (code: number) => void;
  /** Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Passed to handlers; default: never aborted. */
  signal?: AbortSignal;
}

interface Context {
  handlers: CommandHandlers;
  io: CliIo;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** Set as soon as it is known, so a handler error can be printed with its stack at `debug`. */
  logLevel: LogLevel;
}

/**
 * Runs the `sluice` CLI on `argv` (without `node` and the script) and resolves to its exit code, after calling
 * `exit` with it. Usage and configuration errors print a message naming the flag or key and give 2; a
 * handler's error prints `code: message` (with the stack at `--log-level debug`) and gives 1.
 */
export async function runCli(argv: readonly string[], options: RunCliOptions = {}): Promise<number> {
  const io: CliIo = {
    stdout: options.stdout ?? ((text) => void process.stdout.write(text)),
    stderr: options.stderr ?? ((text) => void process.stderr.write(text)),
  };
  const context: Context = {
    handlers: { ...DEFAULT_HANDLERS, ...options.handlers },
    io,
    env: options.env ?? process.env,
    signal: options.signal ?? new AbortController().signal,
    logLevel: 'info',
  };
  const code = await parseAndRun(argv, context);
  options.exit?.(code);
  return code;
}

async function parseAndRun(argv: readonly string[], context: Context): Promise<number> {
  try {
    await createProgram(context).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2; // commander printed the message
    if (error instanceof UsageError) {
      context.io.stderr(`${error.message}\n`);
      return 2;
    }
    if (error instanceof HandlerFailed) {
      context.io.stderr(`${describeError(error.error, context.logLevel)}\n`);
      return 1;
    }
    throw error;
  }
}

/** `code: message` (RuntimeError and NetworkError messages carry the code already); the stack at debug/trace. */
function describeError(error: unknown, logLevel: LogLevel): string {
  if (!(error instanceof Error)) return `Error: ${String(error)}`;
  const code = (error as { code?: unknown }).code;
  const prefix = typeof code === 'string' ? code : error.name;
  const line = error.message.startsWith(`${prefix}: `) ? error.message : `${prefix}: ${error.message}`;
  const isVerbose = logLevel === 'debug' || logLevel === 'trace';
  return isVerbose && error.stack ? `${line}\n${error.stack.split('\n').slice(1).join('\n')}` : line;
}

function createProgram(context: Context): Command {
  const program = new Command('sluice')
    .description('A miniature Apache Flink for Node.js.')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: context.io.stdout, writeErr: context.io.stderr })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      '\nConfiguration: Flink-style keys (e.g. rest.port, taskmanager.numberOfTaskSlots) from --config or -D key=value;\n' +
        'every key, its default and the reason for it: packages/runtime/README.md#configuration.\n' +
        '\nExamples:\n  sluice cluster start --taskmanagers 2 --slots 2\n  sluice run -p 2 job.ts --input a.txt --output out\n',
    );
  addCommonOptions(program);
  addClusterCommands(program, context);
  addProcessCommands(program, context);
  addClientCommands(program, context);
  return program;
}

function addClusterCommands(program: Command, context: Context): void {
  const cluster = addCommonOptions(program.command('cluster').description('a whole cluster on this machine'));
  addCommonOptions(cluster.command('start'))
    .description('start a JobManager and TaskManagers here, print the web address, stop them all on Ctrl-C')
    .option('--taskmanagers <n>', 'TaskManager processes', positiveInt, 1)
    .option('--slots <n>', 'slots per TaskManager (taskmanager.numberOfTaskSlots)', positiveInt)
    .option('--rest-port <port>', 'REST and web UI port, 0 = pick (rest.port)', port)
    .action(async (flags: { taskmanagers: number }, command: Command) => {
      await invoke(context, 'clusterStart', { ...common(context, command), numTaskManagers: flags.taskmanagers });
    });
}

function addProcessCommands(program: Command, context: Context): void {
  addCommonOptions(program.command('jobmanager'))
    .description('run a JobManager process (RPC, scheduler, REST and web UI)')
    .option('--rpc-port <port>', 'RPC port, 0 = pick (jobmanager.rpc.port)', port)
    .option('--rest-port <port>', 'REST and web UI port, 0 = pick (rest.port)', port)
    .action(async (_flags: object, command: Command) => {
      await invoke(context, 'jobmanager', common(context, command));
    });
  addCommonOptions(program.command('taskmanager'))
    .description('run a TaskManager process that registers with a JobManager')
    .addOption(jobManagerOption())
    .option('--slots <n>', 'slots (taskmanager.numberOfTaskSlots)', positiveInt)
    .option('--data-port <port>', 'data port, 0 = pick (taskmanager.data.port)', port)
    .option('--resource-id <id>', 'TaskManager id, as in the logger name taskmanager-<id>')
    .action(async (flags: { jobmanager?: URL; resourceId?: string }, command: Command) => {
      const options = common(context, command);
      checkReachable(flags.jobmanager, options.config);
      await invoke(context, 'taskmanager', { ...options, jobManagerUrl: flags.jobmanager, resourceId: flags.resourceId });
    });
}

function addClientCommands(program: Command, context: Context): void {
  addCommonOptions(program.command('run'))
    .description('submit a job; everything after the job file goes to the job untouched')
    .option('-p, --parallelism <n>', 'default parallelism of the job (parallelism.default)', positiveInt)
    .option('--detached', 'return once the job is submitted')
    .addOption(jobManagerOption())
    .argument('<job>', 'job file (.ts or .js)')
    .argument('[args...]', 'program arguments of the job')
    .passThroughOptions()
    .action(async (job: string, args: string[], flags: { detached?: boolean; jobmanager?: URL }, command: Command) => {
      const options = common(context, command);
      checkReachable(flags.jobmanager, options.config);
      const run = { ...options, jobFile: checkJobFile(job), jobArgs: args, isDetached: flags.detached === true, jobManagerUrl: flags.jobmanager };
      await invoke(context, 'run', run);
    });
  addCommonOptions(program.command('plan'))
    .description('print the job graph of a job file without running it')
    .option('-p, --parallelism <n>', 'default parallelism of the job (parallelism.default)', positiveInt)
    .option('--json', 'print the graph as JSON (vertices, edges, ids, serializers)')
    .argument('<job>', 'job file (.ts or .js)')
    .argument('[args...]', 'program arguments of the job')
    .passThroughOptions()
    .action(async (job: string, args: string[], flags: { json?: boolean }, command: Command) => {
      await invoke(context, 'plan', { ...common(context, command), jobFile: checkJobFile(job), jobArgs: args, isJson: flags.json === true });
    });
  addClientCommand(program, context, 'list', 'list the jobs of the cluster');
  addCommonOptions(program.command('top'))
    .description("a job's vertices: busy, backpressured, records/s, refreshed every second (Ctrl-C stops)")
    .addOption(jobManagerOption())
    .option('--once', 'print one table and exit')
    .argument('[jobId]', 'id of the job (default: the only running job)')
    .action(async (jobId: string | undefined, flags: { jobmanager?: URL; once?: boolean }, command: Command) => {
      const options = common(context, command);
      checkReachable(flags.jobmanager, options.config);
      await invoke(context, 'top', { ...options, jobManagerUrl: flags.jobmanager, jobId, isOnce: flags.once === true });
    });
  addCommonOptions(program.command('cancel'))
    .description('cancel a running job')
    .addOption(jobManagerOption())
    .argument('<jobId>', 'id of the job, as printed by run and list')
    .action(async (jobId: string, flags: { jobmanager?: URL }, command: Command) => {
      const options = common(context, command);
      checkReachable(flags.jobmanager, options.config);
      await invoke(context, 'cancel', { ...options, jobId, jobManagerUrl: flags.jobmanager });
    });
}

function addClientCommand(program: Command, context: Context, name: 'list' | 'top', description: string): void {
  addCommonOptions(program.command(name))
    .description(description)
    .addOption(jobManagerOption())
    .action(async (flags: { jobmanager?: URL }, command: Command) => {
      const options = common(context, command);
      checkReachable(flags.jobmanager, options.config);
      await invoke(context, name, { ...options, jobManagerUrl: flags.jobmanager });
    });
}

// ─────────────────────────────────────── shared by actions ──────────────────────────────────────

/** Merges the common options given anywhere on the command path, loads the configuration and the log level. */
function common(context: Context, command: Command): CommonOptions {
  const path: Command[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) path.unshift(c);
  let configFile: string | undefined;
  let levelFlag: LogLevel | undefined;
  const overrides: Record<string, string | number | boolean> = {};
  const overrideSources: Record<string, string> = {};
  for (const c of path) {
    const flags = c.opts<{ config?: string; D?: string[]; logLevel?: LogLevel }>();
    configFile = flags.config ?? configFile;
    levelFlag = flags.logLevel ?? levelFlag;
    for (const property of flags.D ?? []) {
      const equals = property.indexOf('=');
      const key = property.slice(0, equals).trim();
      [overrides[key], overrideSources[key]] = [property.slice(equals + 1), '-D'];
    }
  }
  const own = command.opts<Record<string, unknown>>();
  for (const [flag, key] of Object.entries(FLAG_KEYS)) {
    const value = own[flag];
    if (typeof value === 'number') [overrides[key], overrideSources[key]] = [value, FLAG_NAMES[flag]];
  }
  try {
    const fromEnv = context.env[LOG_LEVEL_ENV];
    context.logLevel = levelFlag ?? (fromEnv ? parseLogLevel(fromEnv, LOG_LEVEL_ENV) : 'info');
    const config = loadConfig({ file: configFile, overrides, overrideSources, env: context.env });
    return { config, configFile, overrides, logLevel: context.logLevel, io: context.io, signal: context.signal };
  } catch (error) {
    if (error instanceof RuntimeError) throw new UsageError(error.message);
    throw error;
  }
}

function checkJobFile(job: string): string {
  const file = resolvePath(job);
  if (!statSync(file, { throwIfNoEntry: false })?.isFile()) throw new UsageError(`error: job file not found: ${job}`);
  return file;
}

/** Off loopback the JobManager demands the cluster token: say so before connecting. */
function checkReachable(url: URL | undefined, config: SluiceConfig): void {
  if (url !== undefined && !isLoopbackAddress(url.hostname) && config['cluster.token'] === undefined) {
    throw new UsageError(
      `ERR_RT_BAD_CONFIG: --jobmanager ${url.href} is not loopback, so cluster.token is required ` +
        '(set it in the config file, with -D cluster.token=… or in SLUICE_CLUSTER_TOKEN)',
    );
  }
}

async function invoke<K extends keyof CommandHandlers>(context: Context, name: K, options: Parameters<CommandHandlers[K]>[0]): Promise<void> {
  try {
    await (context.handlers[name] as (options: Parameters<CommandHandlers[K]>[0]) => Promise<void> | void)(options);
  } catch (error) {
    throw new HandlerFailed(error);
  }
}
