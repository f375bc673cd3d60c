import { describe, expect, it } from 'vitest';
import { StreamExecutionEnvironment } from '../../src/api/environment.js';
import { formatJobGraph, formatSerializer, jobGraphToJson } from '../../src/graph/format-plan.js';
import type { JobGraph } from '../../src/graph/job-graph.js';

/** A word-count-like job: typed generator → map → filter, keyBy → sum → print, plus a side output in its own group. */
function wordCount(): JobGraph {
  const env = new StreamExecutionEnvironment({ parallelism: 2 });
  const source = env
    .fromGenerator((i) => ({ key: i % 10, value: i }), { ratePerSecond: 1000, rateControl: 'producer', shape: { key: 'int32', value: 'float64' } })
    .name('gen')
    .uid('gen');
  const filtered = source.map((r) => ({ key: r.key, value: r.value / 2 })).filter((r) => r.value > 1);
  filtered.keyBy((r) => r.key).sum('value').uid('sum').print();
  source.rebalance().writeAsText('/tmp/out.txt').slotSharingGroup('io').setParallelism(1);
  return env.getJobGraph('word count');
}

describe('formatJobGraph', () => {
  // The ids are pinned on purpose: the same program must keep its ids across versions (uids and savepoints).
  it('prints vertices with ids, chains, parallelism and slot sharing groups, then edges', () => {
    expect(formatJobGraph(wordCount())).toBe(
      [
        'Job "word count": 3 vertices, 2 edges, 3 slots',
        '',
        'Vertex 1: Source: gen -> Map -> Filter',
        '  id 217e86d647362bd0a567096c55098a5e  parallelism 2  max parallelism 128  slot sharing group "default"',
        '    217e86d647362bd0a567096c55098a5e  Source: gen  source-generator  uid "gen"',
        '    8692ca144b22c870669242d748c1fb36  Map  map',
        '    3b44a7f6234d0ba772b35dcc8040c6cc  Filter  filter',
        '',
        'Vertex 2: Keyed Aggregation -> Sink: Print to Std. Out',
        '  id 33d5bbc7c7dc88e498542cf2d2eedf78  parallelism 2  max parallelism 128  slot sharing group "default"',
        '    33d5bbc7c7dc88e498542cf2d2eedf78  Keyed Aggregation  keyed-sum  uid "sum"',
        '    edf831a754a65693453badbe074729a9  Sink: Print to Std. Out  sink-print',
        '',
        'Vertex 3: Sink: Text File Sink',
        '  id 612af19bc35be1c68dd9c5915884688b  parallelism 1  max parallelism 128  slot sharing group "io"',
        '    612af19bc35be1c68dd9c5915884688b  Sink: Text File Sink  sink-file',
        '',
        'Edges',
        '  1 -> 2  HASH (128 key groups)  ALL_TO_ALL  msgpackr  Filter -> Keyed Aggregation',
        '  1 -> 3  REBALANCE  ALL_TO_ALL  typed {key:int32,value:float64}  Source: gen -> Sink: Text File Sink',
        '',
      ].join('\n'),
    );
  });
});

describe('formatSerializer', () => {
  it('names the serializer kind and its shape or structures', () => {
    expect(formatSerializer({ kind: 'typed', shape: { key: 'int32', value: 'float64' } })).toBe('typed {key:int32,value:float64}');
    expect(formatSerializer({ kind: 'msgpackr' })).toBe('msgpackr');
    expect(formatSerializer({ kind: 'msgpackr', structures: [['a'], ['b', 'c']] })).toBe('msgpackr (2 structures)');
  });
});

describe('jobGraphToJson', () => {
  it('is plain JSON: no functions, non-finite numbers as strings, and it round-trips', () => {
    const json = jobGraphToJson(wordCount());
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
    expect(json.requiredSlots).toBe(3);
    expect(json.vertices[0].operators[0]).toMatchObject({
      kind: 'source-generator',
      uid: 'gen',
      chainingStrategy: 'head',
      options: { count: 'Infinity', ratePerSecond: 1000, rateControl: 'producer' },
      outputSerializer: { kind: 'typed', shape: { key: 'int32', value: 'float64' } },
    });
    expect(json.vertices[0].operators[1]).not.toHaveProperty('fn');
    expect(json.edges.map((e) => [e.partitioner, e.serializer.kind])).toEqual([
      [{ kind: 'hash', maxParallelism: 128 }, 'msgpackr'],
      [{ kind: 'rebalance' }, 'typed'],
    ]);
    expect(json.edges[0]).not.toHaveProperty('keySelector');
    expect(json.vertices[2]).toMatchObject({ name: 'Sink: Text File Sink', slotSharingGroup: 'io', parallelism: 1 });
  });
});
