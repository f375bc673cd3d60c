// DataServer over real sockets: a bad connection is closed with a fatal ErrorResponse naming the cause, the others go on.

import { afterEach, describe, expect, it } from 'vitest';
import { NetworkError, type NetworkErrorCode } from '../../../src/errors.js';
import { randomId } from '../../../src/ids.js';
import { FrameDecoder } from '../../../src/protocol/decode.js';
import { encodeBufferResponse, encodeMessage } from '../../../src/protocol/encode.js';
import { DATA_TYPE } from '../../../src/protocol/constants.js';
import type { NetworkMessage } from '../../../src/protocol/messages.js';
import { CLOSE_FATAL_ERROR, DataServer } from '../../../src/transport/ws/index.js';
import { addCredit, bufferResponse, openRawClient, openWrappedRawClient, startManager, startServer, waitFor } from './ws-test-utils.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The server's maxFrameBytes in these tests; its maxPayload is this + 64 KiB. */
const MAX_FRAME_BYTES = 4096;

/** A server that answers every AddCredit with a BufferResponse of `credit` bytes for the same receiver. */
async function startEchoServer() {
  const started = await startServer({ maxFrameBytes: MAX_FRAME_BYTES });
  const { server, handlers } = started;
  cleanups.push(() => server.close());
  const echo = (message: NetworkMessage, connection: { sendMessage(m: NetworkMessage): boolean }): void => {
    if (message.type === 'AddCredit') {
      connection.sendMessage(bufferResponse(message.receiverId, 0, new Uint8Array(message.credit).fill(message.credit & 0xff)));
    }
  };
  return { ...started, echo, handlers, armEcho: () => handlers.forEach((h) => (h.onEach = echo)) };
}

function withMagic(frame: Uint8Array, magic: number): Uint8Array {
  const copy = frame.slice();
  new DataView(copy.buffer).setUint32(4, magic);
  return copy;
}

function withByte(frame: Uint8Array, offset: number, value: number): Uint8Array {
  const copy = frame.slice();
  copy[offset] = value;
  return copy;
}

const GOOD = encodeMessage(addCredit(3));

const BAD_INPUTS: ReadonlyArray<{ name: string; send: Uint8Array | string; code: NetworkErrorCode; cause: RegExp }> = [
  { name: 'garbage bytes', send: Buffer.from('GET /index.html HTTP/1.1\r\n\r\n'), code: 'ERR_NET_BAD_MAGIC', cause: /bad magic/ },
  { name: 'a wrong magic', send: withMagic(GOOD, 0xbadc0ffe), code: 'ERR_NET_BAD_MAGIC', cause: /bad magic 0xBADC0FFE/ },
  { name: 'a wrong version', send: withByte(GOOD, 8, 2), code: 'ERR_NET_BAD_VERSION', cause: /version 2/ },
  { name: 'an unknown id', send: withByte(GOOD, 9, 3), code: 'ERR_NET_UNKNOWN_MESSAGE', cause: /unknown message id 3/ },
  {
    name: 'a frame over maxFrameBytes',
    send: encodeBufferResponse(randomId(), 0, 0, DATA_TYPE.DATA_BUFFER, new Uint8Array(8192), 0, 8192),
    code: 'ERR_NET_FRAME_TOO_LARGE',
    cause: /exceeds the 4096-byte limit/,
  },
  { name: 'a malformed body', send: withByte(GOOD, 13, 0), code: 'ERR_NET_MALFORMED_FRAME', cause: /credit 0/ },
  { name: 'a text message', send: 'hello', code: 'ERR_NET_MALFORMED_FRAME', cause: /text message of 5 bytes/ },
];

describe('DataServer', () => {
  it('binds 127.0.0.1 on a free port by default', async () => {
    const { server, url } = await startEchoServer();
    expect(server.address).toMatchObject({ host: '127.0.0.1' });
    expect(server.address!.port).toBeGreaterThan(0);
    expect(url).toBe(`ws://127.0.0.1:${server.address!.port}`);
  });

  it.each(BAD_INPUTS)('closes the connection that sends $name with a fatal ErrorResponse; the others go on', async (bad) => {
    const { server, url, handlers, armEcho } = await startEchoServer();
    const { manager, handlers: goodHandlers } = startManager({ maxFrameBytes: MAX_FRAME_BYTES });
    cleanups.push(() => manager.closeAll());
    const good = await manager.acquire(url);
    const badClient = await openWrappedRawClient(url);
    await waitFor(() => handlers.length === 2);
    armEcho();
    good.sendMessage(addCredit(10));
    await goodHandlers[0]!.waitForMessages(1);

    badClient.ws.send(bad.send);

    // The bad client's Sluice handler sees the server's code; the raw bytes were a fatal ErrorResponse, then close 4000.
    const seen = await badClient.handler.closed();
    expect(seen).toBeInstanceOf(NetworkError);
    expect(seen!.code).toBe(bad.code);
    expect(seen!.message).toMatch(bad.cause);
    const decoded: NetworkMessage[] = [];
    new FrameDecoder({ maxFrameBytes: 65_536 }).push(badClient.received[0]!, { onMessage: (m) => decoded.push(m), onError: (e) => { throw e; } });
    expect(decoded).toEqual([{ type: 'ErrorResponse', isFatal: true, code: bad.code, message: expect.stringMatching(bad.cause) }]);
    expect(await badClient.closeCode).toEqual({ code: CLOSE_FATAL_ERROR, reason: bad.code });
    // The server side of that connection failed with the same code.
    expect((await handlers[1]!.closed())?.code).toBe(bad.code);
    expect(handlers[1]!.errors.map((e) => e.code)).toEqual([bad.code]);

    // The good connection still exchanges messages.
    good.sendMessage(addCredit(20));
    await goodHandlers[0]!.waitForMessages(2);
    expect(goodHandlers[0]!.messages[1]).toMatchObject({ type: 'BufferResponse', payload: new Uint8Array(20).fill(20) });
    expect(good.isOpen).toBe(true);
    expect(server.connections).toHaveLength(1);
  });

  it('closes a connection whose message exceeds maxPayload (1009), which the sender sees as ERR_NET_FRAME_TOO_LARGE', async () => {
    const { server, url, handlers } = await startEchoServer();
    const badClient = await openWrappedRawClient(url);
    await waitFor(() => handlers.length === 1);
    badClient.ws.send(new Uint8Array(MAX_FRAME_BYTES + 64 * 1024 + 1));
    expect((await badClient.handler.closed())?.code).toBe('ERR_NET_FRAME_TOO_LARGE');
    expect((await badClient.closeCode).code).toBe(1009);
    const serverSide = await handlers[0]!.closed();
    expect(serverSide?.code).toBe('ERR_NET_FRAME_TOO_LARGE');
    expect(serverSide?.message).toMatch(/maxPayload/);
    await waitFor(() => server.connections.length === 0);
  });

  it('refuses an upgrade without the right token with 401 before the WebSocket opens', async () => {
    const { server, url, handlers } = await startServer({ token: 's3cret' });
    cleanups.push(() => server.close());
    await expect(openRawClient(url)).rejects.toThrow(/Unexpected server response: 401/);
    await expect(openRawClient(url, { 'x-sluice-token': 'guess' })).rejects.toThrow(/401/);

    const { manager: noToken } = startManager();
    cleanups.push(() => noToken.closeAll());
    const refused = noToken.acquire(url);
    await expect(refused).rejects.toThrow(NetworkError);
    await expect(refused).rejects.toMatchObject({ code: 'ERR_NET_PEER_LOST', message: expect.stringMatching(/401.*x-sluice-token/) });
    expect(noToken.numReferences(url)).toBe(0);
    expect(handlers).toHaveLength(0);

    const { manager: withToken, handlers: clientHandlers } = startManager({ token: 's3cret' });
    cleanups.push(() => withToken.closeAll());
    const connection = await withToken.acquire(url);
    connection.sendMessage(addCredit(1));
    await waitFor(() => handlers.length === 1);
    await handlers[0]!.waitForMessages(1);
    expect(clientHandlers).toHaveLength(1);
  });

  it('closes only the connection whose handler factory throws', async () => {
    let numCreated = 0;
    const server = new DataServer({
      createHandler: () => {
        if (numCreated++ === 0) throw new Error('no handler for you');
        return { onMessage: (message, connection) => connection.sendMessage(message), onClose: () => {} };
      },
    });
    cleanups.push(() => server.close());
    const { url } = await server.listen();
    const { manager: a, handlers: aHandlers } = startManager();
    const { manager: b, handlers: bHandlers } = startManager();
    cleanups.push(() => a.closeAll(), () => b.closeAll());
    await a.acquire(url);
    const error = await aHandlers[0]!.closed();
    expect(error).toMatchObject({ code: 'ERR_NET_PEER_LOST', message: expect.stringMatching(/1011/) });
    const good = await b.acquire(url);
    good.sendMessage(addCredit(2));
    await bHandlers[0]!.waitForMessages(1);
    expect(server.connections).toHaveLength(1);
  });

  it('answers plain HTTP with 426', async () => {
    const { url } = await startEchoServer();
    const response = await fetch(url.replace('ws:', 'http:'));
    expect(response.status).toBe(426);
    await response.text();
  });

  it('close() closes every connection; their clients fail with ERR_NET_PEER_LOST', async () => {
    const { server, url, handlers } = await startServer();
    const { manager: a, handlers: aHandlers } = startManager();
    const { manager: b, handlers: bHandlers } = startManager();
    cleanups.push(() => a.closeAll(), () => b.closeAll());
    await Promise.all([a.acquire(url), b.acquire(url)]);
    await waitFor(() => handlers.length === 2);
    await server.close();
    expect(server.connections).toHaveLength(0);
    for (const handler of [aHandlers[0]!, bHandlers[0]!]) {
      const error = await handler.closed();
      expect(error?.code).toBe('ERR_NET_PEER_LOST');
      expect(error?.message).toContain(url);
    }
    expect(await handlers[0]!.closed()).toBeNull();
    await expect(a.acquire(url)).rejects.toMatchObject({ code: 'ERR_NET_PEER_LOST' });
  });
});
