// Public API of @sluice/runtime: records and serializers now; the DataStream API, graphs and processes follow.
export { RuntimeError, RUNTIME_ERROR_CODES, type RuntimeErrorCode } from './errors.js';
export * from './serialization/index.js';
export { RecordWriter } from './task/record-writer.js';
