// `pnpm bench <name> [options]`: runs one bench module and prints its JSON result as the last stdout line.
/**
 * Contract with a bench module (see `scripts/lib/bench-harness.ts` for the helpers and an example):
 * it exports `async function main(argv: string[]): Promise<unknown>`, receives the arguments after the bench
 * name, writes progress to stderr only, and resolves to the result object.
 *
 * Stdout carries exactly one line, `JSON.stringify(result)`. While the bench runs, `process.stdout.write`
 * is pointed at stderr, so a stray `console.log` (or a worker's stdout, which Node pipes through the main
 * thread's `process.stdout`) cannot break that contract.
 *
 * Exit codes: 0 result printed; 1 the bench module is missing, has no `main`, throws, or returns nothing;
 * 2 no or unknown bench name (the list of benches goes to stderr).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

/** Repository root: this file lives in `<root>/scripts/`. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Bench name → module path (relative to the repository root) and a one-line summary for the listing. */
const BENCHES: Readonly<Record<string, { readonly module: string; readonly summary: string }>> = {
  local: {
    module: 'packages/runtime/bench/local.bench.ts',
    summary: 'producer → consumer subtask threads on one TaskManager, with node-streams and postMessage baselines',
  },
  remote: {
    module: 'packages/runtime/bench/remote.bench.ts',
    summary: 'producer → consumer across two TaskManagers over WebSocket',
  },
  hol: {
    module: 'packages/runtime/bench/hol.bench.ts',
    summary: 'head-of-line blocking: a slow channel sharing a connection with fast ones',
  },
  serializers: {
    module: 'packages/runtime/bench/serializers.bench.ts',
    summary: 'record serializers, one thread, no network',
  },
};

/** How long a finished bench may keep the process alive (open handles) before we report it and exit. */
const EXIT_GRACE_MS = 5_000;

const USAGE_EXIT = 2;
const FAILURE_EXIT = 1;

type BenchMain = (argv: string[]) => Promise<unknown>;

/** The bench module cannot be loaded or has no `main`: a setup problem, reported without a stack. */
class BenchModuleError extends Error {
  override readonly name = 'BenchModuleError';
}

function usage(reason: string | undefined): string {
  const width = Math.max(...Object.keys(BENCHES).map((n) => n.length));
  const lines = Object.entries(BENCHES).map(([name, b]) => {
    const missing = existsSync(path.join(ROOT, b.module)) ? '' : ' (not written yet)';
    return `  ${name.padEnd(width)}  ${b.summary}${missing}`;
  });
  return [
    ...(reason === undefined ? [] : [reason, '']),
    'usage: pnpm bench <name> [--seconds N] [--runs N] [--case NAME]...',
    '',
    'benches:',
    ...lines,
    '',
    'Progress goes to stderr; the last stdout line is the JSON result.',
  ].join('\n');
}

async function loadMain(modulePath: string): Promise<BenchMain> {
  const file = path.join(ROOT, modulePath);
  if (!existsSync(file)) throw new BenchModuleError(`module ${modulePath} does not exist (expected at ${file})`);
  const mod = (await import(pathToFileURL(file).href)) as { main?: unknown };
  if (typeof mod.main !== 'function') throw new BenchModuleError(`${modulePath} does not export a main(argv) function`);
  return mod.main as BenchMain;
}

/** The message alone for setup and argument errors (a stack would only add noise), the stack otherwise. */
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const isParseArgsError = typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
  const isFlagError = err instanceof RangeError && err.message.startsWith('--'); // parseBenchArgs' messages
  return err instanceof BenchModuleError || isParseArgsError || isFlagError ? err.message : (err.stack ?? err.message);
}

async function run(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h') {
    process.stderr.write(`${usage(undefined)}\n`);
    return 0;
  }
  const bench = name !== undefined && Object.hasOwn(BENCHES, name) ? BENCHES[name] : undefined;
  if (name === undefined || bench === undefined) {
    process.stderr.write(`${usage(name === undefined ? 'no bench name given' : `unknown bench '${name}'`)}\n`);
    return USAGE_EXIT;
  }
  const benchArgv = rest[0] === '--' ? rest.slice(1) : rest;

  const writeStdout = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  try {
    const main = await loadMain(bench.module);
    const result = await main(benchArgv);
    const json = JSON.stringify(result);
    if (json === undefined) throw new BenchModuleError(`main() returned ${String(result)}, not a JSON value`);
    writeStdout(`${json}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`bench '${name}' failed: ${describeError(err)}\n`);
    return FAILURE_EXIT;
  }
}

process.exitCode = await run(process.argv.slice(2));

// A bench should release every worker, socket and timer; if something still holds the loop, say so and leave.
setTimeout(() => {
  process.stderr.write(`bench: process still alive ${EXIT_GRACE_MS} ms after finishing (open handles: a worker, socket or timer was not closed); exiting\n`);
  process.exit();
}, EXIT_GRACE_MS).unref();
