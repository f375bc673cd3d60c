// The built-in sources (generator, collection, text file): their user-facing options, validation and operator descriptors.

import { RuntimeError } from '../errors.js';
import type { OperatorDescriptor } from '../graph/operator-descriptor.js';
import { describeValue, type RecordShape } from '../serialization/record-shape.js';
import type { GeneratorFunction } from './functions.js';

/** Default names of the built-in sources (shown as `Source: <name>`). */
export const DEFAULT_SOURCE_NAMES = {
  generator: 'Generator Source',
  collection: 'Collection Source',
  file: 'File Source',
} as const;

/** Options of `env.fromGenerator(fn, options)`. */
export interface FromGeneratorOptions {
  /**
   * Target records per second over all subtasks, each subtask taking an equal share; `Infinity` = as fast
   * as the job can take them (backpressure permitting).
   * @default Infinity
   */
  readonly ratePerSecond?: number;
  /**
   * The name under which the rate can be changed while the job runs (e.g. `'producer'`); sources that share
   * a name change together. Without it the rate is fixed.
   */
  readonly rateControl?: string;
  /**
   * Records to generate, indices `0 … count - 1`; `Infinity` = unbounded.
   * @default Infinity
   */
  readonly count?: number;
  /** The shape of the generated records, which selects the typed serializer (same as `.returns(shape)`). */
  readonly shape?: RecordShape;
}

/** Options of `env.fromCollection(elements, options)`. */
export interface FromCollectionOptions {
  /** The shape of the elements, which selects the typed serializer (same as `.returns(shape)`). */
  readonly shape?: RecordShape;
}

/**
 * The descriptor of a generator source calling `fn(index)`.
 * @throws RuntimeError `ERR_RT_BAD_ARGUMENT` for a non-function, a rate that is not > 0, a count that is
 *   not a non-negative integer or Infinity, or an empty rate control name
 */
export function createGeneratorSource(fn: GeneratorFunction<unknown>, options: FromGeneratorOptions = {}): OperatorDescriptor {
  checkFunction('fromGenerator', fn);
  const ratePerSecond = options.ratePerSecond ?? Infinity;
  if (typeof ratePerSecond !== 'number' || !(ratePerSecond > 0)) {
    throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `ratePerSecond must be a number > 0 or Infinity, got ${describeValue(ratePerSecond)}`);
  }
  const count = options.count ?? Infinity;
  if (typeof count !== 'number' || !(count === Infinity || (Number.isSafeInteger(count) && count >= 0))) {
    throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `count must be a non-negative integer or Infinity, got ${describeValue(count)}`);
  }
  const rateControl = options.rateControl;
  if (rateControl !== undefined && (typeof rateControl !== 'string' || rateControl === '')) {
    throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `rateControl must be a non-empty string, got ${describeValue(rateControl)}`);
  }
  return { kind: 'source-generator', fn, options: { count, ratePerSecond, rateControl } };
}

/** The descriptor of a collection source over a copy of `elements`; it runs as one subtask. */
export function createCollectionSource(elements: Iterable<unknown>): OperatorDescriptor {
  if (elements === null || typeof elements !== 'object' || typeof (elements as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `fromCollection needs an iterable, got ${describeValue(elements)}`);
  }
  const items = Array.from(elements);
  return { kind: 'source-collection', fn: (index: number) => items[index], options: { count: items.length } };
}

/**
 * The descriptor of a source that reads the lines of the UTF-8 text file at `path` (resolved by the subtask
 * that reads it, so give an absolute path for jobs on several hosts); it runs as one subtask.
 */
export function createFileSource(path: string): OperatorDescriptor {
  if (typeof path !== 'string' || path === '') {
    throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `readTextFile needs a non-empty path, got ${describeValue(path)}`);
  }
  return { kind: 'source-file', options: { path } };
}

/**
 * Checks that a user function is a function.
 * @throws RuntimeError `ERR_RT_BAD_ARGUMENT` naming the API call
 */
export function checkFunction(call: string, fn: unknown): void {
  if (typeof fn !== 'function') {
    throw new RuntimeError('ERR_RT_BAD_ARGUMENT', `${call} needs a function, got ${describeValue(fn)}`);
  }
}
