// Public API of the remote channel protocol codec (PROTOCOL.md) and the ids it carries; pure, no sockets.

export {
  ID_LENGTH,
  idFromBytes,
  idFromHex,
  idsEqual,
  idToHex,
  idToKey,
  randomId,
  type AbstractId,
  type IdKey,
} from '../ids.js';
export * from './constants.js';
export type * from './messages.js';
export { encodeBufferResponse, encodeBufferResponseInto, encodedLength, encodeMessage, encodeMessageInto, encodeMessages } from './encode.js';
export { FrameDecoder, type FrameDecoderOptions, type FrameHandler } from './decode.js';
