// A peer that disappears mid-stream: its connection ends with ERR_NET_PEER_LOST naming it; the others go on.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { randomId } from '../../../src/ids.js';
import type { WsConnection } from '../../../src/transport/ws/index.js';
import { addCredit, startManager, startServer, waitFor } from './ws-test-utils.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const CHILD = fileURLToPath(new URL('./fixtures/streaming-client.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));

describe('a lost peer', () => {
  it('fails the server side with ERR_NET_PEER_LOST when the client socket is destroyed', async () => {
    const { server, url, handlers } = await startServer();
    const { manager } = startManager();
    cleanups.push(() => server.close(), () => manager.closeAll());
    const client = (await manager.acquire(url)) as WsConnection;
    client.sendMessage(addCredit(1));
    await waitFor(() => handlers.length === 1 && handlers[0]!.messages.length === 1);
    client.terminate();
    const error = await handlers[0]!.closed();
    expect(error?.code).toBe('ERR_NET_PEER_LOST');
    expect(error?.message).toMatch(/^ERR_NET_PEER_LOST: connection to 127\.0\.0\.1:\d+ lost: .*1006/);
    expect(handlers[0]!.errors).toEqual([error]);
  });

  it('fails the client side with ERR_NET_PEER_LOST when the server socket is destroyed mid-stream', async () => {
    const { server, url, handlers } = await startServer();
    const { manager, handlers: clientHandlers } = startManager();
    cleanups.push(() => server.close(), () => manager.closeAll());
    await manager.acquire(url);
    await waitFor(() => handlers.length === 1);
    const serverSide = handlers[0]!.connection as WsConnection;
    const receiverId = randomId();
    for (let seq = 0; seq < 100; seq++) {
      serverSide.sendMessage({ type: 'BufferResponse', receiverId, sequenceNumber: seq, backlog: 0, dataType: 1, payload: new Uint8Array(32 * 1024) });
    }
    await waitFor(() => clientHandlers[0]!.messages.length > 0);
    serverSide.terminate();
    const error = await clientHandlers[0]!.closed();
    expect(error?.code).toBe('ERR_NET_PEER_LOST');
    expect(error?.message).toContain(url);
  });

  it('fails the connection of a SIGKILLed client process with ERR_NET_PEER_LOST; the server serves the others', async () => {
    const { server, url, handlers } = await startServer();
    const { manager, handlers: clientHandlers } = startManager();
    cleanups.push(() => server.close(), () => manager.closeAll());
    const local = await manager.acquire(url);
    await waitFor(() => handlers.length === 1);

    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, url], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    cleanups.push(async () => void child.kill('SIGKILL'));
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)));
    });
    await waitFor(() => handlers.length === 2 && handlers[1]!.messages.length >= 50);
    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    const error = await handlers[1]!.closed();
    expect(error?.code).toBe('ERR_NET_PEER_LOST');
    expect(error?.message).toMatch(/connection to 127\.0\.0\.1:\d+ lost/);
    // The server still serves the in-process client.
    local.sendMessage(addCredit(7));
    await waitFor(() => handlers[0]!.messages.length === 1);
    expect(handlers[0]!.isClosed).toBe(false);
    expect(clientHandlers[0]!.isClosed).toBe(false);
    expect(server.connections).toHaveLength(1);
  });
});
