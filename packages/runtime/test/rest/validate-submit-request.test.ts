import { describe, expect, it } from 'vitest';
import { validateSubmitRequest } from '../../src/rest/validate-submit-request.js';
import { sourceToSink, submission, threeEdges } from '../jobmanager/graphs.js';

const problemsOf = (body: unknown): string => {
  try {
    validateSubmitRequest(body);
  } catch (error) {
    expect(error).toMatchObject({ code: 'ERR_RT_BAD_REQUEST' });
    return (error as Error).message;
  }
  throw new Error('expected the request to be rejected');
};

describe('validateSubmitRequest', () => {
  it('accepts what jobGraphToJson makes, extra fields included', () => {
    const body = { ...submission(threeEdges(2, 3, 1)), extra: [1, 2] };
    expect(validateSubmitRequest(body)).toBe(body);
  });

  it('lists every missing or mistyped field with its path', () => {
    const message = problemsOf({ jobName: 7, code: '', programArgs: [1], contextConfig: [], jobGraph: { jobName: 'x', config: {}, vertices: [{ id: 'v', parallelism: 0 }], edges: [] } });
    for (const part of [
      'jobName: expected a string, got 7',
      'code: expected the bundled job module (a non-empty string), got ""',
      'programArgs: expected an array of strings, got [1]',
      'contextConfig: expected an object, got []',
      'jobGraph.vertices[0].parallelism: expected an integer in [1, 32768], got 0',
      'jobGraph.vertices[0].inputs: expected an array of edge ids, got nothing',
    ]) {
      expect(message).toContain(part);
    }
    expect(problemsOf(null)).toContain('request body: expected a JSON object, got null');
  });

  it('rejects duplicate ids, edges a vertex does not list, wrong gate indices and cycles', () => {
    const graph = sourceToSink(1, 1);
    const [source, sink] = graph.vertices;
    const edge = graph.edges[0];
    expect(problemsOf({ ...submission(graph), jobGraph: { ...graph, vertices: [source, source, sink] } })).toContain(`duplicate vertex id ${source.id}`);
    expect(problemsOf({ ...submission(graph), jobGraph: { ...graph, vertices: [source, { ...sink, inputs: [] }] } })).toContain(`edge ${edge.id}: missing from the inputs of vertex ${sink.id}`);
    expect(problemsOf({ ...submission(graph), jobGraph: { ...graph, edges: [{ ...edge, inputGateIndex: 1 }] } })).toContain(`inputs[0] = ${edge.id} has inputGateIndex 1`);
    const back = { ...edge, id: 'back', sourceVertexId: sink.id, targetVertexId: source.id, resultPartitionIndex: 0, inputGateIndex: 0 };
    const cyclic = { ...graph, vertices: [{ ...source, inputs: ['back'] }, { ...sink, outputs: ['back'] }], edges: [edge, back] };
    expect(problemsOf({ ...submission(graph), jobGraph: cyclic })).toContain('the edges form a cycle');
  });
});
