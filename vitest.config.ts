import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code (src/**/*.test.ts); tests that start real servers
// or cross packages live in test/. Both run in `npm test`.
export default defineConfig({
  resolve: { conditions: ['lookout-source'] },
  ssr: { resolve: { conditions: ['lookout-source'] } },
  test: {
    include: ['**/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
