// The WebSocket transport beneath the credit protocol: one connection per TaskManager pair (DataServer ⇄ ConnectionManager).

export { WsConnection, type WsConnectionOptions } from './ws-connection.js';
export { DataServer, type DataServerAddress, type DataServerOptions } from './data-server.js';
export { ConnectionManager, type ConnectionManagerOptions } from './connection-manager.js';
export {
  CLOSE_FATAL_ERROR,
  CLOSE_GOING_AWAY,
  CLOSE_NORMAL,
  DEFAULT_MASKING,
  zeroMask,
  type MaskingMode,
} from './ws-options.js';
export {
  DEFAULT_WS_TRANSPORT_OPTIONS,
  MESSAGE_SLACK_BYTES,
  TOKEN_HEADER,
  maxFrameBytesForSegment,
  resolveWsTransportOptions,
  type Connection,
  type ConnectionHandler,
  type ConnectionHandlerFactory,
  type ConnectionRole,
  type ConnectionStats,
  type ResolvedWsTransportOptions,
  type WsTransportOptions,
} from '../transport.js';
