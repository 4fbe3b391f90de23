/**
 * PyTorch for the tests of the PyTorch target: Debian's python3-torch, run by /usr/bin/python3 (which sees
 * Debian's packages; a python3 earlier on PATH may not). Tests that need it are `describe.runIf(hasTorch)`; when it
 * is missing, importing this file prints why they are skipped and how to run them.
 */
import { spawnSync } from "node:child_process";

export const python = "/usr/bin/python3";
export const torchrun = "/usr/bin/torchrun";

export const hasTorch = spawnSync(python, ["-c", "import torch"], { stdio: "ignore" }).status === 0;

if (!hasTorch) {
  console.warn(
    "PyTorch target tests skipped: /usr/bin/python3 cannot import torch (install it with apt-get install python3-torch)",
  );
}
