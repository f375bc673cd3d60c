// Tests of job bundling: relative imports inlined, bare ones left external, build errors named by file:line:column.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleJob, JOBS_DIR, removeJobBundle, RUNTIME_PACKAGE_DIR, writeJobBundle } from '../../src/client/job-bundle.js';

const FIXTURES = resolve(fileURLToPath(import.meta.url), '../fixtures');
const scratch = mkdtempSync(join(tmpdir(), 'sluice-bundle-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('bundleJob', () => {
  it('inlines relative imports and leaves the bare @sluice/runtime import external', async () => {
    const code = await bundleJob(join(FIXTURES, 'fixture-job.ts'));
    // Booleans, not the bundle: a failure would print hundreds of lines of inlined runtime.
    const imports = (code.match(/^import .* from ".*";$/gm) ?? []).filter((line) => !line.includes('"node:'));
    expect(imports).toHaveLength(1);
    expect(imports[0]).toMatch(/^import \{ RuntimeError( as \w+)? \} from "@sluice\/runtime";$/);
    expect(code.includes('function buildPipeline(')).toBe(true); // ./pipeline.js, inlined
    expect(code.includes('//# sourceMappingURL=data:application/json;base64,')).toBe(true);
  });

  it('anchors the inline source map at the original files', async () => {
    const code = await bundleJob(join(FIXTURES, 'fixture-job.ts'));
    const base64 = /sourceMappingURL=data:application\/json;base64,(\S+)/.exec(code)?.[1] ?? '';
    const map = JSON.parse(Buffer.from(base64, 'base64').toString('utf8')) as { sourceRoot: string; sources: string[] };
    const sources = map.sources.map((source) => fileURLToPath(new URL(source, map.sourceRoot)));
    expect(sources).toContain(join(FIXTURES, 'pipeline.ts'));
    expect(sources).toContain(join(FIXTURES, 'fixture-job.ts'));
  });

  it('rejects a syntax error with ERR_RT_JOB_BUILD naming file:line:column and the source line', async () => {
    const file = join(scratch, 'broken.ts');
    writeFileSync(file, "import { x } from './lib.js';\n\nconst total = ;\n");
    writeFileSync(join(scratch, 'lib.ts'), 'export const x = 1;\n');
    const error = await bundleJob(file).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'RuntimeError', code: 'ERR_RT_JOB_BUILD' });
    const message = (error as Error).message;
    expect(message).toContain(`job file ${file} does not build`);
    expect(message).toContain(`${file}:3:15: Unexpected ";"`);
    expect(message).toContain('const total = ;');
  });

  it('names every missing relative import', async () => {
    const file = join(scratch, 'missing.ts');
    writeFileSync(file, "import { a } from './nowhere.js';\nimport { b } from './elsewhere.js';\nconsole.log(a, b);\n");
    const error = await bundleJob(file).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_RT_JOB_BUILD' });
    expect((error as Error).message).toContain('(2 errors)');
    expect((error as Error).message).toContain(`${file}:1:19: Could not resolve "./nowhere.js"`);
    expect((error as Error).message).toContain(`${file}:2:19: Could not resolve "./elsewhere.js"`);
  });
});

describe('writeJobBundle', () => {
  it('writes the bundle inside the runtime package, where @sluice/runtime resolves by self-reference', async () => {
    const file = await writeJobBundle('export const answer = 42;\n', 'test-write-1');
    try {
      expect(JOBS_DIR).toBe(join(RUNTIME_PACKAGE_DIR, '.jobs'));
      expect(file).toBe(join(JOBS_DIR, 'test-write-1', 'job.mjs'));
      expect(readFileSync(file, 'utf8')).toBe('export const answer = 42;\n');
      expect(JSON.parse(readFileSync(join(RUNTIME_PACKAGE_DIR, 'package.json'), 'utf8')).name).toBe('@sluice/runtime');
    } finally {
      await removeJobBundle('test-write-1');
    }
    expect(existsSync(join(JOBS_DIR, 'test-write-1'))).toBe(false);
  });

  it('refuses a job id that is not a plain directory name', async () => {
    await expect(writeJobBundle('', '../escape')).rejects.toMatchObject({ code: 'ERR_RT_BAD_ARGUMENT' });
    await expect(removeJobBundle('a/b')).rejects.toMatchObject({ code: 'ERR_RT_BAD_ARGUMENT' });
  });
});
