// Job code shipping: bundles a job file into one ES module with esbuild, and writes a bundle where `@sluice/runtime` resolves.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, type BuildFailure, type Message } from 'esbuild';
import { RuntimeError } from '../errors.js';

/**
 * The runtime package's directory (`packages/runtime`), found from this file's own location: bundles written
 * below it import `@sluice/runtime` by package self-reference (the package has an `exports` map).
 */
export const RUNTIME_PACKAGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Where job bundles are written, one directory per job: `packages/runtime/.jobs/<jobId>/job.mjs` (git-ignored). */
export const JOBS_DIR = join(RUNTIME_PACKAGE_DIR, '.jobs');

/** A job id is used as a directory name: keep it to a safe alphabet. */
const SAFE_JOB_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * Bundles the job module at `jobFile` (TypeScript or JavaScript) into one ES module for Node 20: relative imports
 * are inlined, bare imports (`@sluice/runtime`, npm packages) stay external and resolve where the bundle is
 * imported. The source map is inline and points at the original files (with their contents), so a stack trace
 * from a TaskManager on another host still names `job.ts:12`.
 *
 * Functions are never serialized: the code travels as text, and every process imports it and rebuilds the graph.
 *
 * @param jobFile - path of the job module (the entry point)
 * @returns the bundled module's source text
 * @throws RuntimeError `ERR_RT_JOB_BUILD` when the file does not build; the message names `file:line:column`
 *   (1-based) and esbuild's text for every error
 */
export async function bundleJob(jobFile: string): Promise<string> {
  const entry = resolve(jobFile);
  const workingDir = dirname(entry);
  try {
    const result = await build({
      entryPoints: [entry],
      absWorkingDir: workingDir,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      packages: 'external',
      sourcemap: 'inline',
      // Source paths in the map are relative to the working dir: anchor them, since the bundle is written elsewhere.
      sourceRoot: `${pathToFileURL(workingDir).href}/`,
      logLevel: 'silent',
    });
    const [output] = result.outputFiles;
    return output.text;
  } catch (error) {
    if (!isBuildFailure(error)) throw error;
    throw new RuntimeError('ERR_RT_JOB_BUILD', describeBuildFailure(entry, workingDir, error.errors), { cause: error });
  }
}

function isBuildFailure(error: unknown): error is BuildFailure {
  return error instanceof Error && Array.isArray((error as Partial<BuildFailure>).errors);
}

/** `job file /a/job.ts does not build:\n  /a/job.ts:3:11: Unexpected ";"\n    const a = ;` — one entry per error. */
function describeBuildFailure(entry: string, workingDir: string, errors: readonly Message[]): string {
  const lines = errors.map((message) => {
    const location = message.location;
    if (location === null) return `  ${message.text}`;
    const file = resolve(workingDir, location.file);
    // esbuild's column is 0-based; editors and tsc count from 1.
    const where = `${file}:${location.line}:${location.column + 1}`;
    return `  ${where}: ${message.text}${location.lineText ? `\n    ${location.lineText.trim()}` : ''}`;
  });
  const count = errors.length === 1 ? '' : ` (${errors.length} errors)`;
  return `job file ${entry} does not build${count}:\n${lines.join('\n')}`;
}

/**
 * Writes a bundled job module to `packages/runtime/.jobs/<jobId>/job.mjs`, inside the runtime package so that its
 * bare `@sluice/runtime` import resolves by package self-reference. Used by the client (to capture the plan from
 * exactly the shipped code) and by the TaskManager (to run it). Overwrites an existing bundle of the same id.
 *
 * @param code - the bundle, as returned by {@link bundleJob}
 * @param jobId - directory name: letters, digits, `_`, `.`, `-` (at most 128)
 * @returns the absolute path of the written `job.mjs`
 * @throws RuntimeError `ERR_RT_BAD_ARGUMENT` when `jobId` is not a safe directory name
 */
export async function writeJobBundle(code: string, jobId: string): Promise<string> {
  const dir = jobBundleDir(jobId);
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'job.mjs');
  await writeFile(file, code, 'utf8');
  return file;
}

/**
 * Deletes the directory {@link writeJobBundle} wrote for `jobId`; does nothing if it is gone already.
 * @throws RuntimeError `ERR_RT_BAD_ARGUMENT` when `jobId` is not a safe directory name
 */
export async function removeJobBundle(jobId: string): Promise<void> {
  await rm(jobBundleDir(jobId), { recursive: true, force: true });
}

function jobBundleDir(jobId: string): string {
  if (!SAFE_JOB_ID.test(jobId)) {
    throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `job id ${JSON.stringify(jobId)} is not a safe directory name (letters, digits, _ . -)`);
  }
  return join(JOBS_DIR, jobId); // no `/` in the alphabet: never escapes JOBS_DIR
}
