// The runtime's one options file: Flink-style configuration keys from YAML, environment and flags, with a reason per default, validated once.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import {
  DEFAULT_NETWORK_OPTIONS,
  NETWORK_OPTION_KEYS,
  NetworkError,
  resolveNetworkOptions,
  type NetworkOptions,
  type ResolvedNetworkOptions,
} from '@sluice/network';
import { RuntimeError } from './errors.js';

// ───────────────────────────────────────────── keys ─────────────────────────────────────────────

/**
 * The resolved configuration of a Sluice process, keyed by Flink's configuration keys so that YAML files,
 * `-D key=value`, logs and error messages all use one spelling. Sizes are in bytes, durations in the unit the
 * key names (ms unless the key ends in `-us`). Build it with {@link loadConfig}; never mutate it (it is frozen).
 */
export interface SluiceConfig {
  /** Host the JobManager's RPC endpoint is reached at (and binds to). */
  readonly 'jobmanager.rpc.address': string;
  /** Port of the JobManager's RPC endpoint; 0 = pick a free port. */
  readonly 'jobmanager.rpc.port': number;
  /** Host clients use to reach the REST API and web UI. */
  readonly 'rest.address': string;
  /** Port of the REST API and web UI; 0 = pick a free port. */
  readonly 'rest.port': number;
  /** Address the REST server binds to; defaults to `rest.address`. */
  readonly 'rest.bind-address': string;
  /** Slots (concurrently running subtask threads of one pipeline each) per TaskManager. */
  readonly 'taskmanager.numberOfTaskSlots': number;
  /** Host a TaskManager binds its data port to and announces to its peers. */
  readonly 'taskmanager.host': string;
  /** Port of a TaskManager's data (network stack) server; 0 = pick a free port. */
  readonly 'taskmanager.data.port': number;
  /** Ms between heartbeats of the JobManager and each TaskManager. */
  readonly 'heartbeat.interval': number;
  /** Ms without a heartbeat after which a peer is considered lost. */
  readonly 'heartbeat.timeout': number;
  /** Parallelism of operators that set none. */
  readonly 'parallelism.default': number;
  /** Upper bound of any operator's parallelism: the number of key groups. */
  readonly 'pipeline.max-parallelism': number;
  /** Shared secret for TaskManager registration, data connections and job submission; required off loopback. */
  readonly 'cluster.token': string | undefined;
  /** Network option `segmentSizeBytes`: bytes per network buffer. */
  readonly 'taskmanager.memory.segment-size': number;
  /** Network option `numSegments`: buffers in a TaskManager's network memory. */
  readonly 'taskmanager.network.numberOfBuffers': number;
  /** Network option `buffersPerChannel`: exclusive buffers (initial credit) per remote channel. */
  readonly 'taskmanager.network.memory.buffers-per-channel': number;
  /** Network option `floatingBuffersPerGate`: buffers shared by an input gate's channels. */
  readonly 'taskmanager.network.memory.floating-buffers-per-gate': number;
  /** Network option `maxBuffersPerChannel`: buffers one subpartition may hold. */
  readonly 'taskmanager.network.memory.max-buffers-per-channel': number;
  /** Network option `bufferTimeoutMs`: ms between flushes; 0 = after every record, -1 = only when full. */
  readonly 'execution.buffer-timeout': number;
  /** Network option `creditModel`: credit-based (true) or legacy (false) flow control. */
  readonly 'taskmanager.network.credit-model': boolean;
  /** Network option `maxPools`: local buffer pools per TaskManager. */
  readonly 'taskmanager.network.max-buffer-pools': number;
  /** Network option `maxQueues`: subpartition and remote receive queues per TaskManager. */
  readonly 'taskmanager.network.max-subpartition-queues': number;
  /** Network option `queueCapacity`: entries per subpartition queue. */
  readonly 'taskmanager.network.queue-capacity': number;
  /** Network option `spinBeforeWaitMicros`: µs a thread polls before it sleeps. */
  readonly 'taskmanager.network.spin-before-wait-us': number;
  /** Network option `waitTimeoutMs`: longest ms a thread sleeps before re-checking. */
  readonly 'taskmanager.network.wait-timeout': number;
  /** Node flags a launcher starts TaskManager processes with (Flink's `env.java.opts.taskmanager`), space-separated. */
  readonly 'env.node.opts.taskmanager': string;
  /** Node flags a launcher starts the JobManager process with (Flink's `env.java.opts.jobmanager`), space-separated. */
  readonly 'env.node.opts.jobmanager': string;
}

/** A Flink-style configuration key. */
export type ConfigKey = keyof SluiceConfig;

/** How a key's value is written: decides the parser, the expectation in error messages and the README column. */
export type ConfigValueType = 'address' | 'port' | 'integer' | 'duration' | 'memory-size' | 'boolean' | 'secret' | 'node-flags';

/** What {@link CONFIG_KEYS} knows about one key. */
export interface ConfigKeyInfo<V = unknown> {
  readonly type: ConfigValueType;
  readonly description: string;
  /** The default value, resolved (bytes, ms, µs). */
  readonly default: V;
  /** The default as one would write it in YAML (`32 kb`, `1 s`, `(rest.address)`). */
  readonly defaultText: string;
  /** Why the default is what it is, in one line. */
  readonly reason: string;
  /** Inclusive bounds checked here; network keys leave their ranges to `resolveNetworkOptions`. */
  readonly min?: number;
  readonly max?: number;
  /** Unit of a duration key and of a bare number given for it. */
  readonly unit?: 'ms' | 'us';
  /** The `NetworkOptions` field this key feeds, for network keys. */
  readonly networkOption?: keyof NetworkOptions;
}

type KeyTable = { readonly [K in ConfigKey]: ConfigKeyInfo<SluiceConfig[K]> };

const HOUR_MS = 3_600_000;
const net = DEFAULT_NETWORK_OPTIONS;

/**
 * Every configuration key with its type, description, default and the reason for the default. Network keys take
 * their defaults from `DEFAULT_NETWORK_OPTIONS`, so the two packages never disagree.
 */
export const CONFIG_KEYS: KeyTable = {
  'jobmanager.rpc.address': { type: 'address', default: '127.0.0.1', defaultText: '127.0.0.1', description: 'host of the JobManager RPC endpoint', reason: 'loopback unless told otherwise: nothing is reachable from other machines by accident' },
  'jobmanager.rpc.port': { type: 'port', default: 6123, defaultText: '6123', description: 'port of the JobManager RPC endpoint (0 = pick)', reason: "Flink's default, so Flink habits carry over" },
  'rest.address': { type: 'address', default: '127.0.0.1', defaultText: '127.0.0.1', description: 'host clients use to reach the REST API and web UI', reason: 'loopback unless told otherwise' },
  'rest.port': { type: 'port', default: 8081, defaultText: '8081', description: 'port of the REST API and web UI (0 = pick)', reason: "Flink's default web UI port" },
  'rest.bind-address': { type: 'address', default: '127.0.0.1', defaultText: '(rest.address)', description: 'address the REST server binds to', reason: 'follows rest.address, so a loopback cluster never listens on other interfaces' },
  'taskmanager.numberOfTaskSlots': { type: 'integer', min: 1, max: 1024, default: 1, defaultText: '1', description: 'slots per TaskManager', reason: "Flink's default: one slot, one pipeline per TaskManager, the simplest isolation" },
  'taskmanager.host': { type: 'address', default: '127.0.0.1', defaultText: '127.0.0.1', description: 'host a TaskManager binds its data port to and announces', reason: 'loopback unless told otherwise' },
  'taskmanager.data.port': { type: 'port', default: 0, defaultText: '0', description: 'port of the TaskManager data server (0 = pick)', reason: 'several TaskManagers share one machine; the JobManager learns each port at registration' },
  'heartbeat.interval': { type: 'duration', unit: 'ms', min: 1, max: HOUR_MS, default: 1000, defaultText: '1 s', description: 'time between heartbeats', reason: "a demo cluster should notice a lost process within seconds (Flink's is 10 s)" },
  'heartbeat.timeout': { type: 'duration', unit: 'ms', min: 1, max: HOUR_MS, default: 5000, defaultText: '5 s', description: 'time without a heartbeat after which a peer is lost', reason: "five missed heartbeats; Flink's 50 s is long for a laptop" },
  'parallelism.default': { type: 'integer', min: 1, max: 32768, default: 1, defaultText: '1', description: 'parallelism of operators that set none', reason: "Flink's default: a job scales out only when asked" },
  'pipeline.max-parallelism': { type: 'integer', min: 1, max: 32768, default: 128, defaultText: '128', description: 'key groups: the upper bound of any parallelism', reason: "Flink's lower bound for the default; enough to rescale small jobs, cheap per key group" },
  'cluster.token': { type: 'secret', default: undefined, defaultText: '(none)', description: 'shared secret for TaskManager registration, data connections and job submission', reason: 'not needed on loopback; required (16+ characters) when any address is not loopback' },
  'taskmanager.memory.segment-size': { type: 'memory-size', networkOption: 'segmentSizeBytes', default: net.segmentSizeBytes, defaultText: '32 kb', description: 'bytes per network buffer', reason: "Flink's default: amortises per-buffer costs, small enough to flush often" },
  'taskmanager.network.numberOfBuffers': { type: 'integer', networkOption: 'numSegments', default: net.numSegments, defaultText: String(net.numSegments), description: 'buffers in a TaskManager\'s network memory', reason: "64 MiB of network memory, Flink's `taskmanager.memory.network.min`" },
  'taskmanager.network.memory.buffers-per-channel': { type: 'integer', networkOption: 'buffersPerChannel', default: net.buffersPerChannel, defaultText: String(net.buffersPerChannel), description: 'exclusive buffers (initial credit) per remote channel', reason: '1 buffer in flight + 1 being filled keeps a channel busy' },
  'taskmanager.network.memory.floating-buffers-per-gate': { type: 'integer', networkOption: 'floatingBuffersPerGate', default: net.floatingBuffersPerGate, defaultText: String(net.floatingBuffersPerGate), description: "floating buffers shared by a gate's channels", reason: "Flink's default: absorbs skew between a gate's channels" },
  'taskmanager.network.memory.max-buffers-per-channel': { type: 'integer', networkOption: 'maxBuffersPerChannel', default: net.maxBuffersPerChannel, defaultText: String(net.maxBuffersPerChannel), description: 'buffers one subpartition may hold before its partition is unavailable', reason: "Flink's default: stops one skewed subpartition from hoarding the pool" },
  'execution.buffer-timeout': { type: 'duration', unit: 'ms', networkOption: 'bufferTimeoutMs', default: net.bufferTimeoutMs, defaultText: `${net.bufferTimeoutMs} ms`, description: 'flush interval of partly filled buffers; 0 = after every record, -1 = only when full', reason: "Flink's default: bounds latency at low load without per-record flushes" },
  'taskmanager.network.credit-model': { type: 'boolean', networkOption: 'creditModel', default: net.creditModel, defaultText: String(net.creditModel), description: 'credit-based (true) or legacy (false) flow control', reason: 'credit-based is the default since Flink 1.5; legacy is for experiments' },
  'taskmanager.network.max-buffer-pools': { type: 'integer', networkOption: 'maxPools', default: net.maxPools, defaultText: String(net.maxPools), description: 'local buffer pools a TaskManager can hold at once', reason: 'room for hundreds of subtasks; 64 B of shared memory each' },
  'taskmanager.network.max-subpartition-queues': { type: 'integer', networkOption: 'maxQueues', default: net.maxQueues, defaultText: String(net.maxQueues), description: 'subpartition and remote receive queues a TaskManager can hold at once', reason: 'one per subpartition and remote channel; 2 KiB of shared memory each' },
  'taskmanager.network.queue-capacity': { type: 'integer', networkOption: 'queueCapacity', default: net.queueCapacity, defaultText: String(net.queueCapacity), description: 'entries (buffers + events) one subpartition queue holds (power of two)', reason: 'more than max-buffers-per-channel + events in flight; a full queue is a hard wait' },
  'taskmanager.network.spin-before-wait-us': { type: 'duration', unit: 'us', networkOption: 'spinBeforeWaitMicros', default: net.spinBeforeWaitMicros, defaultText: '50 us with ≥ 4 cores, else 0 us', description: 'time a thread polls before it sleeps on a shared word', reason: 'a spin avoids a sleep\'s wake-up cost but only pays with a spare core: 50 µs on 4 or more cores, 0 on fewer' },
  'taskmanager.network.wait-timeout': { type: 'duration', unit: 'ms', networkOption: 'waitTimeoutMs', default: net.waitTimeoutMs, defaultText: `${net.waitTimeoutMs} ms`, description: 'longest sleep before a thread re-checks, in case a notify was missed', reason: 'a notify can be missed; never sleep longer than this' },
  'env.node.opts.taskmanager': { type: 'node-flags', default: '--initial-old-space-size=64', defaultText: '--initial-old-space-size=64', description: 'node flags the cluster launcher starts TaskManagers with', reason: "the main thread's socket-read buffers count against V8's old-generation limit, which starts small: V8 marked and compacted every ~30 ms at full rate; 64 MiB keeps it off for ~60 MiB of RSS" },
  'env.node.opts.jobmanager': { type: 'node-flags', default: '', defaultText: '(none)', description: 'node flags the cluster launcher starts the JobManager with', reason: "Node's defaults suit the JobManager: it moves no data" },
};

const ALL_KEYS = Object.keys(CONFIG_KEYS) as ConfigKey[];

/** The configuration with nothing set: every key at its default (frozen). */
export const DEFAULT_CONFIG: SluiceConfig = Object.freeze(
  Object.fromEntries(ALL_KEYS.map((key) => [key, CONFIG_KEYS[key].default])) as unknown as SluiceConfig,
);

/** Keys whose value is a host; any of them off loopback makes `cluster.token` required. */
const ADDRESS_KEYS = ALL_KEYS.filter((key) => CONFIG_KEYS[key].type === 'address');

/** Environment variables read by {@link loadConfig}. */
export const CONFIG_ENV = {
  /** Directory holding `config.yaml`, used when no file is given (Flink's `FLINK_CONF_DIR`). */
  confDir: 'SLUICE_CONF_DIR',
  /** `cluster.token`, kept out of files and out of `ps` output. */
  clusterToken: 'SLUICE_CLUSTER_TOKEN',
} as const;

// ──────────────────────────────────────── value parsers ─────────────────────────────────────────

/** Thrown by a parser; the caller adds the key, the value and where it came from. */
class BadValue extends Error {}

const DURATION_UNITS_NS: ReadonlyArray<[readonly string[], number]> = [
  [['ns', 'nano', 'nanos', 'nanosecond', 'nanoseconds'], 1],
  [['us', 'µs', 'micro', 'micros', 'microsecond', 'microseconds'], 1e3],
  [['ms', 'milli', 'millis', 'millisecond', 'milliseconds'], 1e6],
  [['s', 'sec', 'secs', 'second', 'seconds'], 1e9],
  [['min', 'm', 'minute', 'minutes'], 60e9], // Flink's TimeUtils: `m` is minutes
  [['h', 'hour', 'hours'], 3600e9],
  [['d', 'day', 'days'], 86_400e9],
];

const MEMORY_UNITS: ReadonlyArray<[readonly string[], number]> = [
  [['', 'b', 'bytes'], 1],
  [['k', 'kb', 'kibibytes'], 1024],
  [['m', 'mb', 'mebibytes'], 1024 ** 2],
  [['g', 'gb', 'gibibytes'], 1024 ** 3],
  [['t', 'tb', 'tebibytes'], 1024 ** 4],
];

function unitFactor(table: ReadonlyArray<[readonly string[], number]>, label: string): number | undefined {
  const lower = label.toLowerCase();
  return table.find(([labels]) => labels.includes(lower))?.[1];
}

function parseInteger(raw: unknown): number {
  if (typeof raw === 'number') return raw; // range and integrality are checked by the key's bounds or by the network
  if (typeof raw === 'string' && /^\s*[+-]?\d+\s*$/.test(raw)) return Number(raw);
  throw new BadValue('an integer');
}

/** Flink's duration syntax (`100 ms`, `5 s`, `1 min`); a bare number is in the key's unit. */
function parseDuration(raw: unknown, unit: 'ms' | 'us'): number {
  if (typeof raw === 'number') return raw;
  const expectation = `a duration such as "100 ms", "5 s" or a bare number of ${unit}`;
  const match = typeof raw === 'string' ? /^\s*([+-]?\d+)\s*([a-zµ]*)\s*$/i.exec(raw) : null;
  if (match === null) throw new BadValue(expectation);
  const amount = Number(match[1]);
  if (match[2] === '') return amount;
  const factor = unitFactor(DURATION_UNITS_NS, match[2]);
  if (factor === undefined) throw new BadValue(`${expectation} (unknown unit "${match[2]}")`);
  const value = (amount * factor) / (unit === 'ms' ? 1e6 : 1e3);
  if (!Number.isSafeInteger(value)) throw new BadValue(`a whole number of ${unit}`);
  return value;
}

/** Flink's memory-size syntax (`32 kb`, `64 mb`, 1024-based); a bare number is bytes. */
function parseMemorySize(raw: unknown): number {
  if (typeof raw === 'number') return raw;
  const expectation = 'a memory size such as "32 kb", "64 mb" or a bare number of bytes';
  const match = typeof raw === 'string' ? /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(raw) : null;
  if (match === null) throw new BadValue(expectation);
  const factor = unitFactor(MEMORY_UNITS, match[2]);
  if (factor === undefined) throw new BadValue(`${expectation} (unknown unit "${match[2]}")`);
  const bytes = Number(match[1]) * factor;
  if (!Number.isSafeInteger(bytes)) throw new BadValue('a memory size below 8 PiB');
  return bytes;
}

function parseBoolean(raw: unknown): boolean {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string' && /^(true|false)$/i.test(raw.trim())) return raw.trim().toLowerCase() === 'true';
  throw new BadValue('true or false');
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

function parseAddress(raw: unknown): string {
  if (typeof raw === 'string' && (isIP(raw) !== 0 || HOST_NAME.test(raw))) return raw;
  throw new BadValue('a host name or IP address, without scheme or port');
}

function parseSecret(raw: unknown): string {
  if (typeof raw !== 'string') throw new BadValue('a string (quote it in YAML)');
  if (raw.length < 16 || /\s/.test(raw)) throw new BadValue('at least 16 characters without spaces, e.g. from `openssl rand -hex 16`');
  return raw;
}

/** A node or V8 flag, with its value after `=` if it takes one: never a script, a path or a bare word. */
const NODE_FLAG = /^--[a-z0-9][a-z0-9_-]*(=\S+)?$/i;

/** Space-separated node flags (`--initial-old-space-size=64 --trace-gc`), normalised to single spaces. */
function parseNodeFlags(raw: unknown): string {
  const expectation = 'node flags separated by spaces, each like "--flag" or "--flag=value", e.g. "--initial-old-space-size=64"';
  if (typeof raw !== 'string') throw new BadValue(expectation);
  const flags = raw.trim().split(/\s+/).filter((flag) => flag !== '');
  const bad = flags.find((flag) => !NODE_FLAG.test(flag));
  if (bad !== undefined) throw new BadValue(`${expectation} (not a flag: "${bad}")`);
  return flags.join(' ');
}

/** The node flags of `env.node.opts.<role>`, one per array element, ready for `spawn(process.execPath, [...flags, …])`. */
export function nodeFlagsOf(config: SluiceConfig, role: 'jobmanager' | 'taskmanager'): string[] {
  const flags = config[`env.node.opts.${role}`];
  return flags === '' ? [] : flags.split(' ');
}

/**
 * The flags of `env.node.opts.<role>` this process was not started with (neither on node's command line nor in
 * `NODE_OPTIONS`): a process started by hand rather than by the cluster launcher. Empty when all are in effect.
 */
export function missingNodeFlags(config: SluiceConfig, role: 'jobmanager' | 'taskmanager', execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): string[] {
  const given = new Set([...execArgv, ...nodeOptions.split(/\s+/)]);
  return nodeFlagsOf(config, role).filter((flag) => !given.has(flag));
}

function parseValue(key: ConfigKey, raw: unknown): unknown {
  const info = CONFIG_KEYS[key];
  let value: number;
  switch (info.type) {
    case 'node-flags': return parseNodeFlags(raw);
    case 'address': return parseAddress(raw);
    case 'boolean': return parseBoolean(raw);
    case 'secret': return parseSecret(raw);
    case 'memory-size': value = parseMemorySize(raw); break;
    case 'duration': value = parseDuration(raw, info.unit ?? 'ms'); break;
    case 'port': value = parseInteger(raw); if (!isIntIn(value, 0, 65535)) throw new BadValue('a port in [0, 65535]'); return value;
    case 'integer': value = parseInteger(raw); break;
  }
  if (info.min !== undefined && info.max !== undefined && !isIntIn(value, info.min, info.max)) {
    throw new BadValue(`an integer in [${info.min}, ${info.max}]${info.unit ? ` ${info.unit}` : ''}`);
  }
  return value;
}

function isIntIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

// ─────────────────────────────────────────── sources ───────────────────────────────────────────

/** One raw value and where it came from (`conf.yaml:3:1`, `-D`, `--slots`, `SLUICE_CLUSTER_TOKEN`). */
interface RawEntry {
  readonly key: string;
  readonly value: unknown;
  readonly source: string;
}

function badConfig(problems: readonly string[]): RuntimeError {
  const message = problems.length === 1 ? problems[0] : `${problems.length} configuration problems:\n  - ${problems.join('\n  - ')}`;
  return new RuntimeError('ERR_RT_BAD_CONFIG', message);
}

/** Reads a YAML file into flat entries; nested maps (`rest: {port: 1}`) and dotted keys (`rest.port: 1`) both work. */
function readYamlEntries(file: string): RawEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : (error as Error).message;
    throw badConfig([`configuration file ${file}: ${reason}`]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const where = (offset: number | undefined): string => {
    if (offset === undefined) return file;
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (doc.errors.length > 0) {
    throw badConfig(doc.errors.map((error) => `${where(error.pos[0])}: YAML syntax error: ${error.message.split('\n')[0]}`));
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return []; // an empty file sets nothing
  if (!isMap(root)) throw badConfig([`${where(root.range?.[0])}: expected a mapping of configuration keys at the top level`]);
  const entries: RawEntry[] = [];
  const problems: string[] = [];
  const walk = (node: YamlNode, prefix: string): void => {
    if (!isMap(node)) return;
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const keyText = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
      const key = prefix === '' ? keyText : `${prefix}.${keyText}`;
      const source = where(keyNode?.range?.[0]);
      const valueNode = pair.value as YamlNode | null;
      if (isMap(valueNode)) walk(valueNode, key);
      else if (isSeq(valueNode) || isAlias(valueNode)) problems.push(`${source}: ${key}: expected a single value, got ${isSeq(valueNode) ? 'a list' : 'an alias'}`);
      else entries.push({ key, value: isScalar(valueNode) ? valueNode.value : null, source });
    }
  };
  walk(root, '');
  if (problems.length > 0) throw badConfig(problems);
  return entries;
}

/** Levenshtein distance, case-insensitive: for "did you mean" on unknown keys. */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[y.length];
}

function suggestKey(unknown: string): string {
  let best: ConfigKey | undefined;
  let bestDistance = Infinity;
  for (const key of ALL_KEYS) {
    const distance = editDistance(unknown, key);
    if (distance < bestDistance) [best, bestDistance] = [key, distance];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(unknown.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

// ─────────────────────────────────────────── loading ───────────────────────────────────────────

/** Where {@link loadConfig} takes values from; later sources win. */
export interface LoadConfigOptions {
  /** A YAML file of Flink keys (flat `rest.port: 8081` or nested). Default: `$SLUICE_CONF_DIR/config.yaml` if set, else none. */
  file?: string;
  /** Values from flags and `-D key=value`; they win over the file and the environment. Strings are parsed like YAML values. */
  overrides?: Record<string, string | number | boolean>;
  /** Where each override came from (`'--slots'`, `'-D'`), for error messages. Default: `'override'`. */
  overrideSources?: Record<string, string>;
  /** Environment to read `SLUICE_CONF_DIR` and `SLUICE_CLUSTER_TOKEN` from. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Builds the resolved configuration: defaults < YAML file < environment (`SLUICE_CLUSTER_TOKEN`) < overrides.
 * Every key and value is checked once, and all problems are reported together in one `ERR_RT_BAD_CONFIG`:
 * an unknown key is named with the closest known key, a bad value with its key, value, source and expectation,
 * a YAML syntax error with file, line and column. Network keys are validated by `resolveNetworkOptions`, whose
 * message (naming the key) is kept. Any non-loopback address without a `cluster.token` is rejected.
 * Reads the file synchronously: it runs once, at process start.
 */
export function loadConfig(options: LoadConfigOptions = {}): SluiceConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? (env[CONFIG_ENV.confDir] ? `${env[CONFIG_ENV.confDir]}/config.yaml` : undefined);
  const entries: RawEntry[] = file === undefined ? [] : readYamlEntries(file);
  const token = env[CONFIG_ENV.clusterToken];
  if (token !== undefined && token !== '') entries.push({ key: 'cluster.token', value: token, source: CONFIG_ENV.clusterToken });
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    entries.push({ key, value, source: options.overrideSources?.[key] ?? 'override' });
  }

  const problems: string[] = [];
  const values = new Map<ConfigKey, unknown>();
  const sources = new Map<ConfigKey, string>();
  for (const { key, value, source } of entries) {
    if (!Object.hasOwn(CONFIG_KEYS, key)) {
      problems.push(`${source}: unknown configuration key "${key}"${suggestKey(key)}`);
      continue;
    }
    const configKey = key as ConfigKey;
    try {
      if (value === null || value === undefined) throw new BadValue('a value');
      values.set(configKey, parseValue(configKey, value));
      sources.set(configKey, source);
    } catch (error) {
      if (!(error instanceof BadValue)) throw error;
      const shown = CONFIG_KEYS[configKey].type === 'secret' ? '(hidden)' : JSON.stringify(value);
      problems.push(`${source}: ${key}: expected ${error.message}, got ${shown}`);
    }
  }
  if (problems.length > 0) throw badConfig(problems);

  const config = Object.fromEntries(ALL_KEYS.map((key) => [key, values.has(key) ? values.get(key) : CONFIG_KEYS[key].default])) as unknown as Record<ConfigKey, unknown>;
  if (!values.has('rest.bind-address')) config['rest.bind-address'] = config['rest.address'];
  checkCrossKey(config as unknown as SluiceConfig, sources, problems);
  if (problems.length > 0) throw badConfig(problems);
  return Object.freeze(config) as unknown as SluiceConfig;
}

/** Checks between keys, and the network options through the network package's own validation. */
function checkCrossKey(config: SluiceConfig, sources: Map<ConfigKey, string>, problems: string[]): void {
  const from = (key: ConfigKey): string => {
    if (sources.has(key)) return ` (${sources.get(key)})`;
    return key === 'rest.bind-address' ? ' (follows rest.address)' : ' (default)';
  };
  if (config['heartbeat.timeout'] <= config['heartbeat.interval']) {
    problems.push(`heartbeat.timeout${from('heartbeat.timeout')} = ${config['heartbeat.timeout']} ms must exceed heartbeat.interval${from('heartbeat.interval')} = ${config['heartbeat.interval']} ms`);
  }
  if (config['parallelism.default'] > config['pipeline.max-parallelism']) {
    problems.push(`parallelism.default${from('parallelism.default')} = ${config['parallelism.default']} must not exceed pipeline.max-parallelism${from('pipeline.max-parallelism')} = ${config['pipeline.max-parallelism']}`);
  }
  const offLoopback = ADDRESS_KEYS.filter((key) => !isLoopbackAddress(config[key] as string));
  if (offLoopback.length > 0 && config['cluster.token'] === undefined) {
    const named = offLoopback.map((key) => `${key} = ${config[key]}${from(key)}`).join(', ');
    problems.push(
      `cluster.token is required because ${named} ${offLoopback.length === 1 ? 'is' : 'are'} not loopback: off loopback, ` +
        `TaskManager registration, data connections and job submission must carry the token. Set cluster.token ` +
        `(16+ characters, e.g. \`openssl rand -hex 16\`) in the config file or in ${CONFIG_ENV.clusterToken}`,
    );
  }
  try {
    resolveNetworkOptions(networkOptionsFrom(config));
  } catch (error) {
    if (!(error instanceof NetworkError)) throw error;
    problems.push(error.message); // names the Flink key already
  }
}

/**
 * The network options of a resolved configuration, mapped by `NETWORK_OPTION_KEYS`. `loadConfig` has already
 * validated them with `resolveNetworkOptions`, so this only maps keys to fields.
 */
export function networkOptionsFrom(config: SluiceConfig): ResolvedNetworkOptions {
  const options: Record<string, unknown> = {};
  for (const [field, key] of Object.entries(NETWORK_OPTION_KEYS)) {
    options[field] = (config as unknown as Record<string, unknown>)[key];
  }
  return options as unknown as ResolvedNetworkOptions;
}

/**
 * True for `localhost`, `*.localhost`, 127.0.0.0/8, `::1` and IPv4-mapped loopback. `0.0.0.0` and `::` (every
 * interface) are not loopback.
 */
export function isLoopbackAddress(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  const lower = bare.toLowerCase();
  if (lower === 'localhost' || lower.endsWith('.localhost')) return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return lower === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(lower) || /^::ffff:127\./.test(lower);
  return false;
}

/** The configuration safe to log or print: `cluster.token` is replaced by `'(set)'`. */
export function redactConfig(config: SluiceConfig): Record<ConfigKey, unknown> {
  return { ...config, 'cluster.token': config['cluster.token'] === undefined ? undefined : '(set)' };
}
