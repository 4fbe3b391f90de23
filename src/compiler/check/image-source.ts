/**
 * What can be checked of an `images(path, size:, color:, ...)` source without opening the folder: the model
 * it feeds has one input, an image `[height, width, channels]`, whose size and channels agree with `size:`
 * and `color:` (NN4047, at the argument that disagrees, with the value that fits as a hint). `size` and
 * `color` left out are the input's own (`imageDefaults`): `[28, 28, 1]` reads 28 x 28 grayscale images.
 * The labels are the sub-folders' names, so the checks of label arguments do not apply.
 */
import type * as ast from "../syntax/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import { perOutput, type IrCall, type IrModel, type JsonValue, type PerOutput } from "../ir/index.js";
import { losses } from "../registry/train-options.js";
import { limits } from "../base/limits.js";
import { channelsOfColor, colorOfChannels, type ColorMode } from "../registry/image-shapes.js";

const channelsOf = (color: string): number | undefined => channelsOfColor[color as ColorMode];

/** The model's input an images() source fills, when it is one image input of known channels. */
function imageInput(model: IrModel | undefined) {
  const input = model?.inputs.length === 1 ? model.inputs[0]! : undefined;
  return input && input.shape.length === 3 ? input : undefined;
}

/**
 * `args` of an images() call with `size` and `color` filled in from the model's image input where they are
 * left out (and the input says: a size of numbers, 1, 3 or 4 channels); other calls' `args` as they are.
 */
export function imageDefaults(
  name: string,
  args: Readonly<Record<string, JsonValue>>,
  model: IrModel | undefined,
): Record<string, JsonValue> {
  const filled: Record<string, JsonValue> = { ...args };
  const input = name === "images" ? imageInput(model) : undefined;
  if (!input) return filled;
  const [height, width, channels] = input.shape;
  if (filled["size"] === undefined && typeof height === "number" && typeof width === "number")
    filled["size"] = [height, width];
  const color = typeof channels === "number" ? colorOfChannels(channels) : undefined;
  if (filled["color"] === undefined && color) filled["color"] = color;
  return filled;
}

/**
 * NN4047 for an images() source `value` (checked into `call`) that cannot feed `model`, or whose class labels
 * `loss` (the train block's, absent with `target:`) does not train on.
 */
export function imageSourceProblems(
  call: IrCall,
  value: ast.Call,
  model: IrModel | undefined,
  file: string,
  loss?: PerOutput<string>,
): Diagnostic[] {
  if (!model) return [];
  const problem = (span: ast.Span, text: string, hint: string) => [
    diagnostic("NN4047", { file, span }, { problem: text }, { hint }),
  ];
  const at = value.callee.span;
  const values = loss === undefined ? [] : perOutput(loss, undefined, "").filter((l) => losses[l]?.labels === false);
  if (values.length > 0 && model.inputs.length === 1) {
    return problem(
      at,
      `labels each image with its class (its sub-folder's name), but loss ${values[0]} trains on values`,
      "train on classes: loss: sparse_categorical_crossentropy (or categorical_crossentropy, binary_crossentropy for two classes)",
    );
  }
  if (model.inputs.length !== 1) {
    const names = model.inputs.map((input) => input.name).join(", ");
    return problem(
      at,
      `reads one image per example, but model ${model.name} has ${model.inputs.length} inputs (${names})`,
      "train a model of one image input [height, width, channels] on an image folder",
    );
  }
  const input = model.inputs[0]!;
  const shape = `[${input.shape.map((d) => d ?? "?").join(", ")}]`;
  if (input.shape.length !== 3) {
    return problem(
      at,
      `gives images [height, width, channels], but input '${input.name}' of model ${model.name} has shape ${shape}`,
      "give the model an image input, e.g. input image: [28, 28, 1], and flatten() after it where it needs a vector",
    );
  }
  const [height, width, channels] = input.shape;
  const found: Diagnostic[] = [];
  const size = call.args["size"];
  const sizeArg = argument(value, "size");
  if (!Array.isArray(size)) {
    found.push(
      ...problem(
        at,
        `needs size: [height, width], as input '${input.name}' of model ${model.name} has shape ${shape}`,
        "give the size images are resized to: size: [64, 64]",
      ),
    );
  } else if ((typeof height === "number" && size[0] !== height) || (typeof width === "number" && size[1] !== width)) {
    found.push(
      ...problem(
        sizeArg?.span ?? at,
        `resizes images to [${size.join(", ")}], but input '${input.name}' of model ${model.name} has shape ${shape}`,
        `size: [${height}, ${width}], or leave size: out to take the input's`,
      ),
    );
  }
  const color = call.args["color"];
  const depth = typeof color === "string" ? channelsOf(color) : typeof channels === "number" ? channels : 1;
  const exampleValues = Array.isArray(size) ? Number(size[0]) * Number(size[1]) * (depth ?? 1) : 0;
  if (Array.isArray(size) && exampleValues > limits.imageExampleValues.value) {
    const max = limits.imageExampleValues.value;
    found.push(
      diagnostic(
        "NN4051",
        { file, span: sizeArg?.span ?? at },
        { size: `${size.join(" x ")} x ${depth}`, values: exampleValues, max },
        { hint: "resize the images smaller (size:, or the model input's height and width)" },
      ),
    );
  }
  if (typeof color !== "string") {
    found.push(
      ...problem(
        at,
        `reads 1 (grayscale), 3 (rgb) or 4 (rgba) channels, but input '${input.name}' of model ${model.name} has shape ${shape}`,
        typeof channels === "number" ? "give the input 1, 3 or 4 channels" : "give the colour mode: color: rgb",
      ),
    );
  } else if (typeof channels === "number" && channelsOf(color) !== channels) {
    const fits = colorOfChannels(channels);
    found.push(
      ...problem(
        argument(value, "color")?.span ?? at,
        `color: ${color} gives ${channelsOf(color)} channel${color === "grayscale" ? "" : "s"}, but input '${input.name}' of model ${model.name} has shape ${shape}`,
        fits ? `color: ${fits}, or leave color: out to take the input's` : "give the input 1, 3 or 4 channels",
      ),
    );
  }
  return found;
}

/** Where a named argument of an images() call was written (by name, or as the first positional: path). */
function argument(value: ast.Call, name: string): ast.Value | undefined {
  return (value.args ?? []).find((a) => a.name?.text === name)?.value;
}
