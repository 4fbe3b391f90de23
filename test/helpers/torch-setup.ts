/**
 * vitest's global setup: asks once per run whether /usr/bin/python3 has torch and provides the answer to the test
 * files (helpers/torch.ts), instead of each file that imports torch.ts asking. It looks torch up without importing
 * it (which takes seconds, before any test file could start): an installed torch that fails to import fails the
 * tests that use it, with Python's error, rather than skipping them.
 */
import { spawnSync } from "node:child_process";
import type { TestProject } from "vitest/node";

export const python = "/usr/bin/python3";

/** Whether Debian's python3 has a torch package. */
export function hasTorchPackage(): boolean {
  const lookUp = "import importlib.util, sys; sys.exit(importlib.util.find_spec('torch') is None)";
  return spawnSync(python, ["-c", lookUp], { stdio: "ignore" }).status === 0;
}

export default function setup(project: TestProject): void {
  const hasTorch = hasTorchPackage();
  project.provide("hasTorch", hasTorch);
  if (!hasTorch) {
    console.warn(
      "PyTorch target tests skipped: /usr/bin/python3 has no torch (install it with apt-get install python3-torch)",
    );
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    hasTorch: boolean;
  }
}
