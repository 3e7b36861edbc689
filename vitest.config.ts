import { defineConfig } from "vitest/config";

export default defineConfig({
  // Resolve workspace packages to their TypeScript source through the custom
  // "@tsab/source" export condition, so tests need no prior build. Otherwise the
  // conditions are Node's own: Vite's default "module" condition would pick builds
  // Node cannot load (@opentelemetry/api's "module" build has extensionless imports)
  // and give a test a second copy of a package next to the one its dependencies load.
  ssr: {
    resolve: {
      conditions: ["@tsab/source", "node", "development|production"],
    },
  },
  test: {
    setupFiles: ["reflect-metadata"], // tsyringe throws on import without it
    include: ["**/test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/dist/**"],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
