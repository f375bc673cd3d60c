// ConnectionManager over real sockets: one shared, reference-counted connection per url; failures are forgotten.

import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NetworkError } from '../../../src/errors.js';
import { WsConnection } from '../../../src/transport/ws/index.js';
import { addCredit, startManager, startServer, waitFor } from './ws-test-utils.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A port nobody listens on (bound, then released). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('ConnectionManager', () => {
  it('opens one connection per url and shares it among concurrent acquires', async () => {
    const { server, url, handlers } = await startServer();
    const { manager, handlers: clientHandlers } = startManager();
    cleanups.push(() => server.close(), () => manager.closeAll());

    const connections = await Promise.all([manager.acquire(url), manager.acquire(url), manager.acquire(`${url}/`)]);
    expect(connections[0]).toBeInstanceOf(WsConnection);
    expect(new Set(connections).size).toBe(1);
    expect(manager.numReferences(url)).toBe(3);
    expect(await manager.acquire(url)).toBe(connections[0]);
    await waitFor(() => server.connections.length === 1);
    expect(handlers).toHaveLength(1);
    expect(clientHandlers).toHaveLength(1);
    expect(manager.connections).toEqual([connections[0]]);
  });

  it('closes with a CloseRequest when the last reference is released, and reconnects on the next acquire', async () => {
    const { server, url, handlers } = await startServer();
    const { manager, handlers: clientHandlers } = startManager();
    cleanups.push(() => server.close(), () => manager.closeAll());
    const first = await manager.acquire(url);
    await manager.acquire(url);
    manager.release(first);
    expect(first.isOpen).toBe(true);
    first.sendMessage(addCredit(1));
    manager.release(first);
    expect(first.isOpen).toBe(false);
    expect(await clientHandlers[0]!.closed()).toBeNull();
    expect(await handlers[0]!.closed()).toBeNull(); // clean: the server got the CloseRequest
    expect(handlers[0]!.messages).toMatchObject([{ type: 'AddCredit', credit: 1 }]);
    manager.release(first); // one too many: ignored

    const second = await manager.acquire(url);
    expect(second).not.toBe(first);
    expect(second.isOpen).toBe(true);
    await waitFor(() => handlers.length === 2);
  });

  it('forgets a lost connection so that the next acquire reconnects', async () => {
    const { server, url, handlers } = await startServer();
    const { manager, handlers: clientHandlers } = startManager();
    cleanups.push(() => server.close(), () => manager.closeAll());
    const first = await manager.acquire(url);
    await waitFor(() => handlers.length === 1);
    (handlers[0]!.connection as WsConnection).terminate();
    const error = await clientHandlers[0]!.closed();
    expect(error?.code).toBe('ERR_NET_PEER_LOST');
    expect(manager.numReferences(url)).toBe(0);

    const second = await manager.acquire(url);
    expect(second).not.toBe(first);
    manager.release(first); // the dead one: nothing happens to the new one
    expect(second.isOpen).toBe(true);
    expect(manager.numReferences(url)).toBe(1);
  });

  it('rejects every waiting acquire with ERR_NET_PEER_LOST when the connection cannot be opened', async () => {
    const { manager } = startManager();
    cleanups.push(() => manager.closeAll());
    const url = `ws://127.0.0.1:${await freePort()}`;
    const results = await Promise.allSettled([manager.acquire(url), manager.acquire(url)]);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const reason = (result as PromiseRejectedResult).reason as NetworkError;
      expect(reason).toBeInstanceOf(NetworkError);
      expect(reason.code).toBe('ERR_NET_PEER_LOST');
      expect(reason.message).toMatch(/cannot connect to ws:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    }
    expect(manager.numReferences(url)).toBe(0);
  });

  it('closeAll() closes every connection cleanly and refuses later acquires', async () => {
    const a = await startServer();
    const b = await startServer();
    const { manager, handlers: clientHandlers } = startManager();
    cleanups.push(() => a.server.close(), () => b.server.close());
    await Promise.all([manager.acquire(a.url), manager.acquire(b.url)]);
    await manager.closeAll();
    expect(clientHandlers.map((h) => h.closeError)).toEqual([null, null]);
    await waitFor(() => a.handlers[0]?.isClosed === true && b.handlers[0]?.isClosed === true);
    expect(a.handlers[0]!.closeError).toBeNull();
    await expect(manager.acquire(a.url)).rejects.toMatchObject({ code: 'ERR_NET_PEER_LOST', message: /closed/ });
  });

  it('rejects a url that is not ws:// or wss://', () => {
    const { manager } = startManager();
    expect(() => manager.acquire('http://127.0.0.1:1')).toThrow(TypeError);
    expect(() => manager.acquire('not a url')).toThrow(TypeError);
  });
});
