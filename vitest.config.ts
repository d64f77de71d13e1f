import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module) builds; Node loads the CJS one for Pothos and
    // yoga, so the test runner must use the same copy or `instanceof` checks fail across "realms".
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Each test file starts its own sandboxes and gateway on random loopback ports.
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
