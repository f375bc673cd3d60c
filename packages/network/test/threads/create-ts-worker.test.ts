import { describe, expect, it } from 'vitest';
import { createTsWorker } from '../../src/threads/create-ts-worker.js';

describe('createTsWorker', () => {
  it('runs a TypeScript entry in a worker thread and passes workerData through', async () => {
    const worker = createTsWorker(new URL('../fixtures/echo-worker.ts', import.meta.url), { workerData: { factor: 3 } });
    const answer = await new Promise<number>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.postMessage(14);
    });
    expect(answer).toBe(42);
    await worker.terminate();
  });
});
