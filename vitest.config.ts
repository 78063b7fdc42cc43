import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // 2 cores here and in CI: keep the pty/browser tests from starving each other.
    maxWorkers: 2,
  },
});
