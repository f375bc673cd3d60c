import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts'],
    // Real threads and real sockets: give slow shared CI machines room.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: running many thread-heavy files at once only makes them all slower.
    maxWorkers: 2,
  },
});
