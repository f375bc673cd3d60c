// Monitoring a real backpressured job: backpressure-demo on a JobManager and 2 TaskManager processes, seen through REST, Prometheus, `sluice top` and the web dashboard in headless Debian chromium; and a failing job's Exceptions panel there.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/cli.js';
import { createCommandHandlers } from '../../src/client/command-handlers.js';
import { startLocalCluster, type LocalCluster } from '../../src/client/local-cluster.js';
import { RestClient } from '../../src/client/rest-client.js';
import type { ExceptionInfo, JobDetails, JobExceptionsInfo, JobVertexBackPressureInfo } from '../../src/rest/rest-types.js';
import { REPO_ROOT, submitJob } from '../cluster/cluster-utils.js';
import { waitFor } from '../jobmanager/fake-task-manager.js';
import { parsePrometheusText } from '../utils/prometheus-text.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`monitoring.integration.test: skipping the dashboard test: ${CHROMIUM} is absent (apt-get install chromium)`);
/** Where the browser test leaves its screenshot (`out/` is git-ignored). */
const SCREENSHOT = join(REPO_ROOT, 'out', 'dashboard-backpressure.png');
const EXCEPTIONS_SCREENSHOT = join(REPO_ROOT, 'out', 'dashboard-exceptions.png');
/** A job whose map throws `boom at record 500` (Flink's Exceptions tab shows such a failure). */
const FAILING_JOB = join(REPO_ROOT, 'packages/runtime/test/cluster/jobs/failing-job.ts');

/** Runs `use` on a page of a fresh headless chromium, then expects no uncaught page error. */
async function withDashboard(use: (page: Page) => Promise<void>): Promise<void> {
  const profile = mkdtempSync(join(tmpdir(), 'sluice-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    viewport: { width: 1400, height: 1300 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await use(page);
    expect(errors).toEqual([]);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Every per-subtask metric of the issue, by its Prometheus name. */
const SUBTASK_SERIES = [
  'numRecordsIn', 'numRecordsOut', 'numRecordsInPerSecond', 'numRecordsOutPerSecond', 'numBytesInLocal', 'numBytesInRemote', 'numBytesOut',
  'numBuffersIn', 'numBuffersOut', 'busyTimeMsPerSecond', 'idleTimeMsPerSecond', 'backPressuredTimeMsPerSecond', 'softBackPressuredTimeMsPerSecond',
  'hardBackPressuredTimeMsPerSecond', 'Shuffle_Netty_Input_Buffers_inPoolUsage', 'Shuffle_Netty_Output_Buffers_outPoolUsage',
  'Shuffle_Netty_Input_Buffers_inputExclusiveBuffersUsage', 'Shuffle_Netty_Input_Buffers_inputFloatingBuffersUsage',
].map((name) => `flink_taskmanager_job_task_${name}`);

describe('backpressure-demo (-p 2) on 2 TaskManager processes, monitored', () => {
  let cluster: LocalCluster;
  let rest: RestClient;
  let jobId: string;
  let details: JobDetails;
  const byName = (name: string) => details.vertices.find((vertex) => vertex.name.includes(name))!;

  beforeAll(async () => {
    cluster = await startLocalCluster({ numTaskManagers: 2, slots: 2, logLevel: 'warn' });
    rest = new RestClient(cluster.restUrl);
    jobId = await submitJob(cluster.restUrl, join(REPO_ROOT, 'packages/examples/src/backpressure-demo.ts'), ['--slow-us', '50'], 2);
    // Rates need two heartbeats after RUNNING: wait until every subtask has them and the source is judged.
    await waitFor('every subtask to report rates', async () => {
      details = await rest.job(jobId);
      const infos = await Promise.all(details.vertices.map((vertex) => rest.vertexBackPressure(jobId, vertex.id)));
      return infos.every((info) => info.subtasks?.length === 2) && infos[0].backpressureLevel === 'high';
    }, 30_000);
    details = await rest.job(jobId);
  }, 90_000);

  afterAll(async () => {
    if (jobId !== undefined) await rest.cancel(jobId).catch(() => {});
    await cluster?.stop();
  });

  it('reports the source HIGH and the slow map as the busiest vertex, with ratios in [0, 1] and ~1000 ms/s per subtask', async () => {
    const levels = new Map<string, JobVertexBackPressureInfo>();
    for (const vertex of details.vertices) levels.set(vertex.name, await rest.vertexBackPressure(jobId, vertex.id));
    expect(levels.get('Source: Fast source')?.backpressureLevel).toBe('high');
    expect(levels.get('Slow map')?.backpressureLevel).toBe('ok');
    for (const info of levels.values()) {
      expect(info.status).toBe('ok');
      for (const subtask of info.subtasks!) {
        for (const ratio of [subtask.ratio, subtask.idleRatio, subtask.busyRatio]) {
          expect(ratio).toBeGreaterThanOrEqual(0);
          expect(ratio).toBeLessThanOrEqual(1);
        }
      }
    }
    const maxBusy = (name: string) => byName(name).metrics.busyTimeMsPerSecond;
    expect(maxBusy('Slow map')).toBeGreaterThan(Math.max(maxBusy('Fast source'), maxBusy('Counting sink')));
    expect(maxBusy('Slow map')).toBeGreaterThan(800);

    const names = 'busyTimeMsPerSecond,idleTimeMsPerSecond,backPressuredTimeMsPerSecond';
    for (const vertex of details.vertices) {
      for (const index of [0, 1]) {
        const response = await fetch(`${cluster.restUrl}/jobs/${jobId}/vertices/${vertex.id}/subtasks/${index}/metrics?get=${names}`);
        const values = ((await response.json()) as Array<{ id: string; value: string }>).map((metric) => Number(metric.value));
        expect(values).toHaveLength(3);
        expect(Math.abs(values.reduce((a, b) => a + b, 0) - 1000)).toBeLessThanOrEqual(100);
      }
    }
  });

  it('serves /metrics as Prometheus text with every subtask metric for each of the 6 subtasks', async () => {
    const { samples } = parsePrometheusText(await (await fetch(`${cluster.restUrl}/metrics`)).text());
    for (const name of SUBTASK_SERIES) {
      const series = samples.filter((sample) => sample.name === name && sample.labels.job_id === jobId);
      expect({ name, subtasks: series.map((s) => `${s.labels.task_name}#${s.labels.subtask_index}`).sort() }).toEqual({
        name,
        subtasks: ['Sink: Counting sink#0', 'Sink: Counting sink#1', 'Slow map#0', 'Slow map#1', 'Source: Fast source#0', 'Source: Fast source#1'],
      });
    }
    const segments = samples.filter((sample) => sample.name === 'flink_taskmanager_Status_Shuffle_Netty_TotalMemorySegments');
    expect(segments.map((s) => s.labels.tm_id).sort()).toEqual(['tm-1', 'tm-2']);
  });

  it('prints the same diagnosis with `sluice top JOB --once`', async () => {
    let stdout = '';
    const code = await runCli(['top', jobId, '--once', '--jobmanager', cluster.restUrl], { handlers: createCommandHandlers(), stdout: (text) => void (stdout += text), stderr: () => {}, env: {} });
    expect(code).toBe(0);
    expect(stdout).toMatch(/Source: Fast source +2 +\d+% +\d+% +\d+% +HIGH/);
    expect(stdout).toContain('Likely bottleneck: Slow map');
  });

  it.skipIf(!hasChromium)('shows the slow map busy and the source backpressured in the web dashboard (headless Debian chromium)', async () => {
    await withDashboard(async (page) => {
      await page.goto(`${cluster.restUrl}/#/jobs/${jobId}`);
      const vertex = (name: string) => page.locator(`g.vertex[data-name="${name}"]`);
      // Colours follow the metrics within a refresh or two.
      await expect.poll(async () => Number(await vertex('Slow map').getAttribute('data-busy')), { timeout: 15_000 }).toBeGreaterThan(80);
      await expect.poll(async () => Number(await vertex('Source: Fast source').getAttribute('data-backpressured')), { timeout: 15_000 }).toBeGreaterThan(50);
      const rgb = async (name: string) => {
        const hex = (await vertex(name).locator('rect').getAttribute('fill'))!;
        return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
      };
      const [slowR, slowG, slowB] = await rgb('Slow map');
      expect(slowR).toBeGreaterThan(slowB + 80); // busy: red
      expect(slowR).toBeGreaterThan(slowG + 80);
      const [sourceR, sourceG, sourceB] = await rgb('Source: Fast source');
      expect(Math.max(sourceR, sourceG, sourceB) - Math.min(sourceR, sourceG, sourceB)).toBeLessThan(40); // backpressured: grey
      expect(await page.locator(`tr.vertex-row[data-level="high"]`).allTextContents()).toEqual([expect.stringContaining('Source: Fast source')]);
      await expect.poll(() => page.locator('.uplot canvas').count()).toBeGreaterThanOrEqual(3);

      // The throttle form reaches every TaskManager running the job.
      await page.fill('#throttle-name', 'demo-rate');
      await page.fill('#throttle-rate', '5000');
      await page.click('#throttle-form button');
      await expect.poll(() => page.locator('#throttle-result').textContent()).toContain('demo-rate set to 5000 records/s on 2 TaskManager(s)');

      mkdirSync(join(REPO_ROOT, 'out'), { recursive: true });
      await page.waitForTimeout(3000); // a few more chart points
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    });
  });

  it.skipIf(!hasChromium)("shows a failed job's root exception in the dashboard's Exceptions panel, fetched again when the job fails, and none for a healthy job", async () => {
    const failedId = await submitJob(cluster.restUrl, FAILING_JOB);
    expect((await rest.waitForJobEnd(failedId, { pollMs: 100 })).state).toBe('FAILED');
    const exceptions = await rest.jobExceptions(failedId);
    const root = exceptions.exceptionHistory.entries[0];
    expect(root).toMatchObject({ exceptionName: 'Error', taskName: expect.stringContaining('Exploding map'), taskManagerId: expect.stringMatching(/^tm-/) });

    await withDashboard(async (page) => {
      const panel = page.locator('#job-exceptions');
      const field = (name: string) => panel.locator(`dd[data-field="${name}"]`).textContent();

      // The failed job: the thrown message first, then when, which task on which TaskManager, the error's name and code, the stack folded.
      await page.goto(`${cluster.restUrl}/#/jobs/${failedId}`);
      await page.locator('#job-exceptions[data-state="failed"]').waitFor({ timeout: 15_000 });
      expect(await panel.isVisible()).toBe(true);
      expect(await page.locator('#root-exception-message').textContent()).toBe('Error: boom at record 500');
      expect(await page.locator('.job-title').textContent()).toMatch(/FAILED.*ran for \d/); // an ended job's duration is final
      expect(await field('task')).toBe(root.taskName);
      expect(await field('taskmanager')).toBe(`${root.taskManagerId} (${root.endpoint})`);
      expect(await field('name')).toBe('Error');
      expect(await field('code')).toBe('–'); // an Error a user function throws carries no ERR_ code
      expect(await field('time')).toBe(await page.evaluate((ms) => new Date(ms).toLocaleString(), root.timestamp));
      const stack = panel.locator('details.exception-stack');
      expect(await stack.locator('pre').isVisible()).toBe(false);
      await stack.locator('summary').click();
      expect(await stack.locator('pre').isVisible()).toBe(true);
      expect(await stack.locator('pre').textContent()).toBe(root.stacktrace);
      expect(root.stacktrace).toMatch(/failing-job/);
      expect(await panel.locator('.exception-concurrent').count()).toBe(0);
      expect(await panel.textContent()).not.toMatch(/null|undefined/);
      mkdirSync(join(REPO_ROOT, 'out'), { recursive: true });
      await page.screenshot({ path: EXCEPTIONS_SCREENSHOT });

      // The running backpressure-demo: no exception, no panel.
      await page.goto(`${cluster.restUrl}/#/jobs/${jobId}`);
      await page.locator('#job-exceptions[data-state="none"]').waitFor({ state: 'attached', timeout: 15_000 });
      expect(await panel.isHidden()).toBe(true);
      expect(await page.locator('#root-exception').count()).toBe(0);
      expect(await page.locator('main').textContent()).not.toContain('boom');

      // The page asks again when the job enters FAILED: the failed job served as RUNNING without exceptions first, then
      // FAILED with a root and two concurrent failures whose text is markup (it must show as text, never as HTML).
      let failedNow = false;
      let servedFailed = false;
      const markup = '<img src=x onerror="window.__injected=1">';
      const concurrent = (taskName: string, stacktrace: string, code?: string): ExceptionInfo => ({
        exceptionName: stacktrace.split(':')[0], stacktrace, timestamp: root.timestamp, taskName, taskManagerId: 'tm-2', endpoint: '127.0.0.1:1', failureLabels: {}, ...(code === undefined ? {} : { code }),
      });
      const stacktrace = `RuntimeError: ERR_RT_BAD_KEY: ${markup}\n    at map (job.ts:12:11)`;
      const synthetic: JobExceptionsInfo = {
        ...exceptions,
        'root-exception': stacktrace,
        'exceptionHistory': {
          entries: [{
            ...root, exceptionName: 'RuntimeError', stacktrace, code: 'ERR_RT_BAD_KEY',
            concurrentExceptions: [
              concurrent('Source: gen (1/2)', 'NetworkError: ERR_NET_PEER_LOST: the producer went away\n    at x (y.ts:1:1)', 'ERR_NET_PEER_LOST'),
              concurrent(`${markup} (2/2)`, `Error: ${markup}`),
            ],
          }],
          truncated: false,
        },
      };
      const none: JobExceptionsInfo = { 'root-exception': null, 'timestamp': null, 'all-exceptions': [], 'truncated': false, 'exceptionHistory': { entries: [], truncated: false } };
      let exceptionRequests = 0;
      await page.route((url) => url.pathname === `/jobs/${failedId}`, async (route) => {
        servedFailed = failedNow;
        const response = await route.fetch();
        const details = (await response.json()) as JobDetails;
        await route.fulfill({ status: response.status(), json: servedFailed ? details : { ...details, state: 'RUNNING' } });
      });
      await page.route((url) => url.pathname === `/jobs/${failedId}/exceptions`, async (route) => {
        exceptionRequests++;
        await route.fulfill({ json: servedFailed ? synthetic : none });
      });
      await page.goto(`${cluster.restUrl}/#/jobs/${failedId}`);
      await page.locator('#job-exceptions[data-state="none"]').waitFor({ state: 'attached', timeout: 15_000 });
      await page.waitForTimeout(2500); // a few refreshes while RUNNING: one exceptions request only
      expect(exceptionRequests).toBe(1);
      expect(await panel.isHidden()).toBe(true);
      failedNow = true;
      await page.locator('#job-exceptions[data-state="failed"]').waitFor({ timeout: 15_000 });
      expect(exceptionRequests).toBe(2);
      expect(await page.locator('#root-exception-message').textContent()).toBe(`RuntimeError: ERR_RT_BAD_KEY: ${markup}`);
      expect(await field('name')).toBe('RuntimeError');
      expect(await field('code')).toBe('ERR_RT_BAD_KEY');
      expect(await panel.locator('.exception-concurrent h3').textContent()).toBe('Concurrent exceptions (2)');
      expect(await panel.locator('.exception-concurrent li').allTextContents()).toEqual([
        'Source: gen (1/2) NetworkError: ERR_NET_PEER_LOST: the producer went away ERR_NET_PEER_LOST',
        `${markup} (2/2) Error: ${markup}`,
      ]);
      expect(await panel.locator('img').count()).toBe(0);
      expect(await page.evaluate(() => (globalThis as { __injected?: number }).__injected)).toBeUndefined();
      await page.waitForTimeout(1200); // FAILED stays FAILED: no further request
      expect(exceptionRequests).toBe(2);
    });
  });
});
