/**
 * vitest's global setup: asks once per run whether /usr/bin/python3 can import torch (which takes seconds) and
 * provides the answer to the test files (helpers/torch.ts), instead of each file that imports torch.ts asking.
 */
import { spawnSync } from "node:child_process";
import type { TestProject } from "vitest/node";

export const python = "/usr/bin/python3";

/** Whether Debian's python3 imports torch. */
export function canImportTorch(): boolean {
  return spawnSync(python, ["-c", "import torch"], { stdio: "ignore" }).status === 0;
}

export default function setup(project: TestProject): void {
  const hasTorch = canImportTorch();
  project.provide("hasTorch", hasTorch);
  if (!hasTorch) {
    console.warn(
      "PyTorch target tests skipped: /usr/bin/python3 cannot import torch (install it with apt-get install python3-torch)",
    );
  }
}

declare module "vitest" {
  export interface ProvidedContext {
    hasTorch: boolean;
  }
}
