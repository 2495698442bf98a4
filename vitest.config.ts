import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "subgraphs/*/test/**/*.test.ts",
      "gateway/test/**/*.test.ts",
      "registries/*/test/**/*.test.ts",
      "stack/test/**/*.test.ts",
      "tests/**/*.test.ts",
    ],
    // Each file gets its own database (kit/testing), so files run in parallel safely.
    pool: "forks",
    // Migrates the templates those databases are copied from, once per run.
    globalSetup: ["./vitest.global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
