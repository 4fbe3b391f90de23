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
    // The wasm backend's single-threaded build: two test files run side by side on 2 cores, and a threaded
    // backend in each would have its threads wait for a core. test/runtime/wasm-threads.test.ts sets the
    // variable itself in the processes it starts, and checks the threaded build against the cpu backend.
    env: { NNC_WASM_THREADS: "1" },
    hookTimeout: 120_000,
    // Whether python3 imports torch, asked once for the PyTorch target's test files.
    globalSetup: ["test/helpers/torch-setup.ts"],
  },
});
