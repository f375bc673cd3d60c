// The built-in sinks (print, text file, discarding, user SinkFunction): their validation and operator descriptors.

import { RuntimeError } from '../errors.js';
import type { OperatorDescriptor } from '../graph/operator-descriptor.js';
import { describeValue } from '../serialization/record-shape.js';
import type { SinkFunction } from './functions.js';

/** Default names of the built-in sinks (shown as `Sink: <name>`), Flink's where Flink has one. */
export const DEFAULT_SINK_NAMES = {
  print: 'Print to Std. Out',
  printToErr: 'Print to Std. Err',
  file: 'Text File Sink',
  discard: 'Discarding Sink',
  function: 'Unnamed',
} as const;

/** The descriptor of a sink printing each record as a line to stdout or stderr (see `PrintSinkOptions`). */
export function createPrintSink(prefix: string | undefined, target: 'stdout' | 'stderr'): OperatorDescriptor {
  if (prefix !== undefined && typeof prefix !== 'string') {
    throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `a print prefix must be a string, got ${describeValue(prefix)}`);
  }
  return { kind: 'sink-print', options: { prefix, target } };
}

/** The descriptor of a sink writing each record as a line to the text file(s) at `path` (see `FileSinkOptions`). */
export function createFileSink(path: string): OperatorDescriptor {
  if (typeof path !== 'string' || path === '') {
    throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `writeAsText needs a non-empty path, got ${describeValue(path)}`);
  }
  return { kind: 'sink-file', options: { path } };
}

/** The descriptor of a sink that drops every record (Flink's DiscardingSink), for benchmarks. */
export function createDiscardingSink(): OperatorDescriptor {
  return { kind: 'sink-discard', options: {} };
}

/** The descriptor of a sink calling the user's `sink.invoke(record)` per record. */
export function createFunctionSink(sink: SinkFunction<unknown>): OperatorDescriptor {
  if (sink === null || typeof sink !== 'object' || typeof sink.invoke !== 'function') {
    throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `addSink needs an object with an invoke(value) method, got ${describeValue(sink)}`);
  }
  return { kind: 'sink-function', fn: sink, options: {} };
}
