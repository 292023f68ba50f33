import { defineConfig } from 'vitest/config';

// `source` resolves workspace packages to their TypeScript sources (see each package.json "exports"). `import` must
// not be forced: pg's internal require('pg-pool') would then load the ES-module build and break.
const conditions = ['source', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['{packages,services}/*/src/**/*.test.ts', 'scripts/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['{packages,services}/*/test/**/*.test.ts', 'test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Integration files share two cores with RabbitMQ and Postgres.
          maxWorkers: 2,
        },
      },
    ],
  },
});
