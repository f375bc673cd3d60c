// Live line charts of the dashboard, one series per vertex, drawn by uPlot (loaded as the global `uPlot`).

/** Points kept per series: two minutes at one refresh per second. */
const MAX_POINTS = 120;
/** Series colours, one per vertex in graph order. */
const PALETTE = ['#1890ff', '#ee6464', '#2e9d5b', '#d48806', '#722ed1', '#13a8a8', '#eb2f96', '#595959'];

/**
 * A uPlot chart of one value per vertex over time. `push(timeSeconds, values)` appends one point per series
 * (null where a vertex has no value yet) and redraws; the chart follows its container's width.
 */
export class LiveChart {
  /**
   * @param container - element the chart is drawn in
   * @param title - caption above the chart
   * @param seriesNames - one name per vertex
   * @param options - `unit` appended to values, `max` a fixed upper bound of the y axis (e.g. 100 for percent)
   */
  constructor(container, title, seriesNames, options = {}) {
    this.times = [];
    this.values = seriesNames.map(() => []);
    const caption = document.createElement('div');
    caption.className = 'chart-title';
    caption.textContent = title;
    const target = document.createElement('div');
    container.replaceChildren(caption, target);
    const unit = options.unit ?? '';
    const format = (value) => (value === null || value === undefined ? '–' : `${formatNumber(value)}${unit}`);
    this.plot = new window.uPlot(
      {
        width: Math.max(300, container.clientWidth - 8),
        height: 210,
        scales: { x: { time: true }, y: options.max === undefined ? { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } : { range: [0, options.max] } },
        axes: [{}, { values: (_u, ticks) => ticks.map((tick) => `${formatNumber(tick)}${unit}`), size: 70 }],
        series: [{}, ...seriesNames.map((name, i) => ({ label: name, stroke: PALETTE[i % PALETTE.length], width: 2, value: (_u, value) => format(value) }))],
        legend: { live: true },
      },
      [this.times, ...this.values],
      target,
    );
    this.resizeObserver = new ResizeObserver(() => this.plot.setSize({ width: Math.max(300, container.clientWidth - 8), height: 210 }));
    this.resizeObserver.observe(container);
  }

  /** Appends one point per series at `timeSeconds` and redraws. */
  push(timeSeconds, values) {
    this.times.push(timeSeconds);
    values.forEach((value, i) => this.values[i].push(Number.isFinite(value) ? value : null));
    if (this.times.length > MAX_POINTS) {
      this.times.shift();
      for (const series of this.values) series.shift();
    }
    this.plot.setData([this.times, ...this.values]);
  }

  /** Removes the chart and stops following its container. */
  destroy() {
    this.resizeObserver.disconnect();
    this.plot.destroy();
  }
}

/** 12 345 → "12.3k"; small numbers keep one decimal. */
export function formatNumber(value) {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toFixed(1)}G`;
  if (abs >= 1e6) return `${(value / 1e6).toFixed(1)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toFixed(1)}k`;
  if (abs >= 100) return String(Math.round(value));
  return String(Math.round(value * 10) / 10);
}
