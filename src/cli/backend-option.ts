/**
 * `--backend`, shared by the commands that run a model (train, evaluate, predict): the option itself and
 * starting the backend it names, with a one-line error when that backend cannot run here.
 */
import { Option } from "commander";
import { backendNames, type BackendName } from "../runtime/backend-names.js";
import { fail } from "./common.js";
import type { StepWork } from "../runtime/backend.js";

export type { BackendName };

export function backendOption(): Option {
  return new Option(
    "--backend <name>",
    "TensorFlow.js backend: auto (tfjs-node if installed, else wasm), wasm, cpu or node",
  )
    .choices(backendNames)
    .default("auto");
}

/**
 * Starts the backend the user chose and returns its name (`wasm`, `cpu`, `node`); prints why and returns
 * undefined when it is unavailable. Loads TensorFlow.js, so call it inside the command's action. `work`: a
 * training step's work, when known (see `initBackend` and runtime/step-work.ts).
 */
export async function startBackend(
  requested: BackendName = "auto",
  work?: number | StepWork,
): Promise<string | undefined> {
  const { initBackend, BackendUnavailableError } = await import("../runtime/backend.js");
  try {
    return await initBackend(requested, work);
  } catch (error) {
    if (!(error instanceof BackendUnavailableError)) throw error;
    fail(`--backend ${requested}: ${error.message}`);
    return undefined;
  }
}
