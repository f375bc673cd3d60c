// The job graph of the dashboard: a layered left-to-right layout in SVG, each vertex coloured as Flink's web UI colours it.

/** Flink's node colours (FLINK-14814, web-dashboard `node.component.ts`): idle blue, busy red, backpressured grey/black. */
export const VERTEX_COLORS = {
  background: { idle: '#5db1ff', busy: '#ee6464', backPressured: '#888888' },
  border: { idle: '#1890ff', busy: '#ee2222', backPressured: '#000000' },
};

const NODE_WIDTH = 240;
const NODE_HEIGHT = 92;
const COLUMN_GAP = 90;
const ROW_GAP = 28;
const MARGIN = 16;
const SVG_NS = 'http://www.w3.org/2000/svg';

/** `#rrggbb` blended linearly toward `to` by `share` (0..1), as Flink's `blend` does for opaque colours. */
export function blend(from, to, share) {
  const p = Math.min(1, Math.max(0, share));
  const a = parseInt(from.slice(1), 16);
  const b = parseInt(to.slice(1), 16);
  const channel = (shift) => Math.round((((b >> shift) & 255) - ((a >> shift) & 255)) * p + ((a >> shift) & 255));
  return `#${((1 << 24) + (channel(16) << 16) + (channel(8) << 8) + channel(0)).toString(16).slice(1)}`;
}

/**
 * A vertex's fill and border from its subtasks' worst busy and backpressured ms/s: start blue, blend toward red
 * by busy %, then toward grey (border: black) by backpressured %. Without metrics the vertex stays blue.
 */
export function vertexColors(busyMsPerSecond, backPressuredMsPerSecond) {
  const busy = Number.isFinite(busyMsPerSecond) ? Math.min(100, busyMsPerSecond / 10) : 0;
  const backPressured = Number.isFinite(backPressuredMsPerSecond) ? Math.min(100, backPressuredMsPerSecond / 10) : 0;
  let fill = VERTEX_COLORS.background.idle;
  let stroke = VERTEX_COLORS.border.idle;
  if (busy > 0) {
    fill = blend(fill, VERTEX_COLORS.background.busy, busy / 100);
    stroke = blend(stroke, VERTEX_COLORS.border.busy, busy / 100);
  }
  if (backPressured > 0) {
    fill = blend(fill, VERTEX_COLORS.background.backPressured, backPressured / 100);
    stroke = blend(stroke, VERTEX_COLORS.border.backPressured, backPressured / 100);
  }
  return { fill, stroke, busy, backPressured };
}

/** Column (longest path from a source) and row of every vertex of `plan` (a JobGraphJson). */
export function layoutGraph(plan) {
  const column = new Map(plan.vertices.map((vertex) => [vertex.id, 0]));
  for (let pass = 0; pass < plan.vertices.length; pass++) {
    let changed = false;
    for (const edge of plan.edges) {
      const next = (column.get(edge.sourceVertexId) ?? 0) + 1;
      if (next > (column.get(edge.targetVertexId) ?? 0)) {
        column.set(edge.targetVertexId, next);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const rows = new Map();
  const positions = new Map();
  for (const vertex of plan.vertices) {
    const c = column.get(vertex.id) ?? 0;
    const r = rows.get(c) ?? 0;
    rows.set(c, r + 1);
    positions.set(vertex.id, { x: MARGIN + c * (NODE_WIDTH + COLUMN_GAP), y: MARGIN + r * (NODE_HEIGHT + ROW_GAP) });
  }
  const numColumns = Math.max(1, ...[...column.values()].map((c) => c + 1));
  const numRows = Math.max(1, ...rows.values());
  return { positions, width: 2 * MARGIN + numColumns * NODE_WIDTH + (numColumns - 1) * COLUMN_GAP, height: 2 * MARGIN + numRows * NODE_HEIGHT + (numRows - 1) * ROW_GAP };
}

function svg(name, attributes = {}, text) {
  const element = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

function shorten(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function percent(value) {
  return Number.isFinite(value) ? `${Math.round(value)}%` : 'N/A';
}

/**
 * Draws the graph into `container` once (vertices, edges with their partitioner) and returns `update(vertices)`,
 * which recolours each vertex from `GET /jobs/:id`'s vertex metrics (max over subtasks of busy and
 * backpressured ms/s) and writes its figures. Each vertex group carries data attributes for tests.
 */
export function drawJobGraph(container, plan) {
  const { positions, width, height } = layoutGraph(plan);
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'job graph' });
  const defs = svg('defs');
  const marker = svg('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#9aa5b1' }));
  defs.append(marker);
  root.append(defs);

  for (const edge of plan.edges) {
    const from = positions.get(edge.sourceVertexId);
    const to = positions.get(edge.targetVertexId);
    if (from === undefined || to === undefined) continue;
    const x1 = from.x + NODE_WIDTH;
    const y1 = from.y + NODE_HEIGHT / 2;
    const x2 = to.x;
    const y2 = to.y + NODE_HEIGHT / 2;
    const mid = (x1 + x2) / 2;
    root.append(svg('path', { class: 'edge', d: `M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2 - 2} ${y2}`, 'marker-end': 'url(#arrow)' }));
    const label = (edge.partitioner?.kind ?? '').toUpperCase();
    root.append(svg('text', { class: 'edge-label', x: mid, y: (y1 + y2) / 2 - 6, 'text-anchor': 'middle' }, label));
  }

  const nodes = new Map();
  for (const vertex of plan.vertices) {
    const { x, y } = positions.get(vertex.id);
    const group = svg('g', { class: 'vertex', 'data-vertex-id': vertex.id, 'data-name': vertex.name, transform: `translate(${x} ${y})` });
    const box = svg('rect', { width: NODE_WIDTH, height: NODE_HEIGHT, rx: 6, ry: 6, fill: VERTEX_COLORS.background.idle, stroke: VERTEX_COLORS.border.idle, 'stroke-width': 2 });
    const title = svg('title', {}, vertex.name);
    const name = svg('text', { class: 'vertex-label vertex-name', x: 10, y: 22 }, shorten(vertex.name, 28));
    const parallelism = svg('text', { class: 'vertex-label', x: 10, y: 42 }, `Parallelism: ${vertex.parallelism}`);
    const backPressured = svg('text', { class: 'vertex-label', x: 10, y: 62 }, 'Backpressured (max): N/A');
    const busy = svg('text', { class: 'vertex-label', x: 10, y: 80 }, 'Busy (max): N/A');
    group.append(title, box, name, parallelism, backPressured, busy);
    root.append(group);
    nodes.set(vertex.id, { group, box, backPressured, busy });
  }
  container.replaceChildren(root);

  return function update(vertices) {
    for (const vertex of vertices) {
      const node = nodes.get(vertex.id);
      if (node === undefined) continue;
      const metrics = vertex.metrics ?? {};
      const colors = vertexColors(metrics.busyTimeMsPerSecond, metrics.backPressuredTimeMsPerSecond);
      const hasMetrics = Number.isFinite(metrics.busyTimeMsPerSecond);
      node.box.setAttribute('fill', colors.fill);
      node.box.setAttribute('stroke', colors.stroke);
      node.backPressured.textContent = `Backpressured (max): ${hasMetrics ? percent(colors.backPressured) : 'N/A'}`;
      node.busy.textContent = `Busy (max): ${hasMetrics ? percent(colors.busy) : 'N/A'}`;
      node.group.dataset.fill = colors.fill;
      node.group.dataset.busy = hasMetrics ? String(Math.round(colors.busy)) : '';
      node.group.dataset.backpressured = hasMetrics ? String(Math.round(colors.backPressured)) : '';
      node.group.dataset.status = vertex.status;
    }
  };
}
