// Tests of the runtime configuration: defaults, YAML files, Flink value syntax, overrides and validation messages.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_NETWORK_OPTIONS, NETWORK_OPTION_KEYS } from '@sluice/network';
import { RuntimeError } from '../../src/errors.js';
import {
  CONFIG_KEYS,
  DEFAULT_CONFIG,
  isLoopbackAddress,
  loadConfig,
  missingNodeFlags,
  networkOptionsFrom,
  nodeFlagsOf,
  redactConfig,
  type LoadConfigOptions,
} from '../../src/options.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-options-'));
let numFiles = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a YAML file and returns its path. */
function yamlFile(text: string): string {
  const file = join(dir, `config-${numFiles++}.yaml`);
  writeFileSync(file, text);
  return file;
}

/** loadConfig with an empty environment, so the machine's SLUICE_* variables never leak in. */
function load(options: LoadConfigOptions = {}) {
  return loadConfig({ env: {}, ...options });
}

function failure(options: LoadConfigOptions): RuntimeError {
  try {
    load(options);
  } catch (error) {
    expect(error).toBeInstanceOf(RuntimeError);
    expect((error as RuntimeError).code).toBe('ERR_RT_BAD_CONFIG');
    return error as RuntimeError;
  }
  throw new Error('expected loadConfig to throw');
}

const TOKEN = '0123456789abcdef0123';

describe('DEFAULT_CONFIG', () => {
  it('holds the documented defaults, loopback everywhere and no token', () => {
    expect(DEFAULT_CONFIG).toMatchObject({
      'jobmanager.rpc.address': '127.0.0.1',
      'jobmanager.rpc.port': 6123,
      'rest.address': '127.0.0.1',
      'rest.port': 8081,
      'rest.bind-address': '127.0.0.1',
      'taskmanager.numberOfTaskSlots': 1,
      'taskmanager.host': '127.0.0.1',
      'taskmanager.data.port': 0,
      'heartbeat.interval': 1000,
      'heartbeat.timeout': 5000,
      'parallelism.default': 1,
      'pipeline.max-parallelism': 128,
      'execution.buffer-timeout': 100,
      'taskmanager.memory.segment-size': 32 * 1024,
      'cluster.token': undefined,
    });
    expect(Object.isFrozen(DEFAULT_CONFIG)).toBe(true);
  });

  it('is what loadConfig returns when nothing is set', () => {
    expect(load()).toEqual(DEFAULT_CONFIG);
  });

  it('gives every key a description, a default as written and a reason', () => {
    for (const [key, info] of Object.entries(CONFIG_KEYS)) {
      expect(info.description, key).not.toBe('');
      expect(info.defaultText, key).not.toBe('');
      expect(info.reason, key).not.toBe('');
    }
  });
});

describe('network keys', () => {
  it('lists every network option under its Flink key, with the network default', () => {
    for (const [field, key] of Object.entries(NETWORK_OPTION_KEYS)) {
      const info = CONFIG_KEYS[key as keyof typeof CONFIG_KEYS];
      expect(info, key).toBeDefined();
      expect(info.networkOption).toBe(field);
      expect(info.default).toBe(DEFAULT_NETWORK_OPTIONS[field as keyof typeof DEFAULT_NETWORK_OPTIONS]);
    }
    expect(networkOptionsFrom(DEFAULT_CONFIG)).toEqual(DEFAULT_NETWORK_OPTIONS);
  });

  it('reach NetworkOptions from a YAML file', () => {
    const file = yamlFile(
      'taskmanager.memory.segment-size: 64 kb\n' +
        'taskmanager.network.memory.buffers-per-channel: 4\n' +
        'taskmanager.network.credit-model: false\n' +
        'execution.buffer-timeout: 5 ms\n' +
        'taskmanager.network.spin-before-wait-us: 1 ms\n',
    );
    expect(networkOptionsFrom(load({ file }))).toEqual({
      ...DEFAULT_NETWORK_OPTIONS,
      segmentSizeBytes: 65536,
      buffersPerChannel: 4,
      creditModel: false,
      bufferTimeoutMs: 5,
      spinBeforeWaitMicros: 1000,
    });
  });

  it('fail with the network package message, which names the key', () => {
    const error = failure({ overrides: { 'taskmanager.network.queue-capacity': 24 } });
    expect(error.message).toBe(
      'ERR_RT_BAD_CONFIG: ERR_NET_BAD_OPTION: taskmanager.network.queue-capacity must be a power of two, got 24',
    );
    expect(failure({ overrides: { 'taskmanager.memory.segment-size': '32 mb' } }).message).toContain(
      'taskmanager.memory.segment-size must be an integer in [256, 16777216], got 33554432',
    );
  });
});

describe('loadConfig with a YAML file', () => {
  it('reads flat Flink keys', () => {
    const file = yamlFile('rest.port: 9091\ntaskmanager.numberOfTaskSlots: 4\nparallelism.default: 2\n');
    expect(load({ file })).toMatchObject({ 'rest.port': 9091, 'taskmanager.numberOfTaskSlots': 4, 'parallelism.default': 2 });
  });

  it('reads nested keys as Flink 1.19 config.yaml writes them', () => {
    const file = yamlFile('jobmanager:\n  rpc:\n    port: 7000\ntaskmanager:\n  memory:\n    segment-size: 16 kb\n');
    expect(load({ file })).toMatchObject({ 'jobmanager.rpc.port': 7000, 'taskmanager.memory.segment-size': 16384 });
  });

  it('accepts an empty file and a file of comments', () => {
    expect(load({ file: yamlFile('') })).toEqual(DEFAULT_CONFIG);
    expect(load({ file: yamlFile('# nothing here\n') })).toEqual(DEFAULT_CONFIG);
  });

  it('finds config.yaml in SLUICE_CONF_DIR when no file is given', () => {
    const confDir = join(dir, 'conf');
    mkdirSync(confDir);
    writeFileSync(join(confDir, 'config.yaml'), 'rest.port: 9999\n');
    expect(loadConfig({ env: { SLUICE_CONF_DIR: confDir } })['rest.port']).toBe(9999);
  });

  it('names the file, line and column of a YAML syntax error', () => {
    const file = yamlFile('rest.port: 8081\nparallelism.default: [1,\n');
    expect(failure({ file }).message).toMatch(new RegExp(`^ERR_RT_BAD_CONFIG: ${file}:\\d+:\\d+: YAML syntax error: `));
  });

  it('rejects a key given twice, naming its line', () => {
    const file = yamlFile('rest.port: 1\nrest.port: 2\n');
    expect(failure({ file }).message).toContain(`${file}:2:1: YAML syntax error: Map keys must be unique`);
  });

  it('rejects a missing file, naming it', () => {
    expect(failure({ file: join(dir, 'missing.yaml') }).message).toBe(
      `ERR_RT_BAD_CONFIG: configuration file ${join(dir, 'missing.yaml')}: not found`,
    );
  });

  it('rejects a top level that is not a mapping', () => {
    expect(failure({ file: yamlFile('- rest.port\n') }).message).toContain('expected a mapping of configuration keys');
  });

  it('names an unknown key with its position and the closest known key', () => {
    const file = yamlFile('rest.port: 8081\ntaskmanager.numberOfTaskslot: 2\n');
    expect(failure({ file }).message).toBe(
      `ERR_RT_BAD_CONFIG: ${file}:2:1: unknown configuration key "taskmanager.numberOfTaskslot" (did you mean "taskmanager.numberOfTaskSlots"?)`,
    );
  });

  it('suggests nothing when no key is close', () => {
    expect(failure({ overrides: { 'completely.different': 1 } }).message).toBe(
      'ERR_RT_BAD_CONFIG: override: unknown configuration key "completely.different"',
    );
  });

  it('names key, value and expectation of a bad value', () => {
    const file = yamlFile('rest.port: http\n');
    expect(failure({ file }).message).toBe(`ERR_RT_BAD_CONFIG: ${file}:1:1: rest.port: expected an integer, got "http"`);
    expect(failure({ file: yamlFile('rest.port: 70000\n') }).message).toContain('rest.port: expected a port in [0, 65535], got 70000');
    expect(failure({ file: yamlFile('taskmanager.network.credit-model: yes\n') }).message).toContain(
      'taskmanager.network.credit-model: expected true or false, got "yes"',
    );
    expect(failure({ file: yamlFile('rest.address: http://example.com\n') }).message).toContain(
      'rest.address: expected a host name or IP address, without scheme or port, got "http://example.com"',
    );
    expect(failure({ file: yamlFile('rest.port:\n') }).message).toContain('rest.port: expected a value, got null');
    expect(failure({ file: yamlFile('rest.port: [1, 2]\n') }).message).toContain('rest.port: expected a single value, got a list');
  });

  it('reports every problem at once', () => {
    const error = failure({ file: yamlFile('rest.prot: 1\nparallelism.default: 0\nheartbeat.interval: soon\n') });
    expect(error.message).toMatch(/^ERR_RT_BAD_CONFIG: 3 configuration problems:\n {2}- /);
    expect(error.message).toContain('rest.prot');
    expect(error.message).toContain('parallelism.default: expected an integer in [1, 32768], got 0');
    expect(error.message).toContain('heartbeat.interval: expected a duration');
  });
});

describe('Flink value syntax', () => {
  const segmentSize = (value: string | number) =>
    load({ overrides: { 'taskmanager.memory.segment-size': value, 'taskmanager.network.numberOfBuffers': 64 } })['taskmanager.memory.segment-size'];
  const heartbeat = (value: string | number) => load({ overrides: { 'heartbeat.timeout': value } })['heartbeat.timeout'];

  it('parses memory sizes, 1024-based, with or without a space, any case', () => {
    expect(segmentSize('32 kb')).toBe(32768);
    expect(segmentSize('64kb')).toBe(65536);
    expect(segmentSize('1 mb')).toBe(1 << 20);
    expect(segmentSize('1M')).toBe(1 << 20);
    expect(segmentSize('4096')).toBe(4096);
    expect(segmentSize('4096 bytes')).toBe(4096);
    expect(segmentSize(8192)).toBe(8192);
    expect(failure({ overrides: { 'taskmanager.memory.segment-size': '32 kilos' } }).message).toContain(
      'taskmanager.memory.segment-size: expected a memory size such as "32 kb", "64 mb" or a bare number of bytes (unknown unit "kilos"), got "32 kilos"',
    );
  });

  it('parses durations; a bare number is in the key unit', () => {
    expect(heartbeat('5 s')).toBe(5000);
    expect(heartbeat('5s')).toBe(5000);
    expect(heartbeat('1 min')).toBe(60_000);
    expect(heartbeat('2 m')).toBe(120_000);
    expect(heartbeat('1500 ms')).toBe(1500);
    expect(heartbeat('7000')).toBe(7000);
    expect(heartbeat(7000)).toBe(7000);
    expect(load({ overrides: { 'taskmanager.network.spin-before-wait-us': '2 ms' } })['taskmanager.network.spin-before-wait-us']).toBe(2000);
    expect(failure({ overrides: { 'heartbeat.timeout': '1500 us' } }).message).toContain('expected a whole number of ms');
    expect(failure({ overrides: { 'heartbeat.timeout': 'a while' } }).message).toContain(
      'heartbeat.timeout: expected a duration such as "100 ms", "5 s" or a bare number of ms, got "a while"',
    );
  });

  it('keeps -1 and 0 for execution.buffer-timeout and lets the network reject other negatives', () => {
    expect(load({ overrides: { 'execution.buffer-timeout': '-1' } })['execution.buffer-timeout']).toBe(-1);
    expect(load({ overrides: { 'execution.buffer-timeout': 0 } })['execution.buffer-timeout']).toBe(0);
    expect(load({ overrides: { 'execution.buffer-timeout': '10 ms' } })['execution.buffer-timeout']).toBe(10);
    expect(failure({ overrides: { 'execution.buffer-timeout': -2 } }).message).toContain(
      'ERR_NET_BAD_OPTION: execution.buffer-timeout must be an integer in [-1, 3600000], got -2',
    );
  });

  it('checks keys against each other', () => {
    expect(failure({ overrides: { 'heartbeat.timeout': '1 s' } }).message).toBe(
      'ERR_RT_BAD_CONFIG: heartbeat.timeout (override) = 1000 ms must exceed heartbeat.interval (default) = 1000 ms',
    );
    expect(failure({ overrides: { 'parallelism.default': 200 } }).message).toContain(
      'parallelism.default (override) = 200 must not exceed pipeline.max-parallelism (default) = 128',
    );
  });
});

describe('overrides', () => {
  it('win over the file, and each names its source in errors', () => {
    const file = yamlFile('rest.port: 9000\ntaskmanager.numberOfTaskSlots: 2\n');
    const config = load({ file, overrides: { 'rest.port': '9001', 'taskmanager.numberOfTaskSlots': 3 } });
    expect(config['rest.port']).toBe(9001);
    expect(config['taskmanager.numberOfTaskSlots']).toBe(3);
    const error = failure({ file, overrides: { 'rest.port': 'x' }, overrideSources: { 'rest.port': '-D' } });
    expect(error.message).toBe('ERR_RT_BAD_CONFIG: -D: rest.port: expected an integer, got "x"');
  });

  it('parse strings as YAML values would be (booleans, sizes, numbers)', () => {
    const config = load({ overrides: { 'taskmanager.network.credit-model': 'false', 'taskmanager.data.port': '7001' } });
    expect(config['taskmanager.network.credit-model']).toBe(false);
    expect(config['taskmanager.data.port']).toBe(7001);
  });

  it('make rest.bind-address follow rest.address unless set', () => {
    const config = load({ overrides: { 'rest.address': 'localhost' } });
    expect(config['rest.bind-address']).toBe('localhost');
    expect(load({ overrides: { 'rest.bind-address': '127.0.0.2' } })['rest.address']).toBe('127.0.0.1');
  });

  it('return a frozen configuration', () => {
    expect(Object.isFrozen(load({ overrides: { 'rest.port': 0 } }))).toBe(true);
  });
});

describe('cluster.token', () => {
  it('is required when any address is not loopback, naming the addresses', () => {
    const message = failure({ overrides: { 'taskmanager.host': '192.168.1.20' } }).message;
    expect(message).toContain('cluster.token is required because taskmanager.host = 192.168.1.20 (override) is not loopback');
    const all = failure({ file: yamlFile('rest.address: 0.0.0.0\n') }).message;
    expect(all).toContain('rest.address = 0.0.0.0');
    expect(all).toContain('rest.bind-address = 0.0.0.0 (follows rest.address)');
  });

  it('lets a non-loopback cluster start when set, from the file or SLUICE_CLUSTER_TOKEN', () => {
    const fromFile = load({ file: yamlFile(`rest.bind-address: 0.0.0.0\ncluster.token: "${TOKEN}"\n`) });
    expect(fromFile['cluster.token']).toBe(TOKEN);
    const fromEnv = loadConfig({ env: { SLUICE_CLUSTER_TOKEN: TOKEN }, overrides: { 'jobmanager.rpc.address': '10.1.2.3' } });
    expect(fromEnv['cluster.token']).toBe(TOKEN);
  });

  it('rejects short or numeric tokens without echoing them', () => {
    const short = failure({ overrides: { 'cluster.token': 'secret' } }).message;
    expect(short).toContain('cluster.token: expected at least 16 characters');
    expect(short).toContain('got (hidden)');
    expect(short).not.toContain('secret"');
    const numeric = failure({ file: yamlFile('cluster.token: 12345678901234567890\n') }).message;
    expect(numeric).toContain('cluster.token: expected a string (quote it in YAML), got (hidden)');
  });

  it('is redacted for logs', () => {
    const config = load({ overrides: { 'cluster.token': TOKEN } });
    expect(redactConfig(config)['cluster.token']).toBe('(set)');
    expect(JSON.stringify(redactConfig(config))).not.toContain(TOKEN);
  });
});

describe('env.node.opts.<role>', () => {
  it('starts TaskManagers with a 64 MiB old generation and the JobManager with no flags by default', () => {
    expect(nodeFlagsOf(DEFAULT_CONFIG, 'taskmanager')).toEqual(['--initial-old-space-size=64']);
    expect(nodeFlagsOf(DEFAULT_CONFIG, 'jobmanager')).toEqual([]);
  });

  it('splits flags at spaces, from a file or -D, and accepts none', () => {
    const config = load({ file: yamlFile('env.node.opts.taskmanager: "  --max-semi-space-size=2   --trace-gc "\n'), overrides: { 'env.node.opts.jobmanager': '' } });
    expect(config['env.node.opts.taskmanager']).toBe('--max-semi-space-size=2 --trace-gc');
    expect(nodeFlagsOf(config, 'taskmanager')).toEqual(['--max-semi-space-size=2', '--trace-gc']);
    expect(nodeFlagsOf(config, 'jobmanager')).toEqual([]);
  });

  it('rejects anything but flags (a script, a bare word, a number), naming the key and the culprit', () => {
    const script = failure({ overrides: { 'env.node.opts.taskmanager': '--trace-gc evil.js' }, overrideSources: { 'env.node.opts.taskmanager': '-D' } });
    expect(script.message).toContain('-D: env.node.opts.taskmanager: expected node flags separated by spaces');
    expect(script.message).toContain('(not a flag: "evil.js")');
    expect(failure({ overrides: { 'env.node.opts.jobmanager': '-r x' } }).message).toContain('(not a flag: "-r")');
    expect(failure({ file: yamlFile('env.node.opts.taskmanager: 1\n') }).message).toContain('env.node.opts.taskmanager: expected node flags');
  });

  it('tells which flags a process was started without, from node\'s command line or NODE_OPTIONS', () => {
    const config = load({ overrides: { 'env.node.opts.taskmanager': '--max-semi-space-size=1 --trace-gc' } });
    expect(missingNodeFlags(config, 'taskmanager', [], '')).toEqual(['--max-semi-space-size=1', '--trace-gc']);
    expect(missingNodeFlags(config, 'taskmanager', ['--max-semi-space-size=1', '--import', 'tsx'], '')).toEqual(['--trace-gc']);
    expect(missingNodeFlags(config, 'taskmanager', ['--max-semi-space-size=1'], ' --trace-gc --no-warnings')).toEqual([]);
    expect(missingNodeFlags(config, 'jobmanager', [], '')).toEqual([]);
  });
});

describe('isLoopbackAddress', () => {
  it.each(['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', 'api.localhost', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1'])(
    'treats %s as loopback',
    (host) => expect(isLoopbackAddress(host)).toBe(true),
  );
  it.each(['0.0.0.0', '::', '10.0.0.1', '192.168.1.1', 'example.com', '128.0.0.1'])('treats %s as not loopback', (host) =>
    expect(isLoopbackAddress(host)).toBe(false),
  );
});
