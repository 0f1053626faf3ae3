import { defineConfig } from 'vitest/config';

// Two tiers: fast unit tests of pure modules, and integration tests against the real
// docker engine, buildx, registry and a local fake of the GitHub REST API.
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          // Builds share one BuildKit on a 2-core machine: run integration files one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
