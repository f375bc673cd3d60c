// Checks a `POST /jobs` body and its job graph before the JobManager schedules anything; every problem is reported at once.

import { RuntimeError } from '../errors.js';
import { topologicalOrder, type DirectedEdge } from '../graph/topological-order.js';
import type { JobSubmitRequest } from './rest-types.js';

/** Largest parallelism a vertex may have (Flink's upper bound of max parallelism). */
const MAX_PARALLELISM = 32_768;
/** Problems listed in one error before the rest are summarised. */
const MAX_PROBLEMS = 20;

/**
 * Checks that `body` is a {@link JobSubmitRequest} whose graph the JobManager can deploy: required fields present
 * with the right JSON types (unknown fields are fine), unique vertex and edge ids, edges between known vertices,
 * each vertex's `inputs`/`outputs` consistent with the edges' gate and partition indices, and no cycle.
 *
 * @returns `body`, typed.
 * @throws RuntimeError `ERR_RT_BAD_REQUEST` listing the problems (`jobGraph.vertices[1].parallelism: expected …`).
 */
export function validateSubmitRequest(body: unknown): JobSubmitRequest {
  const problems: string[] = [];
  const expect = (path: string, isOk: boolean, expected: string, value: unknown): boolean => {
    if (!isOk) problems.push(`${path}: expected ${expected}, got ${describe(value)}`);
    return isOk;
  };
  if (!isRecord(body)) throw badRequest([`request body: expected a JSON object, got ${describe(body)}`]);
  expect('jobName', typeof body.jobName === 'string', 'a string', body.jobName);
  expect('code', typeof body.code === 'string' && body.code.length > 0, 'the bundled job module (a non-empty string)', body.code);
  expect('programArgs', Array.isArray(body.programArgs) && body.programArgs.every((arg) => typeof arg === 'string'), 'an array of strings', body.programArgs);
  expect('contextConfig', isRecord(body.contextConfig), 'an object', body.contextConfig);
  if (expect('jobGraph', isRecord(body.jobGraph), 'an object (jobGraphToJson of the job)', body.jobGraph)) {
    checkGraph(body.jobGraph as Record<string, unknown>, expect, problems);
  }
  if (problems.length > 0) throw badRequest(problems);
  return body as unknown as JobSubmitRequest;
}

type Expect = (path: string, isOk: boolean, expected: string, value: unknown) => boolean;
type JsonObject = Record<string, unknown>;

function checkGraph(graph: JsonObject, expect: Expect, problems: string[]): void {
  expect('jobGraph.jobName', typeof graph.jobName === 'string', 'a string', graph.jobName);
  expect('jobGraph.config', isRecord(graph.config), 'an object', graph.config);
  const hasVertices = expect('jobGraph.vertices', Array.isArray(graph.vertices) && graph.vertices.length > 0, 'a non-empty array', graph.vertices);
  const hasEdges = expect('jobGraph.edges', Array.isArray(graph.edges), 'an array', graph.edges);
  if (!hasVertices || !hasEdges) return;
  const vertices = checkVertices(graph.vertices as unknown[], expect, problems);
  const edges = checkEdges(graph.edges as unknown[], vertices, expect, problems);
  if (problems.length > 0) return;
  checkLinks(vertices, edges, problems);
  if (problems.length > 0) return;
  const links: DirectedEdge[] = [...edges.values()].map((edge) => ({ sourceVertexId: edge.sourceVertexId as string, targetVertexId: edge.targetVertexId as string }));
  if (topologicalOrder([...vertices.keys()], links) === null) problems.push('jobGraph: the edges form a cycle');
}

/** Checks each vertex's fields; returns the well-formed ones by id. */
function checkVertices(list: unknown[], expect: Expect, problems: string[]): Map<string, JsonObject> {
  const vertices = new Map<string, JsonObject>();
  list.forEach((vertex, i) => {
    const at = `jobGraph.vertices[${i}]`;
    if (!expect(at, isRecord(vertex), 'an object', vertex)) return;
    const v = vertex as JsonObject;
    const hasId = expect(`${at}.id`, isId(v.id), 'a non-empty string', v.id);
    expect(`${at}.name`, typeof v.name === 'string', 'a string', v.name);
    expect(`${at}.parallelism`, isInt(v.parallelism, 1, MAX_PARALLELISM), `an integer in [1, ${MAX_PARALLELISM}]`, v.parallelism);
    expect(`${at}.maxParallelism`, isInt(v.maxParallelism, 1, MAX_PARALLELISM), `an integer in [1, ${MAX_PARALLELISM}]`, v.maxParallelism);
    expect(`${at}.slotSharingGroup`, typeof v.slotSharingGroup === 'string', 'a string', v.slotSharingGroup);
    expect(`${at}.operators`, Array.isArray(v.operators), 'an array', v.operators);
    const hasLinks = expect(`${at}.inputs`, isStringArray(v.inputs), 'an array of edge ids', v.inputs) &&
      expect(`${at}.outputs`, isStringArray(v.outputs), 'an array of edge ids', v.outputs);
    if (!hasId || !hasLinks) return;
    if (vertices.has(v.id as string)) problems.push(`${at}.id: duplicate vertex id ${v.id as string}`);
    else vertices.set(v.id as string, v);
  });
  return vertices;
}

/** Checks each edge's fields and ends; returns the well-formed ones by id. */
function checkEdges(list: unknown[], vertices: Map<string, JsonObject>, expect: Expect, problems: string[]): Map<string, JsonObject> {
  const edges = new Map<string, JsonObject>();
  list.forEach((edge, i) => {
    const at = `jobGraph.edges[${i}]`;
    if (!expect(at, isRecord(edge), 'an object', edge)) return;
    const e = edge as JsonObject;
    const hasId = expect(`${at}.id`, isId(e.id), 'a non-empty string', e.id);
    expect(`${at}.name`, typeof e.name === 'string', 'a string', e.name);
    const hasEnds =
      expect(`${at}.sourceVertexId`, typeof e.sourceVertexId === 'string' && vertices.has(e.sourceVertexId), 'the id of a vertex', e.sourceVertexId) &&
      expect(`${at}.targetVertexId`, typeof e.targetVertexId === 'string' && vertices.has(e.targetVertexId), 'the id of a vertex', e.targetVertexId);
    expect(`${at}.distributionPattern`, e.distributionPattern === 'POINTWISE' || e.distributionPattern === 'ALL_TO_ALL', '"POINTWISE" or "ALL_TO_ALL"', e.distributionPattern);
    expect(`${at}.partitioner`, isRecord(e.partitioner) && typeof e.partitioner.kind === 'string', 'a partitioner spec ({ kind, … })', e.partitioner);
    expect(`${at}.serializer`, isRecord(e.serializer) && (e.serializer.kind === 'typed' || e.serializer.kind === 'msgpackr'), 'a serializer spec ({ kind: "typed" | "msgpackr", … })', e.serializer);
    const hasIndices =
      expect(`${at}.resultPartitionIndex`, isInt(e.resultPartitionIndex, 0, Number.MAX_SAFE_INTEGER), 'a non-negative integer', e.resultPartitionIndex) &&
      expect(`${at}.inputGateIndex`, isInt(e.inputGateIndex, 0, Number.MAX_SAFE_INTEGER), 'a non-negative integer', e.inputGateIndex);
    if (!hasId) return;
    if (edges.has(e.id as string)) problems.push(`${at}.id: duplicate edge id ${e.id as string}`);
    else if (hasEnds && hasIndices) edges.set(e.id as string, e);
  });
  return edges;
}

/** Each vertex lists exactly its edges, at the positions (gate, partition index) the edges name. */
function checkLinks(vertices: Map<string, JsonObject>, edges: Map<string, JsonObject>, problems: string[]): void {
  for (const [id, vertex] of vertices) {
    const at = `vertex ${id}`;
    (vertex.outputs as string[]).forEach((edgeId, k) => {
      const edge = edges.get(edgeId);
      if (edge === undefined || edge.sourceVertexId !== id) problems.push(`${at}: outputs[${k}] = ${edgeId} is not an edge from this vertex`);
      else if (edge.resultPartitionIndex !== k) problems.push(`${at}: outputs[${k}] = ${edgeId} has resultPartitionIndex ${String(edge.resultPartitionIndex)}`);
    });
    (vertex.inputs as string[]).forEach((edgeId, k) => {
      const edge = edges.get(edgeId);
      if (edge === undefined || edge.targetVertexId !== id) problems.push(`${at}: inputs[${k}] = ${edgeId} is not an edge into this vertex`);
      else if (edge.inputGateIndex !== k) problems.push(`${at}: inputs[${k}] = ${edgeId} has inputGateIndex ${String(edge.inputGateIndex)}`);
    });
  }
  for (const [edgeId, edge] of edges) {
    if (!(vertices.get(edge.sourceVertexId as string)!.outputs as string[]).includes(edgeId)) problems.push(`edge ${edgeId}: missing from the outputs of vertex ${edge.sourceVertexId as string}`);
    if (!(vertices.get(edge.targetVertexId as string)!.inputs as string[]).includes(edgeId)) problems.push(`edge ${edgeId}: missing from the inputs of vertex ${edge.targetVertexId as string}`);
  }
}


function badRequest(problems: string[]): RuntimeError {
  const shown = problems.length > MAX_PROBLEMS ? [...problems.slice(0, MAX_PROBLEMS), `… and ${problems.length - MAX_PROBLEMS} more`] : problems;
  return new RuntimeError('ERR_RT_BAD_REQUEST', `invalid job submission: ${shown.join('; ')}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 256;
}

function isInt(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
