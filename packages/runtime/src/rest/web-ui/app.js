// The dashboard's pages and refresh loop: cluster overview and job list at #/, one job (exceptions, graph, backpressure, charts, throttles) at #/jobs/<id>.
import { formatNumber, LiveChart } from './charts.js';
import { drawJobGraph } from './job-graph.js';

/** Time between two refreshes of the page's data. */
const REFRESH_MS = 1000;
/** The TaskManager metrics the overview shows (Flink's names). */
const SEGMENT_METRICS = ['Status.Shuffle.Netty.TotalMemorySegments', 'Status.Shuffle.Netty.UsedMemorySegments', 'Status.Shuffle.Netty.AvailableMemorySegments'];
const TOKEN_KEY = 'sluice.cluster-token';
/** Job states on entering which the job page fetches `GET /jobs/:id/exceptions` again. */
const FAILURE_STATES = new Set(['FAILING', 'FAILED']);
/** Job states after which a job never changes (its duration is final). */
const ENDED_STATES = new Set(['FINISHED', 'FAILED', 'CANCELED']);

const app = document.getElementById('app');
const statusLine = document.getElementById('refresh-status');
const summary = document.getElementById('cluster-summary');
let page = null;
let generation = 0;
let timer;

// ─── helpers ───────────────────────────────────────────────────────────────────────────────────

/** `GET path` as JSON; a non-2xx answer throws its `errors`. */
async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.errors?.join('; ') ?? `HTTP ${response.status} from ${path}`);
  return body;
}

/** An element with attributes (`class`, `data-*`, properties) and children (nodes or text). */
function el(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null) continue;
    if (key === 'class') element.className = value;
    else if (key.startsWith('data-') || key.startsWith('aria-') || key === 'for' || key === 'list') element.setAttribute(key, String(value));
    else element[key] = value;
  }
  element.append(...children.flat().filter((child) => child !== undefined && child !== null));
  return element;
}

const pct = (share) => (Number.isFinite(share) ? `${Math.round(share * 100)}%` : '–');
const rate = (value) => (Number.isFinite(value) ? formatNumber(value) : '–');
const levelBadge = (level) => el('span', { class: `badge ${level ?? 'none'}` }, level === undefined ? 'N/A' : level.toUpperCase());

function formatDuration(ms) {
  if (!(ms >= 0)) return '–';
  const s = Math.floor(ms / 1000);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m ${s % 60}s` : `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** The first line of a stack (`Error: message`), the whole text when it has one line. */
const firstLine = (text) => String(text ?? '').split('\n', 1)[0];
/** Epoch ms as local date and time; '–' when unknown (null, -1). */
const localTime = (ms) => (Number.isFinite(ms) && ms > 0 ? new Date(ms).toLocaleString() : '–');

function bar(share) {
  return el('span', { class: 'bar' }, el('span', { style: `width:${Math.min(100, Math.max(0, share * 100))}%` }));
}

// ─── refresh loop and routing ──────────────────────────────────────────────────────────────────

async function refreshSummary() {
  const overview = await getJson('/overview');
  summary.replaceChildren(
    el('span', {}, 'TaskManagers ', el('b', {}, String(overview.taskmanagers))),
    el('span', {}, 'Slots ', el('b', {}, `${overview['slots-available']} / ${overview['slots-total']}`), ' free'),
    el('span', {}, 'Running jobs ', el('b', {}, String(overview['jobs-running']))),
  );
  return overview;
}

async function tick(mine) {
  clearTimeout(timer);
  try {
    const overview = await refreshSummary();
    await page.refresh(overview);
    statusLine.className = 'refresh-status';
    statusLine.textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    statusLine.className = 'refresh-status error';
    statusLine.textContent = `refresh failed: ${error.message}`;
  }
  if (mine === generation) timer = setTimeout(() => tick(mine), REFRESH_MS);
}

function route() {
  page?.destroy();
  const match = /^#\/jobs\/([0-9a-f]{32})$/.exec(location.hash);
  page = match ? createJobPage(match[1]) : createOverviewPage();
  void tick(++generation);
}

// ─── cluster overview and job list ─────────────────────────────────────────────────────────────

function createOverviewPage() {
  const cards = el('section', { class: 'cards', 'aria-label': 'cluster overview' });
  const taskManagers = el('section', { class: 'panel' }, el('h2', {}, 'TaskManagers'), el('p', { class: 'muted' }, 'Loading…'));
  const jobs = el('section', { class: 'panel' }, el('h2', {}, 'Jobs'), el('p', { class: 'muted' }, 'Loading…'));
  app.replaceChildren(cards, taskManagers, jobs);

  const card = (label, value) => el('div', { class: 'card' }, el('div', { class: 'value' }, String(value)), el('div', { class: 'label' }, label));

  return {
    async refresh(overview) {
      const [{ taskmanagers }, { jobs: jobList }] = await Promise.all([getJson('/taskmanagers'), getJson('/jobs/overview')]);
      const segments = await Promise.all(
        taskmanagers.map((tm) => getJson(`/taskmanagers/${encodeURIComponent(tm.id)}/metrics?get=${SEGMENT_METRICS.join(',')}`).catch(() => [])),
      );
      let total = 0;
      let used = 0;
      const rows = taskmanagers.map((tm, i) => {
        const values = Object.fromEntries(segments[i].map((metric) => [metric.id, Number(metric.value)]));
        const tmTotal = values['Status.Shuffle.Netty.TotalMemorySegments'];
        const tmUsed = values['Status.Shuffle.Netty.UsedMemorySegments'];
        if (Number.isFinite(tmTotal)) total += tmTotal;
        if (Number.isFinite(tmUsed)) used += tmUsed;
        return el('tr', { 'data-tm-id': tm.id },
          el('td', { class: 'mono' }, tm.id),
          el('td', { class: 'mono' }, tm.address ?? tm.path),
          el('td', { class: 'num' }, `${tm.freeSlots} / ${tm.slotsNumber}`),
          el('td', {}, Number.isFinite(tmTotal) ? [bar(tmUsed / tmTotal), `${tmUsed} / ${tmTotal} used (${values['Status.Shuffle.Netty.AvailableMemorySegments']} free)`] : '–'),
          el('td', { class: 'num' }, `${tm.timeSinceLastHeartbeat} ms`));
      });
      cards.replaceChildren(
        card('TaskManagers', overview.taskmanagers),
        card('Slots free / total', `${overview['slots-available']} / ${overview['slots-total']}`),
        card('Segments used / total', total > 0 ? `${used} / ${total}` : '–'),
        card('Jobs running', overview['jobs-running']),
        card('Finished · canceled · failed', `${overview['jobs-finished']} · ${overview['jobs-cancelled']} · ${overview['jobs-failed']}`),
      );
      taskManagers.replaceChildren(el('h2', {}, 'TaskManagers'), taskmanagers.length === 0 ? el('p', { class: 'muted' }, 'No TaskManager registered.') : el('table', {},
        el('thead', {}, el('tr', {}, el('th', {}, 'Id'), el('th', {}, 'Data address'), el('th', { class: 'num' }, 'Free slots'), el('th', {}, 'Network segments'), el('th', { class: 'num' }, 'Last heartbeat'))),
        el('tbody', {}, rows)));
      jobs.replaceChildren(el('h2', {}, 'Jobs'), jobList.length === 0 ? el('p', { class: 'muted' }, 'No job submitted yet. Run one with `sluice run job.ts`.') : el('table', {},
        el('thead', {}, el('tr', {}, el('th', {}, 'Name'), el('th', {}, 'Job id'), el('th', {}, 'State'), el('th', {}, 'Started'), el('th', { class: 'num' }, 'Duration'), el('th', { class: 'num' }, 'Tasks running / total'))),
        el('tbody', {}, jobList.map((job) => el('tr', { 'data-job-id': job.jid },
          el('td', {}, el('a', { href: `#/jobs/${job.jid}` }, job.name)),
          el('td', { class: 'mono' }, job.jid),
          el('td', {}, el('span', { class: `state ${job.state}` }, job.state)),
          el('td', {}, new Date(job['start-time']).toLocaleString()),
          el('td', { class: 'num' }, formatDuration(job.duration)),
          el('td', { class: 'num' }, `${job.tasks.running} / ${job.tasks.total}`))))));
    },
    destroy() {},
  };
}

// ─── one job ───────────────────────────────────────────────────────────────────────────────────

function createJobPage(jobId) {
  const title = el('section', { class: 'panel' }, el('p', { class: 'muted' }, 'Loading…'));
  app.replaceChildren(title);
  let view = null;

  return {
    async refresh() {
      let job;
      try {
        job = await getJson(`/jobs/${jobId}`);
      } catch (error) {
        if (view === null) title.replaceChildren(el('p', {}, `Job ${jobId}: ${error.message}. `, el('a', { href: '#/' }, 'Back to the overview')));
        throw error;
      }
      const backpressure = await Promise.all(job.vertices.map((vertex) => getJson(`/jobs/${jobId}/vertices/${vertex.id}/backpressure`).catch(() => ({ status: 'deprecated' }))));
      view ??= buildJobView(jobId, job, title);
      view.update(job, backpressure);
      await view.updateExceptions(job.state);
    },
    destroy() {
      view?.destroy();
    },
  };
}

/** Lays out a job page once (exceptions, throttle form, graph, table, charts); `update` fills it on every refresh. */
function buildJobView(jobId, job, title) {
  const plan = job.plan;
  const graphBox = el('div', { class: 'job-graph', id: 'job-graph' });
  const legend = el('div', { class: 'legend' },
    el('span', {}, el('i', { style: 'background:#5db1ff' }), 'idle'),
    el('span', {}, el('i', { style: 'background:#ee6464' }), 'busy'),
    el('span', {}, el('i', { style: 'background:#888888;border:1px solid #000' }), 'backpressured'),
    el('span', {}, 'colour: worst subtask of each vertex (Flink\'s rule)'));
  const table = el('table', { id: 'backpressure-table' });
  const charts = [el('div', { class: 'panel chart' }), el('div', { class: 'panel chart' }), el('div', { class: 'panel chart' })];
  const exceptions = el('section', { class: 'panel exceptions', id: 'job-exceptions', 'aria-label': 'exceptions', hidden: true, 'data-state': 'loading' });
  /** The job state the exceptions panel was last filled at; null until the first answer. */
  let exceptionsFetchedAt = null;
  let exceptionsLoading = false;
  app.append(
    exceptions,
    throttleForm(jobId, plan),
    el('section', { class: 'panel' }, el('h2', {}, 'Job graph'), graphBox, legend),
    el('section', { class: 'panel' }, el('h2', {}, 'Backpressure'), table),
    el('section', { class: 'panel-row' }, charts),
  );
  const updateGraph = drawJobGraph(graphBox, plan);
  const names = plan.vertices.map((vertex) => vertex.name);
  const hasInputs = plan.vertices.map((vertex) => vertex.inputs.length > 0);
  const hasOutputs = plan.vertices.map((vertex) => vertex.outputs.length > 0);
  const recordsChart = new LiveChart(charts[0], 'Records/s per vertex (in; sources: out)', names);
  const outPoolChart = new LiveChart(charts[1], 'Output pool usage (outPoolUsage, max over subtasks)', names, { unit: '%', max: 100 });
  const inPoolChart = new LiveChart(charts[2], 'Input pool usage (inPoolUsage, remote channels)', names, { unit: '%', max: 100 });

  return {
    update(details, backpressure) {
      title.replaceChildren(el('div', { class: 'job-title' },
        el('h1', {}, details.name),
        el('span', { class: `state ${details.state}` }, details.state),
        el('span', { class: 'muted mono' }, jobId),
        el('span', { class: 'muted' }, `${ENDED_STATES.has(details.state) ? 'ran' : 'running'} for ${formatDuration(details.duration)}`)));
      updateGraph(details.vertices);
      renderBackpressureTable(table, details.vertices, backpressure, plan);
      if (details.state !== 'RUNNING') return;
      const byId = new Map(details.vertices.map((vertex) => [vertex.id, vertex.metrics ?? {}]));
      const metricsOf = plan.vertices.map((vertex) => byId.get(vertex.id) ?? {});
      const now = Date.now() / 1000;
      recordsChart.push(now, metricsOf.map((m, i) => (hasInputs[i] ? m.numRecordsInPerSecond : m.numRecordsOutPerSecond)));
      outPoolChart.push(now, metricsOf.map((m, i) => (hasOutputs[i] ? m.outPoolUsage * 100 : undefined)));
      inPoolChart.push(now, metricsOf.map((m, i) => (hasInputs[i] ? m.inPoolUsage * 100 : undefined)));
    },
    /** Fetches the exceptions when the page opens and whenever the job enters FAILING or FAILED (until one answer per state). */
    async updateExceptions(state) {
      if (exceptionsLoading || (exceptionsFetchedAt !== null && (state === exceptionsFetchedAt || !FAILURE_STATES.has(state)))) return;
      exceptionsLoading = true;
      try {
        renderExceptions(exceptions, await getJson(`/jobs/${jobId}/exceptions`));
        exceptionsFetchedAt = state;
      } catch (error) {
        // Shown in the panel, and asked again on the next refresh.
        exceptions.hidden = false;
        exceptions.dataset.state = 'error';
        exceptions.replaceChildren(el('h2', {}, 'Exceptions'), el('p', { class: 'form-result error' }, `Could not load the job's exceptions: ${error.message}`));
      } finally {
        exceptionsLoading = false;
      }
    },
    destroy() {
      for (const chart of [recordsChart, outPoolChart, inPoolChart]) chart.destroy();
    },
  };
}

/**
 * Fills the Exceptions panel from `GET /jobs/:id/exceptions` (Flink's "Exceptions" tab): the root exception (first
 * line, then the whole stack folded), when, where and its code, and the subtask failures that came with it. A job
 * that has not failed (`root-exception` null) shows no panel. Server text goes in as text nodes only (`el`).
 */
function renderExceptions(section, info) {
  const heading = el('h2', {}, 'Exceptions');
  if (info['root-exception'] === null || info['root-exception'] === undefined) {
    section.hidden = true;
    section.dataset.state = 'none';
    section.replaceChildren(heading, el('p', { class: 'muted' }, 'No exceptions.'));
    return;
  }
  const root = info.exceptionHistory?.entries?.[0] ?? {};
  const stack = root.stacktrace ?? info['root-exception'];
  const concurrent = root.concurrentExceptions ?? [];
  const taskManager = root.taskManagerId === undefined ? root.endpoint : root.endpoint === undefined ? root.taskManagerId : `${root.taskManagerId} (${root.endpoint})`;
  const field = (label, value, attributes = {}) => [el('dt', {}, label), el('dd', attributes, value ?? '–')];
  section.hidden = false;
  section.dataset.state = 'failed';
  section.replaceChildren(...[
    heading,
    el('div', { class: 'exception-root', id: 'root-exception' },
      el('div', { class: 'exception-message mono', id: 'root-exception-message' }, firstLine(stack)),
      el('dl', { class: 'exception-meta' },
        field('When', localTime(root.timestamp ?? info.timestamp), { 'data-field': 'time' }),
        field('Task', root.taskName, { 'data-field': 'task' }),
        field('TaskManager', taskManager, { class: 'mono', 'data-field': 'taskmanager' }),
        field('Exception', root.exceptionName, { class: 'mono', 'data-field': 'name' }),
        field('Code', root.code === undefined ? null : el('span', { class: 'exception-code mono' }, root.code), { 'data-field': 'code' })),
      el('details', { class: 'exception-stack' }, el('summary', {}, 'Full stack'), el('pre', { class: 'mono' }, stack))),
    concurrent.length === 0 ? null : el('div', { class: 'exception-concurrent' },
      el('h3', {}, `Concurrent exceptions (${concurrent.length})`),
      el('ul', {}, concurrent.map((entry) => el('li', { 'data-task': entry.taskName ?? '' },
        el('span', { class: 'exception-task' }, entry.taskName ?? '–'), ' ',
        el('span', { class: 'mono' }, firstLine(entry.stacktrace)),
        entry.code === undefined ? null : [' ', el('span', { class: 'exception-code mono' }, entry.code)])))),
  ].filter((child) => child !== null));
}

/** One row per vertex (level of its worst subtask, ratios, rates, pools), then one per subtask ('–': no such side). */
function renderBackpressureTable(table, vertices, backpressure, plan) {
  const withInputs = new Set(plan.vertices.filter((vertex) => vertex.inputs.length > 0).map((vertex) => vertex.id));
  const withOutputs = new Set(plan.vertices.filter((vertex) => vertex.outputs.length > 0).map((vertex) => vertex.id));
  const head = el('thead', {}, el('tr', {},
    el('th', {}, 'Vertex / subtask'), el('th', {}, 'Level'), el('th', { class: 'num' }, 'Backpressured'), el('th', { class: 'num' }, 'Idle'),
    el('th', { class: 'num' }, 'Busy'), el('th', { class: 'num' }, 'Records/s in'), el('th', { class: 'num' }, 'Records/s out'),
    el('th', { class: 'num' }, 'Out pool'), el('th', { class: 'num' }, 'In pool')));
  const body = el('tbody');
  vertices.forEach((vertex, i) => {
    const info = backpressure[i] ?? { status: 'deprecated' };
    const m = vertex.metrics ?? {};
    const subtasks = info.subtasks ?? [];
    const worst = subtasks.reduce((a, b) => (a === null || b.ratio > a.ratio ? b : a), null);
    body.append(el('tr', { class: 'vertex-row', 'data-vertex-id': vertex.id, 'data-level': info.backpressureLevel ?? '' },
      el('td', {}, vertex.name), el('td', {}, levelBadge(info.backpressureLevel)),
      el('td', { class: 'num' }, pct(worst?.ratio)), el('td', { class: 'num' }, pct(m.idleTimeMsPerSecond / 1000)), el('td', { class: 'num' }, pct(m.busyTimeMsPerSecond / 1000)),
      el('td', { class: 'num' }, withInputs.has(vertex.id) ? rate(m.numRecordsInPerSecond) : '–'),
      el('td', { class: 'num' }, withOutputs.has(vertex.id) ? rate(m.numRecordsOutPerSecond) : '–'),
      el('td', { class: 'num' }, withOutputs.has(vertex.id) ? pct(m.outPoolUsage) : '–'),
      el('td', { class: 'num' }, withInputs.has(vertex.id) ? pct(m.inPoolUsage) : '–')));
    for (const subtask of subtasks) {
      body.append(el('tr', { 'data-subtask': `${vertex.id}/${subtask.subtask}` },
        el('td', { class: 'muted' }, `  subtask ${subtask.subtask}`), el('td', {}, levelBadge(subtask.backpressureLevel)),
        el('td', { class: 'num' }, pct(subtask.ratio)), el('td', { class: 'num' }, pct(subtask.idleRatio)), el('td', { class: 'num' }, pct(subtask.busyRatio)),
        el('td', {}), el('td', {}), el('td', {}), el('td', {})));
    }
  });
  table.replaceChildren(head, body);
}

/** Names of the job's changeable rates: generator sources' `rateControl` and throttle operators' `name`. */
function throttleNamesOf(plan) {
  const names = new Set();
  for (const vertex of plan.vertices) {
    for (const operator of vertex.operators) {
      if (typeof operator.options?.rateControl === 'string') names.add(operator.options.rateControl);
      if (operator.kind === 'throttle' && typeof operator.options?.name === 'string') names.add(operator.options.name);
    }
  }
  return [...names];
}

/** The form that changes a throttle of the running job: `PATCH /jobs/:id/throttles` with `{ name, recordsPerSecond }`. */
function throttleForm(jobId, plan) {
  const names = throttleNamesOf(plan);
  const list = el('datalist', { id: 'throttle-names' }, names.map((name) => el('option', { value: name })));
  const name = el('input', { id: 'throttle-name', name: 'name', placeholder: 'throttle name', required: true, list: 'throttle-names', value: names[0] ?? '' });
  const recordsPerSecond = el('input', { id: 'throttle-rate', name: 'recordsPerSecond', placeholder: 'records/s (empty = unthrottled)', inputMode: 'numeric' });
  const token = el('input', { id: 'throttle-token', type: 'password', placeholder: 'cluster token (if set)', value: sessionStorage.getItem(TOKEN_KEY) ?? '' });
  const button = el('button', { type: 'submit' }, 'Set rate');
  const result = el('span', { class: 'form-result', id: 'throttle-result', role: 'status' });
  const form = el('form', { class: 'throttle', id: 'throttle-form' }, el('label', { for: 'throttle-name' }, 'Throttle'), name, list, recordsPerSecond, token, button, result);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = recordsPerSecond.value.trim();
    const rateValue = text === '' || /^inf(inity)?$/i.test(text) ? 'Infinity' : Number(text);
    if (token.value) sessionStorage.setItem(TOKEN_KEY, token.value);
    button.disabled = true;
    try {
      const headers = { 'content-type': 'application/json', accept: 'application/json', ...(token.value ? { 'x-sluice-token': token.value } : {}) };
      const response = await fetch(`/jobs/${jobId}/throttles`, { method: 'PATCH', headers, body: JSON.stringify({ name: name.value.trim(), recordsPerSecond: rateValue }) });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new Error(body.errors?.join('; ') ?? `HTTP ${response.status}`);
      result.className = 'form-result';
      result.textContent = `${name.value.trim()} set to ${rateValue === 'Infinity' ? 'unthrottled' : `${rateValue} records/s`} on ${body.taskmanagers} TaskManager(s).`;
    } catch (error) {
      result.className = 'form-result error';
      result.textContent = error.message;
    } finally {
      button.disabled = false;
    }
  });
  return el('section', { class: 'panel' }, el('h2', {}, 'Throttles'), form,
    el('p', { class: 'muted' }, names.length === 0 ? 'This job declares no named rate (fromGenerator({ rateControl }) or .throttle(name)).' : `Named rates of this job: ${names.join(', ')}.`));
}

window.addEventListener('hashchange', route);
route();
