// WsConnection over real sockets on 127.0.0.1: messages both ways, clean and fatal closes, pause/resume, backpressure.

import { afterEach, describe, expect, it } from 'vitest';
import { NetworkError } from '../../../src/errors.js';
import { randomId } from '../../../src/ids.js';
import { encodeBufferResponse, encodeMessages } from '../../../src/protocol/encode.js';
import { DATA_TYPE } from '../../../src/protocol/constants.js';
import type { NetworkMessage } from '../../../src/protocol/messages.js';
import type { FlowControlHandler, NetworkConnection } from '../../../src/transport/network-connection.js';
import type { Connection } from '../../../src/transport/transport.js';
import type { ConnectionManager, DataServer } from '../../../src/transport/ws/index.js';
import { addCredit, bufferResponse, startManager, startServer, waitFor, type RecordingHandler } from './ws-test-utils.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server and a client manager, plus one open connection between them with both handlers. */
async function connect(): Promise<{
  server: DataServer;
  manager: ConnectionManager;
  client: Connection;
  clientHandler: RecordingHandler;
  serverConnection: Connection;
  serverHandler: RecordingHandler;
}> {
  const { server, url, handlers: serverHandlers } = await startServer();
  const { manager, handlers: clientHandlers } = startManager();
  cleanups.push(() => server.close(), () => manager.closeAll());
  const client = await manager.acquire(url);
  await waitFor(() => serverHandlers.length === 1);
  const serverHandler = serverHandlers[0]!;
  return { server, manager, client, clientHandler: clientHandlers[0]!, serverConnection: serverHandler.connection!, serverHandler };
}

function payloadOf(seed: number, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (seed * 31 + i) & 0xff;
  return bytes;
}

describe('WsConnection', () => {
  it('delivers messages both ways through the real codec', async () => {
    const { client, clientHandler, serverConnection, serverHandler } = await connect();
    const receiverId = randomId();
    const request: NetworkMessage = { type: 'PartitionRequest', partitionId: randomId(), subpartitionIndex: 3, receiverId, initialCredit: 2 };
    client.sendMessage(request);
    client.sendMessage(addCredit(5, receiverId));
    await serverHandler.waitForMessages(2);
    expect(serverHandler.messages).toEqual([request, addCredit(5, receiverId)]);

    const payload = payloadOf(1, 32 * 1024);
    serverConnection.sendMessage(bufferResponse(receiverId, 0, payload));
    serverConnection.send(encodeBufferResponse(receiverId, 1, 7, DATA_TYPE.EVENT_BUFFER, payload, 100, 5));
    await clientHandler.waitForMessages(2);
    expect(clientHandler.messages[0]).toEqual(bufferResponse(receiverId, 0, payload));
    expect(clientHandler.messages[1]).toMatchObject({ sequenceNumber: 1, backlog: 7, dataType: DATA_TYPE.EVENT_BUFFER, payload: payload.slice(100, 105) });
  });

  it('splits several frames carried by one WebSocket message', async () => {
    const { client, clientHandler, serverConnection, serverHandler } = await connect();
    const credits = [addCredit(1), addCredit(2), addCredit(3), { type: 'CancelPartitionRequest', receiverId: randomId() } as const];
    client.send(encodeMessages(credits));
    await serverHandler.waitForMessages(4);
    expect(serverHandler.messages).toEqual(credits);

    const receiverId = randomId();
    const batch = encodeMessages([0, 1, 2].map((seq) => bufferResponse(receiverId, seq, payloadOf(seq, 1000 + seq))));
    serverConnection.send(batch);
    await clientHandler.waitForMessages(3);
    expect(clientHandler.messages).toEqual([0, 1, 2].map((seq) => bufferResponse(receiverId, seq, payloadOf(seq, 1000 + seq))));
    expect(serverConnection.stats).toMatchObject({ numMessagesIn: 1, numFramesIn: 4, numMessagesOut: 1, numBytesOut: batch.length });
    expect(client.stats).toMatchObject({ numMessagesIn: 1, numFramesIn: 3, numBytesIn: batch.length });
  });

  it('closes cleanly with a CloseRequest the server handler never sees as a message', async () => {
    const { manager, client, clientHandler, serverHandler } = await connect();
    manager.release(client);
    expect(await clientHandler.closed()).toBeNull();
    expect(await serverHandler.closed()).toBeNull();
    expect(serverHandler.messages).toEqual([]);
    expect(client.isOpen).toBe(false);
  });

  it('closeWithError sends a fatal ErrorResponse whose code the peer handler receives', async () => {
    const { clientHandler, serverConnection, serverHandler } = await connect();
    const error = new NetworkError('ERR_NET_NO_CREDIT', 'a data buffer arrived for channel 42 without credit');
    serverConnection.closeWithError(error);
    expect(serverHandler.errors).toEqual([error]);
    const remote = await clientHandler.closed();
    expect(remote).toBeInstanceOf(NetworkError);
    expect(remote!.code).toBe('ERR_NET_NO_CREDIT');
    expect(remote!.message).toContain('without credit');
    expect(clientHandler.errors).toEqual([remote]);
    expect(await serverHandler.closed()).toBe(error);
  });

  it('fails the connection with the NetworkError its handler throws', async () => {
    const { client, clientHandler, serverConnection, serverHandler } = await connect();
    clientHandler.onEach = () => {
      throw new NetworkError('ERR_NET_NO_CREDIT', 'no credit left for this buffer');
    };
    serverConnection.sendMessage(bufferResponse(randomId(), 0, payloadOf(0, 10)));
    expect((await serverHandler.closed())?.code).toBe('ERR_NET_NO_CREDIT');
    expect((await clientHandler.closed())?.code).toBe('ERR_NET_NO_CREDIT');
    expect(client.send(new Uint8Array(10))).toBe(false);
  });

  it('pause() stops delivery until the sender backs up, and resume() restarts it in order', async () => {
    const { client, clientHandler, serverConnection } = await connect();
    const receiverId = randomId();
    const payload = payloadOf(7, 32 * 1024);
    let numSent = 0;
    let isPumping = true;
    let numStalls = 0;
    const pump = (): void => {
      while (isPumping && serverConnection.isWritable()) {
        serverConnection.send(encodeBufferResponse(receiverId, numSent++, 0, DATA_TYPE.DATA_BUFFER, payload, 0, payload.length));
      }
      if (!isPumping) return;
      numStalls += 1;
      serverConnection.onceWritable(pump);
    };

    client.pause();
    expect(client.isPaused).toBe(true);
    pump();
    await waitFor(() => !serverConnection.isWritable() && numSent > 0);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the sender stays stuck: nothing drains
    const numSentWhilePaused = numSent;
    expect(serverConnection.isWritable()).toBe(false);
    expect(serverConnection.bufferedAmount).toBeGreaterThanOrEqual(128 * 1024);
    expect(clientHandler.messages).toHaveLength(0);

    client.resume();
    await waitFor(() => numSent > numSentWhilePaused + 50); // the pump runs again once the client reads
    isPumping = false;
    await clientHandler.waitForMessages(numSent);
    expect(clientHandler.messages.map((m) => (m.type === 'BufferResponse' ? m.sequenceNumber : -1))).toEqual(
      Array.from({ length: numSent }, (_, i) => i),
    );
    expect(numStalls).toBeGreaterThan(1);
  });

  it('pause() inside onMessage holds back the rest of the same WebSocket message', async () => {
    const { client, clientHandler, serverConnection } = await connect();
    const receiverId = randomId();
    const frames = [0, 1, 2].map((seq) => bufferResponse(receiverId, seq, payloadOf(seq, 64)));
    clientHandler.onEach = (message, connection) => {
      if (message.type === 'BufferResponse' && message.sequenceNumber === 0) connection.pause();
    };
    serverConnection.send(encodeMessages(frames));
    serverConnection.send(encodeMessages([bufferResponse(receiverId, 3, payloadOf(3, 64))]));
    await clientHandler.waitForMessages(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(clientHandler.messages).toHaveLength(1);
    expect(client.stats.numMessagesIn).toBe(2); // both arrived; they wait

    client.resume();
    expect(clientHandler.messages).toEqual([...frames, bufferResponse(receiverId, 3, payloadOf(3, 64))]);
  });

  it('onceWritable fires at once when nothing is queued; send after close reports an error', async () => {
    const { manager, client, clientHandler } = await connect();
    let isFired = false;
    client.onceWritable(() => (isFired = true));
    expect(isFired).toBe(false); // asynchronous, always
    await Promise.resolve();
    expect(isFired).toBe(true);

    manager.release(client);
    await clientHandler.closed();
    const error = await new Promise<Error | undefined>((resolve) => client.send(new Uint8Array(12), resolve));
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).code).toBe('ERR_NET_PEER_LOST');
    expect(client.isWritable()).toBe(false);
  });

  it('is the NetworkConnection the credit and legacy handlers are written against', async () => {
    const { client, serverConnection, serverHandler } = await connect();
    const asNetworkConnection: NetworkConnection = client; // compile-time check: keep the two seams compatible
    const flowHandler: FlowControlHandler = serverHandler;
    expect(flowHandler).toBe(serverHandler);
    expect(asNetworkConnection.remoteAddress).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(serverConnection.remoteAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    asNetworkConnection.sendFrame(encodeMessages([addCredit(4)]));
    await serverHandler.waitForMessages(1);
    expect(serverHandler.messages[0]).toMatchObject({ type: 'AddCredit', credit: 4 });
  });

  it('refuses to send a message larger than maxMessageBytes', async () => {
    const { client } = await connect();
    expect(() => client.send(new Uint8Array(64 * 1024 + 64 * 1024 + 1))).toThrow(RangeError);
  });
});
