/**
 * The wasm backend's build follows the work it is told of when NNC_WASM_THREADS does not say: a model as small
 * as Iris's trains single-threaded (threads would cost more than they save), a larger one on one thread per
 * core; the variable, when set, decides alone. Each case is a child process (a backend is per process).
 */
import { execFile } from "node:child_process";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const repo = join(import.meta.dirname, "..", "..");

/** The XNNPACK threads of a wasm backend started with `work`, NNC_WASM_THREADS set to `threads` or unset. */
async function threadsFor(work: number, threads?: string): Promise<number> {
  const { NNC_WASM_THREADS: _, ...env } = process.env;
  const child = `
    const { initBackend } = await import("./src/runtime/backend.ts");
    const { wasmThreads } = await import("./src/runtime/wasm/threads.ts");
    await initBackend("wasm", ${work});
    process.stdout.write(JSON.stringify(wasmThreads()));
  `;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "-e", child],
    { cwd: repo, env: threads === undefined ? env : { ...env, NNC_WASM_THREADS: threads }, timeout: 60_000 },
  );
  return (JSON.parse(stdout) as { threads: number }).threads;
}

describe("the wasm build for the work of a step", () => {
  it("is single-threaded for a small model and threaded for a large one, unless NNC_WASM_THREADS says", async () => {
    const [small, large, forced] = await Promise.all([
      threadsFor(3_000),
      threadsFor(100_000_000),
      threadsFor(3_000, "2"),
    ]);
    expect(small).toBe(1);
    expect(large).toBe(Math.min(availableParallelism(), 8));
    expect(forced).toBe(2);
  });
});
