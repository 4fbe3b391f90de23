/**
 * The backends `--backend` accepts, in a module without tfjs so that the CLI can list them in its help
 * without loading TensorFlow.js.
 */
export const backendNames = ["auto", "wasm", "cpu", "node"] as const;
export type BackendName = (typeof backendNames)[number];
