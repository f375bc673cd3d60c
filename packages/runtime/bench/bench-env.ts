// Developer knobs of the benchmarks, read from the environment (never used by the tests or the defaults).
import { resolveNetworkOptions, type NetworkOptions } from '@sluice/network';
import { DEFAULT_CONFIG, nodeFlagsOf } from '../src/options.js';

/**
 * `SLUICE_BENCH_NET='{"floatingBuffersPerGate":32}'`: network options (JSON, the names of options.ts) laid
 * over a benchmark's own, to try another window or spin without editing code. Validated like any options.
 */
export function benchNetworkOverrides(): NetworkOptions {
  const text = process.env.SLUICE_BENCH_NET;
  if (text === undefined || text === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new RangeError(`SLUICE_BENCH_NET is not JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new RangeError('SLUICE_BENCH_NET must be a JSON object of network options');
  resolveNetworkOptions(parsed as NetworkOptions); // throws ERR_NET_BAD_OPTION naming the key
  return parsed as NetworkOptions;
}

/**
 * Node flags for benchmark TaskManager processes: those a cluster launcher gives TaskManagers
 * (`env.node.opts.taskmanager` at its default), then `SLUICE_CPU_PROF=<dir>` (a .cpuprofile per thread) or
 * `SLUICE_TM_NODE_ARGS='--perf-basic-prof'` (space-separated flags, e.g. for `perf record` or `--trace-gc`).
 */
export function benchTaskManagerNodeArgs(): string[] {
  const launcherFlags = nodeFlagsOf(DEFAULT_CONFIG, 'taskmanager');
  if (process.env.SLUICE_CPU_PROF) return [...launcherFlags, '--cpu-prof', `--cpu-prof-dir=${process.env.SLUICE_CPU_PROF}`];
  return [...launcherFlags, ...(process.env.SLUICE_TM_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '')];
}
