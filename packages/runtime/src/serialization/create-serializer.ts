// The one place that turns an edge's serializer spec (plain data from the job graph) into its TypeSerializer.

import type { RecordShape } from './record-shape.js';
import { createMsgpackrSerializer } from './msgpackr-serializer.js';
import { createTypedSerializer } from './typed-serializer.js';
import type { TypeSerializer } from './type-serializer.js';

/**
 * How an edge serializes its records; plain data, so it travels in the job graph and both ends of the
 * edge build the same serializer from it.
 * - `typed`: records of a declared shape, compiled to DataView code (the fast path).
 * - `msgpackr`: any structured-cloneable value; `structures` are the key lists agreed for the edge
 *   (default none: every object's keys travel inline).
 */
export type SerializerSpec =
  | { readonly kind: 'typed'; readonly shape: RecordShape }
  | { readonly kind: 'msgpackr'; readonly structures?: readonly (readonly string[])[] };

/**
 * Builds the serializer `spec` describes for the edge `edgeName`.
 * @param edgeName names the edge in errors, e.g. `source -> map`
 * @throws RuntimeError `ERR_RT_BAD_SHAPE` when the shape or structures are invalid
 */
export function createSerializer(spec: SerializerSpec, edgeName: string): TypeSerializer<unknown> {
  switch (spec.kind) {
    case 'typed':
      return createTypedSerializer(spec.shape, edgeName);
    case 'msgpackr':
      return createMsgpackrSerializer({ edgeName, structures: spec.structures });
  }
}
