// Child process of the ws-raw baseline (started by ws-raw.ts): a WebSocket server on 127.0.0.1 that sends or receives one stream.
/**
 * Argument: a {@link WsRawChildConfig} as JSON. Prints `{"port":N}` on stdout once listening, accepts ONE
 * connection, then:
 * - `server-to-client`: sends `frameBytes` binary frames with only the socket's own backpressure until the client
 *   closes;
 * - `client-to-server`: counts the bytes it receives and, when the client closes, prints
 *   `{"numBytes":…,"elapsedMs":…}` on stdout.
 * Then it closes its server and exits 0. Errors go to stderr with exit code 1.
 */
import { performance } from 'node:perf_hooks';
import { ByteCounter, pump, ws, wsOptions, type WsRawChildConfig, type WsRawChildReport } from './ws-raw-shared.js';

const config = JSON.parse(process.argv[2] ?? '{}') as WsRawChildConfig;
const report = (line: WsRawChildReport): void => void process.stdout.write(`${JSON.stringify(line)}\n`);

const server = new ws.WebSocketServer({ host: '127.0.0.1', port: 0, ...wsOptions(config.frameBytes) });
server.on('listening', () => report({ port: server.address().port }));
server.on('connection', (webSocket, request) => {
  const counter = new ByteCounter();
  let stop = (): void => {};
  if (config.direction === 'server-to-client') {
    stop = pump(webSocket, request.socket, new Uint8Array(config.frameBytes).fill(0x5a), config.highWaterMarkBytes);
  } else {
    webSocket.on('message', (data) => counter.add(data.length, performance.now()));
  }
  webSocket.on('error', (error) => process.stderr.write(`ws-raw child: ${error.message}\n`));
  webSocket.on('close', () => {
    stop();
    if (config.direction === 'client-to-server') report({ numBytes: counter.numBytes, elapsedMs: counter.elapsedMs });
    server.close();
  });
});
