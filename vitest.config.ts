import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // One test file per core, not vitest's default of one fewer (a single file at a time on 2 cores): many
    // files spend most of their time waiting for a process they started (nnc, tsc, tsx), which leaves
    // that core idle unless another file runs beside them.
    maxWorkers: availableParallelism(),
    // Training tests run real tfjs on the CPU; give them room on a 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
