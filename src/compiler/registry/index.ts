/**
 * The registries: every name a spec can call and every fact nnc knows about it, as data. Layer kinds
 * (layers/: shape rule, parameter count, tfjs class, traits), the objects nested in their arguments
 * (layers/objects.ts), what a `train` block may name (train-options.ts), and nnc's own file names in a run
 * folder (run-files.ts).
 *
 * In: nothing; this is data. Out: tables that the binder, the checker, the lints, the emitter, the runtime,
 * the language server and the docs read. None of them keeps its own list of names.
 */
export {
  hasTrait,
  kindsWith,
  layerKinds,
  layerNames,
  lookupLayer,
  traitDocs,
  type LayerKind,
  type Trait,
} from "./layers/index.js";
export type { Callable } from "./callable.js";
