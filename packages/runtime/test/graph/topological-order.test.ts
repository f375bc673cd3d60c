import { describe, expect, it } from 'vitest';
import { topologicalOrder } from '../../src/graph/topological-order.js';

const edge = (sourceVertexId: string, targetVertexId: string) => ({ sourceVertexId, targetVertexId });

describe('topologicalOrder', () => {
  it('keeps an order that is already topological', () => {
    expect(topologicalOrder(['a', 'b', 'c'], [edge('a', 'b'), edge('b', 'c'), edge('a', 'c')])).toEqual(['a', 'b', 'c']);
  });

  it('puts producers before consumers whatever the given order, ties in the given order', () => {
    expect(topologicalOrder(['sink', 'map', 'src2', 'src1'], [edge('src1', 'map'), edge('src2', 'map'), edge('map', 'sink')])).toEqual(['src2', 'src1', 'map', 'sink']);
  });

  it('returns null for a cycle', () => {
    expect(topologicalOrder(['a', 'b', 'c'], [edge('a', 'b'), edge('b', 'c'), edge('c', 'b')])).toBeNull();
    expect(topologicalOrder(['a'], [edge('a', 'a')])).toBeNull();
  });

  it('rejects an edge to an unknown vertex', () => {
    expect(() => topologicalOrder(['a'], [edge('a', 'x')])).toThrow(RangeError);
  });
});
