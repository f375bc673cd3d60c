// Draws one mode's chart as SVG with vega-lite: producer and consumer throughput as % of the maximum over time, like the 2015 post.
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { formatRate } from '../../../../scripts/lib/bench-harness.js';
import { PHASES, type ModeDetails, type PhaseSpec } from './experiment-types.js';

/** The original's colours: producer yellow/orange, consumer green. */
export const CHART_COLOURS = { producer: '#f0a30a', consumer: '#2e9e44' } as const;

const CHANNEL_TEXT = { local: 'one TaskManager, local channel', credit: 'two TaskManagers, credit-based flow control', legacy: 'two TaskManagers, legacy flow control' } as const;

/** What a phase's start changes, as its rule's label. */
function phaseLabel(spec: PhaseSpec): string {
  if (spec.producerPct !== null) return `producer → ${spec.producerPct} %`;
  if (spec.consumerPct !== null) return `consumer → ${spec.consumerPct} %`;
  return 'consumer released';
}

/**
 * The vega-lite spec of a mode's chart: thick lines with points for the `timing.windowMs` windows (5 s in a full
 * run, as the original counted records every 5 s; the producer's wider, so both show where they coincide),
 * thin faint lines for the 100 ms samples, a dotted step for
 * the expected level, and a dashed rule with a label where each phase starts. Time is in seconds from the
 * first phase.
 */
export function chartSpec(details: ModeDetails): vl.TopLevelSpec {
  const t0 = details.scheduleStartMs;
  const max = details.maxRecordsPerSec;
  const seconds = (ms: number) => Math.round(ms - t0) / 1000;
  const pct = (perSec: number) => Math.round((perSec / max) * 1000) / 10;
  const series = (samples: ModeDetails['samples'], at: (s: ModeDetails['samples'][number]) => number) =>
    samples.flatMap((s) => [
      { t: seconds(at(s)), task: 'producer', pct: pct(s.producerPerSec) },
      { t: seconds(at(s)), task: 'consumer', pct: pct(s.consumerPerSec) },
    ]);
  const fine = series(details.samples.filter((s) => s.atMs >= t0), (s) => s.atMs + s.durationMs / 2);
  const windows = series(details.windows, (s) => s.atMs + s.durationMs / 2);
  const rules = details.phases.map((phase, i) => ({ t: seconds(phase.startMs), label: phaseLabel(PHASES[i]) }));
  const expected = [
    ...details.phases.map((phase) => ({ t: seconds(phase.startMs), pct: phase.expectedPct })),
    { t: seconds(details.scheduleEndMs), pct: details.phases.at(-1)!.expectedPct },
  ];
  const endS = seconds(details.scheduleEndMs);
  // 0–125 %, or higher when a window went above 115 % (a calibration that ran slow); 100 ms spikes are clamped.
  const topPct = Math.max(125, Math.ceil((Math.max(...windows.map((w) => w.pct)) + 10) / 25) * 25);
  const x = { field: 't', type: 'quantitative' as const, title: 'time (s)', scale: { domain: [0, endS], nice: false } };
  const yScale = { domain: [0, topPct], clamp: true };
  const y = { field: 'pct', type: 'quantitative' as const, title: 'throughput (% of max)', scale: yScale };
  const colour = {
    field: 'task',
    type: 'nominal' as const,
    title: null,
    scale: { domain: ['producer', 'consumer'], range: [CHART_COLOURS.producer, CHART_COLOURS.consumer] },
    legend: { orient: 'bottom' as const, direction: 'horizontal' as const, symbolOpacity: 1, symbolStrokeWidth: 3, symbolType: 'stroke' },
  };
  const only = (task: string) => ({ filter: `datum.task === '${task}'` });
  const windowText = `${details.timing.windowMs / 1000} s`;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 760,
    height: 320,
    background: 'white',
    title: {
      text: `Backpressure experiment: ${details.mode} (${CHANNEL_TEXT[details.mode]})`,
      subtitle: `producer and consumer throughput as % of the calibrated maximum, records ${formatRate(max)}; thick: ${windowText} windows, thin: 100 ms samples, dotted: expected`,
      anchor: 'start',
    },
    layer: [
      { data: { values: rules }, mark: { type: 'rule', strokeDash: [4, 4], color: '#888' }, encoding: { x } },
      {
        data: { values: rules },
        mark: { type: 'text', align: 'left', baseline: 'top', dx: 4, fontSize: 11, color: '#444' },
        encoding: { x, y: { datum: topPct - 2, type: 'quantitative', scale: yScale }, text: { field: 'label' } },
      },
      { data: { values: expected }, mark: { type: 'line', interpolate: 'step-after', strokeDash: [1, 3], color: '#666', strokeWidth: 1.5 }, encoding: { x, y } },
      { data: { values: fine }, mark: { type: 'line', strokeWidth: 1, opacity: 0.45 }, encoding: { x, y, color: colour } },
      // The producer wide and the consumer narrow on top, so that both stay visible where they coincide.
      { data: { values: windows }, transform: [only('producer')], mark: { type: 'line', strokeWidth: 6, point: { size: 110, filled: true } }, encoding: { x, y, color: colour } },
      { data: { values: windows }, transform: [only('consumer')], mark: { type: 'line', strokeWidth: 2.5, point: { size: 40, filled: true } }, encoding: { x, y, color: colour } },
    ],
  };
}

/** Renders {@link chartSpec} to an SVG document (vega's headless renderer; no canvas needed). */
export async function renderChart(details: ModeDetails): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(chartSpec(details)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
