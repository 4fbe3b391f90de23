/**
 * PyTorch for the tests of the PyTorch target: Debian's python3-torch, run by /usr/bin/python3 (which sees
 * Debian's packages; a python3 earlier on PATH may not). Tests that need it are `describe.runIf(hasTorch)`; when it
 * is missing, the run's global setup (torch-setup.ts, which asks once) prints why they are skipped and how to run them.
 */
import { inject } from "vitest";
import { python } from "./torch-setup.js";

export { python };
export const torchrun = "/usr/bin/torchrun";

export const hasTorch = inject("hasTorch");
