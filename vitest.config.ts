import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{bin,cli,ha,local-fleet,reconciler,policies,diagnose,web,test}/**/*.test.ts'],
          exclude: ['test/integration/**', '**/node_modules/**'],
          // The store's contract suite runs on a real PostgreSQL too.
          globalSetup: ['test/postgres/global-setup.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/cluster/global-setup.ts', 'test/postgres/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
