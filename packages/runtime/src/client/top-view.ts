// `sluice top`: a job's vertices as a terminal table (busy, backpressured, idle, level, records/s, pools) and the likely bottleneck, refreshed every second.

import { setTimeout as sleep } from 'node:timers/promises';
import type { CliIo } from '../cli/cli.js';
import { RuntimeError } from '../errors.js';
import type { BackPressureLevel, JobDetails, JobStatus, JobVertexBackPressureInfo } from '../rest/rest-types.js';
import { isTerminalJobStatus, type RestClient } from './rest-client.js';

/** Time between two tables. */
export const TOP_REFRESH_MS = 1000;
/** ANSI: cursor home and clear screen, so each table replaces the last one. */
const CLEAR_SCREEN = '\u001b[H\u001b[2J';

/** What one table shows of a job: its details and each vertex's backpressure, in the order of `details.vertices`. */
export interface JobSnapshot {
  details: JobDetails;
  backpressure: readonly JobVertexBackPressureInfo[];
}

/** Reads what {@link formatTopTable} shows: the job's details, then each vertex's backpressure. */
export async function readJobSnapshot(client: RestClient, jobId: string): Promise<JobSnapshot> {
  const details = await client.job(jobId);
  const backpressure = await Promise.all(details.vertices.map((vertex) => client.vertexBackPressure(jobId, vertex.id)));
  return { details, backpressure };
}

/** The job graph's edges from `details.plan` (a JobGraphJson). */
function edgesOf(details: JobDetails): ReadonlyArray<{ sourceVertexId: string; targetVertexId: string }> {
  return (details.plan as { edges?: Array<{ sourceVertexId: string; targetVertexId: string }> } | undefined)?.edges ?? [];
}

/**
 * The likely bottleneck, Flink's rule of thumb: the busiest vertex that is not itself backpressured, just
 * downstream of a backpressured one (level low or high); undefined when no vertex upstream is backpressured.
 */
export function findBottleneck(snapshot: JobSnapshot): { vertex: string; busyPercent: number; upstream: string; upstreamLevel: BackPressureLevel } | undefined {
  const { details, backpressure } = snapshot;
  const levelOf = new Map(details.vertices.map((vertex, i) => [vertex.id, backpressure[i]?.backpressureLevel]));
  const nameOf = new Map(details.vertices.map((vertex) => [vertex.id, vertex.name]));
  let best: ReturnType<typeof findBottleneck>;
  for (const vertex of details.vertices) {
    const busy = vertex.metrics.busyTimeMsPerSecond;
    if (typeof busy !== 'number' || levelOf.get(vertex.id) === 'high') continue;
    for (const edge of edgesOf(details)) {
      const upstreamLevel = levelOf.get(edge.sourceVertexId);
      if (edge.targetVertexId !== vertex.id || upstreamLevel === undefined || upstreamLevel === 'ok') continue;
      if (best === undefined || busy / 10 > best.busyPercent) {
        best = { vertex: vertex.name, busyPercent: busy / 10, upstream: nameOf.get(edge.sourceVertexId) ?? edge.sourceVertexId, upstreamLevel };
      }
    }
  }
  return best;
}

const percent = (msPerSecond: number | undefined): string => (typeof msPerSecond === 'number' ? `${Math.round(msPerSecond / 10)}%` : '-');
const share = (value: number | undefined): string => (typeof value === 'number' ? `${Math.round(value * 100)}%` : '-');

function perSecond(value: number | undefined): string {
  if (typeof value !== 'number') return '-';
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (value >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  return String(Math.round(value));
}

/**
 * The table `sluice top` prints: one row per vertex with the worst subtask's busy / backpressured / idle time
 * (as the web UI colours it), the backpressure level, records per second in and out, and pool usages; then
 * the likely bottleneck. `now` (epoch ms) stamps the header.
 */
export function formatTopTable(snapshot: JobSnapshot, now: number): string {
  const { details, backpressure } = snapshot;
  const header = ['VERTEX', 'PAR', 'BUSY', 'BACKPRESSURED', 'IDLE', 'LEVEL', 'IN/S', 'OUT/S', 'OUT POOL', 'IN POOL'];
  const rows = details.vertices.map((vertex, i) => {
    const m = vertex.metrics;
    const level = backpressure[i]?.backpressureLevel;
    const hasInputs = edgesOf(details).some((edge) => edge.targetVertexId === vertex.id);
    const hasOutputs = edgesOf(details).some((edge) => edge.sourceVertexId === vertex.id);
    return [
      vertex.name, String(vertex.parallelism), percent(m.busyTimeMsPerSecond), percent(m.backPressuredTimeMsPerSecond), percent(m.idleTimeMsPerSecond),
      level === undefined ? '-' : level.toUpperCase(), hasInputs ? perSecond(m.numRecordsInPerSecond) : '-', hasOutputs ? perSecond(m.numRecordsOutPerSecond) : '-',
      hasOutputs ? share(m.outPoolUsage) : '-', hasInputs ? share(m.inPoolUsage) : '-',
    ];
  });
  const widths = header.map((title, c) => Math.max(title.length, ...rows.map((row) => row[c].length)));
  const line = (cells: string[]): string => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  const time = new Date(now).toTimeString().slice(0, 8);
  const seconds = Math.round(details.duration / 1000);
  const bottleneck = findBottleneck(snapshot);
  const verdict = bottleneck === undefined
    ? 'No vertex is backpressured.'
    : `Likely bottleneck: ${bottleneck.vertex} (busy ${Math.round(bottleneck.busyPercent)}%), downstream of ${bottleneck.upstream} (backpressure ${bottleneck.upstreamLevel.toUpperCase()}).`;
  return [
    `Job ${details.name} (${details.jid}) ${details.state} for ${seconds}s, ${time}`,
    '',
    line(header),
    ...rows.map(line),
    '',
    "(busy, backpressured, idle: the highest over the vertex's subtasks, as the web UI colours vertices; rates summed)",
    details.state === 'RUNNING' ? verdict : stateLine(details.state),
    '',
  ].join('\n');
}

/** What replaces the bottleneck verdict when the job is not RUNNING: its figures no longer say how it flows. */
function stateLine(state: JobStatus): string {
  if (state === 'FAILING' || state === 'CANCELING') return `The job is ${state}: its subtasks are being canceled; figures are their last ones.`;
  return `The job is ${state}; figures are its last ones.`;
}

/** The job to watch: `jobId`, else the only job not yet ended. @throws RuntimeError `ERR_RT_BAD_ARGUMENT` when that is not one job */
export async function chooseJob(client: RestClient, jobId: string | undefined): Promise<string> {
  if (jobId !== undefined) return jobId;
  const running = (await client.jobsOverview()).filter((job) => !isTerminalJobStatus(job.state));
  if (running.length === 1) return running[0].jid;
  if (running.length === 0) throw new RuntimeError('ERR_RT_BAD_ARGUMENT', 'no job is running; give a job id (see `sluice list`)');
  throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `${running.length} jobs are running; give one of their ids: ${running.map((job) => `${job.jid} (${job.name})`).join(', ')}`);
}

/**
 * Prints the table of `jobId` (or the only running job) to `io.stdout`: once, or every {@link TOP_REFRESH_MS}
 * (clearing the screen first) until `signal` aborts or the job ends.
 */
export async function runTop(options: { client: RestClient; jobId: string | undefined; isOnce: boolean; io: CliIo; signal: AbortSignal }): Promise<void> {
  const { client, io, signal } = options;
  const jobId = await chooseJob(client, options.jobId);
  for (;;) {
    const snapshot = await readJobSnapshot(client, jobId);
    const table = formatTopTable(snapshot, Date.now());
    if (options.isOnce) return io.stdout(table);
    io.stdout(CLEAR_SCREEN + table);
    if (isTerminalJobStatus(snapshot.details.state)) return;
    try {
      await sleep(TOP_REFRESH_MS, undefined, { signal });
    } catch {
      return; // Ctrl-C
    }
  }
}
