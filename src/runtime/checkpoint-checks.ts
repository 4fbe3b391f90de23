/**
 * What a checkpoint must be before `nnc train --resume` uses any of it, beyond its files' schemas: its parts
 * agree with each other (the position with the history, the weight specs with the model's weights, the
 * callbacks' tensors with their specs, every path inside the run folder), and they fit the run being resumed
 * (its epochs and steps, its optimizer's slots, its callbacks' tensors). A checkpoint that fails is NN4010 (or
 * NN4011 when the spec changed since it was written), one line naming the file and the field, before the run
 * changes anything.
 */
import * as path from "node:path";
import type * as tf from "@tensorflow/tfjs";
import type { CheckpointState } from "./checkpoint.js";
import { NncUserError } from "./errors.js";
import { callbackValueSchemas } from "./saved-file-schemas.js";
import { checkValue, isInside, relativePathProblem, unusable, validatorOf, type SavedFolder } from "./saved-files.js";

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);
const shapeText = (shape: readonly number[]) => `[${shape.join(", ")}]`;

/**
 * Checks that the parts of `state` (read from `file` in `run`, already valid for its schema) agree; the
 * callbacks' `written` paths become absolute paths inside the run folder.
 */
export function checkStateParts(run: SavedFolder, file: string, state: CheckpointState): void {
  const fail = (reason: string) => unusable(run, file, reason);
  const { point, history } = state;
  if (point.epoch !== history.length) {
    throw fail(`point.epoch is ${point.epoch}, but history holds ${history.length} finished epochs`);
  }
  if (state.weightSpecs.length !== state.weights.length) {
    throw fail(`weightSpecs lists ${state.weightSpecs.length} tensors, but weights lists ${state.weights.length}`);
  }
  state.weightSpecs.forEach((spec, i) => {
    if (spec.name !== `w${i}`) throw fail(`weightSpecs[${i}].name is '${spec.name}', expected 'w${i}'`);
    if (!sameShape(spec.shape, state.weights[i]!.shape)) {
      throw fail(
        `weightSpecs[${i}].shape is ${shapeText(spec.shape)}, but weights[${i}] has ${shapeText(state.weights[i]!.shape)}`,
      );
    }
  });
  const tensorNames = state.callbacks.flatMap((c, i) =>
    Array.from({ length: c?.tensors ?? 0 }, (_, j) => `c${i}-${j}`),
  );
  const specNames = state.callbackSpecs.map((spec) => spec.name);
  if (tensorNames.join(",") !== specNames.join(",")) {
    throw fail(
      `callbackSpecs names ${specNames.length} tensors (${specNames.join(", ")}), but callbacks count ${tensorNames.length}`,
    );
  }
  state.callbacks.forEach((saved, i) => {
    if (!saved) return;
    checkValue(
      run,
      file,
      validatorOf(`callback ${saved.kind}`, callbackValueSchemas[saved.kind]!),
      saved.values,
      `callbacks[${i}].values`,
    );
    const written = saved.values["written"];
    if (Array.isArray(written)) {
      (saved.values as Record<string, unknown>)["written"] = written.flatMap((entry: string, j) =>
        insideRun(run, file, `callbacks[${i}].values.written[${j}]`, entry),
      );
    }
  });
}

/**
 * A file a callback recorded writing (absolute, or relative to the run folder), as an absolute path inside
 * `run`. A relative path that leads out is NN4010. An absolute path outside the folder is dropped: a run folder
 * copied or moved elsewhere holds its old place's paths, and the list only tells the save which files to keep,
 * so nothing outside the folder is ever used.
 */
function insideRun(run: SavedFolder, file: string, field: string, entry: string): string[] {
  if (!path.isAbsolute(entry)) {
    const problem = relativePathProblem(entry);
    if (problem) throw unusable(run, file, `${field} '${entry}' ${problem}`);
    return [path.join(run.dir, entry)];
  }
  const resolved = path.resolve(entry);
  return isInside(run.dir, resolved) || isInside(run.real, resolved) ? [resolved] : [];
}

/** NN4010 when a checkpoint at `point` cannot continue a run of `epochs` epochs of `steps` steps each. */
export function checkResumePoint(
  run: SavedFolder,
  file: string,
  state: CheckpointState,
  epochs: number,
  steps: number,
): void {
  const { epoch, step } = state.point;
  if (epoch > epochs) {
    throw unusable(
      run,
      file,
      `point.epoch is ${epoch}, past the run's ${epochs} epochs (resume with --epochs ${epoch} or more)`,
    );
  }
  if (step > 0 && (epoch === epochs || step >= steps)) {
    throw unusable(
      run,
      file,
      `point.step is ${step} in epoch ${epoch + 1}, but an epoch of this run has ${steps} steps (did the data or batch_size change?)`,
    );
  }
}

/** Slots per trainable weight that each tfjs optimizer keeps (`getWeights` after the step count). */
function slotsPerWeight(optimizer: tf.Optimizer): number | undefined {
  const name = optimizer.getClassName();
  if (name === "RMSProp") return (optimizer as unknown as { centered: boolean }).centered ? 3 : 2;
  return ({ SGD: 0, Momentum: 1, Adagrad: 1, Adadelta: 2, Adam: 2, Adamax: 2 } as Record<string, number>)[name];
}

/**
 * Checks the optimizer's and the callbacks' saved tensors against the run they are put into: the step count
 * first, then per trainable weight the optimizer's slots of that weight's shape, the private scalars the
 * optimizer has, and a callback's copy of the weights (early stopping's best) shaped as the model's weights.
 */
export function checkStateFitsRun(
  run: SavedFolder,
  file: string,
  state: CheckpointState,
  parts: { model: tf.LayersModel; optimizer: tf.Optimizer },
  privateScalars: readonly string[],
): void {
  const fail = (reason: string) => unusable(run, file, reason);
  const specs = state.optimizerSpecs;
  const plain = specs.filter((s) => !s.name.startsWith("@"));
  if (plain[0]?.name !== "iter" || plain[0].shape.length !== 0)
    throw fail("optimizerSpecs[0] must be the step count 'iter', a scalar");
  const trainable = parts.model.trainableWeights.map((w) => w.shape as number[]);
  const slots = plain.slice(1);
  const perWeight = slotsPerWeight(parts.optimizer);
  if (slots.length > 0 && (perWeight === undefined || slots.length !== perWeight * trainable.length)) {
    throw new NncUserError("NN4011", {
      detail: `the optimizer state in ${run.shownAs}/${file} has ${slots.length} slots, but ${parts.optimizer.getClassName()} keeps ${perWeight ?? "?"} for each of the model's ${trainable.length} trainable weights; resume with the optimizer it was trained with`,
    });
  }
  slots.forEach((slot, j) => {
    const expected = trainable[j % trainable.length]!;
    if (!sameShape(slot.shape, expected)) {
      throw fail(
        `optimizerSpecs[${j + 1}] '${slot.name}' has shape ${shapeText(slot.shape)}, but its weight has ${shapeText(expected)}`,
      );
    }
  });
  const fields = parts.optimizer as unknown as Record<string, unknown>;
  specs.forEach((spec, i) => {
    if (!spec.name.startsWith("@")) return;
    const key = spec.name.slice(1);
    const variable = fields[key] as { assign?: unknown } | undefined;
    if (!privateScalars.includes(key) || typeof variable?.assign !== "function" || spec.shape.length !== 0) {
      throw fail(`optimizerSpecs[${i}] '${spec.name}' is not a scalar that ${parts.optimizer.getClassName()} keeps`);
    }
  });
  const weights = parts.model.weights.map((w) => w.shape as number[]);
  state.callbacks.forEach((saved, i) => {
    if (!saved || saved.tensors === 0) return;
    const names = Array.from({ length: saved.tensors }, (_, j) => `c${i}-${j}`);
    const shapes = names.map((name) => state.callbackSpecs.find((s) => s.name === name)!.shape);
    if (
      saved.kind !== "EarlyStopping" ||
      shapes.length !== weights.length ||
      shapes.some((s, j) => !sameShape(s, weights[j]!))
    ) {
      throw fail(
        `callbacks[${i}] keeps ${saved.tensors} tensors that are not a copy of the model's ${weights.length} weights`,
      );
    }
  });
}
