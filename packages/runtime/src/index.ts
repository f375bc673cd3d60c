// Public API of @sluice/runtime: the DataStream API, graphs, records and serializers.
export { RuntimeError, RUNTIME_ERROR_CODES, type RuntimeErrorCode } from './errors.js';
export * from './api/index.js';
export * from './graph/index.js';
export * from './serialization/index.js';
export { RecordWriter } from './task/record-writer.js';
