import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // End-to-end files start their own app processes and fakes; two at a time fits 2 cores.
    maxWorkers: 2,
  },
});
