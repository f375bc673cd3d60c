// A strict parser of the Prometheus text exposition format (0.0.4) for tests: what a stock Prometheus scrape would accept.

/** One sample line: metric name, labels and value. */
export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A parsed exposition: every sample, and the declared type and help of each metric family. */
export interface PrometheusExposition {
  samples: PrometheusSample[];
  types: Map<string, string>;
  help: Map<string, string>;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/**
 * Parses `text`, throwing on the first line Prometheus would reject (naming it): bad metric or label names,
 * unterminated or badly escaped label values, values that are not floats, a TYPE after samples of its family,
 * two TYPE lines for one family, a duplicate series.
 */
export function parsePrometheusText(text: string): PrometheusExposition {
  const samples: PrometheusSample[] = [];
  const types = new Map<string, string>();
  const help = new Map<string, string>();
  const seenFamilies = new Set<string>();
  const seenSeries = new Set<string>();
  text.split('\n').forEach((line, i) => {
    const fail = (why: string): never => {
      throw new Error(`line ${i + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (match === null) return; // a plain comment
      const [, kind, name, rest] = match;
      if (!METRIC_NAME.test(name)) fail('bad metric name');
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) fail('unknown type');
        if (types.has(name)) fail('second TYPE line');
        if (seenFamilies.has(name)) fail('TYPE after samples');
        types.set(name, rest);
      } else {
        help.set(name, rest);
      }
      return;
    }
    const head = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line) ?? fail('no metric name');
    const name = head[1];
    let pos = name.length;
    const labels: Record<string, string> = {};
    if (line[pos] === '{') {
      pos++;
      while (line[pos] !== '}') {
        const labelMatch = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(pos)) ?? fail('bad label');
        const label = labelMatch[1];
        if (!LABEL_NAME.test(label) || label in labels) fail(`bad or repeated label ${label}`);
        pos += labelMatch[0].length;
        let value = '';
        for (;;) {
          const c = line[pos++];
          if (c === undefined) fail('unterminated label value');
          if (c === '"') break;
          if (c === '\\') {
            const escaped = line[pos++];
            if (escaped === 'n') value += '\n';
            else if (escaped === '\\' || escaped === '"') value += escaped;
            else fail('bad escape in label value');
          } else value += c;
        }
        labels[label] = value;
        if (line[pos] === ',') pos++;
        else if (line[pos] !== '}') fail('expected , or } after a label');
      }
      pos++;
    }
    const rest = /^ +(\S+)(?: +(-?\d+))?$/.exec(line.slice(pos)) ?? fail('bad value part');
    const raw = rest[1];
    const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : raw === 'NaN' ? NaN : Number(raw);
    if (Number.isNaN(value) && raw !== 'NaN') fail('value is not a float');
    const family = name.replace(/_(bucket|sum|count)$/, '');
    seenFamilies.add(name);
    seenFamilies.add(family);
    const key = `${name}{${Object.entries(labels).sort().map(([k, v]) => `${k}=${v}`).join(',')}}`;
    if (seenSeries.has(key)) fail('duplicate series');
    seenSeries.add(key);
    samples.push({ name, labels, value });
  });
  return { samples, types, help };
}
