// Public pieces of record serialization: serializer specs, the typed and msgpackr serializers, and the spanning deserializer.

export type { TypeSerializer } from './type-serializer.js';
export {
  FIELD_TYPES,
  FIXED_FIELD_SIZES,
  validateRecordShape,
  type FieldSpec,
  type FieldType,
  type RecordOf,
  type RecordShape,
} from './record-shape.js';
export { createTypedSerializer } from './typed-serializer.js';
export {
  MAX_SHARED_STRUCTURES,
  createMsgpackrSerializer,
  structuresFromSample,
  type MsgpackrSerializerOptions,
} from './msgpackr-serializer.js';
export { DEFAULT_MAX_RECORD_BYTES, RecordDeserializer, type RecordDeserializerOptions } from './record-deserializer.js';
export { createSerializer, type SerializerSpec } from './create-serializer.js';
