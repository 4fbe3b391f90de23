/**
 * What an emitted `buildM()` prints for the weights a model loads from trained runs (`IrModel.loads`, from
 * `Base(weights: "runs/Base")`): one `loadRunWeights(model, run, { layer here: layer in the run })` call from
 * `nnc/runtime` per run, after the model is made. The run's path is printed as data paths are: relative to the
 * module when it is written to a file, so the two can move together.
 */
import type { IrModel, IrProgram } from "../ir/index.js";
import { relativePathExpression } from "./paths.js";

/** The statements that load `model`'s weights into the built model `id`. */
export function weightLoadLines(model: IrModel, id: string, outFile: string | undefined): string[] {
  return (model.loads ?? []).map((load) => {
    const run = relativePathExpression(load.run, outFile) ?? JSON.stringify(load.run);
    return `loadRunWeights(${id}, ${run}, ${JSON.stringify(load.layers)});`;
  });
}

/** Whether a model of the program loads weights (the module then imports `loadRunWeights`). */
export function loadsWeights(program: IrProgram): boolean {
  return program.models.some((model) => (model.loads?.length ?? 0) > 0);
}

/** The runs the program's models load weights from, as their paths are printed. */
export function loadedRuns(program: IrProgram): string[] {
  return program.models.flatMap((model) => (model.loads ?? []).map((load) => load.run));
}
