/**
 * A row's sample weight, read from the column (or JSON field) a csv() or json() source names with
 * `sample_weight:`. Like Keras's `fit(sample_weight=)`, each weight multiplies its row's loss: 0 leaves the row
 * out of the gradient, 2 counts it twice. A weight must be a finite number, 0 or more: a negative one would
 * train the model away from its target, and NaN would make every weight NaN.
 */
import type { IrCall } from "../../compiler/ir/index.js";
import { NncUserError } from "../errors.js";
import { decimalValue, describeJson } from "./values.js";

/**
 * The weight in `value` (a CSV cell's text, or a JSON field) of the row at `where` (`data.csv:7`), `what` naming
 * the column there (`column 'w'`); NN4061 when
 * it is missing, not a number, not finite as a 32-bit float, or negative.
 */
export function sampleWeightOf(value: unknown, where: string, what: string): number {
  const number = typeof value === "number" ? value : typeof value === "string" ? decimalValue(value) : undefined;
  if (number !== undefined && Number.isFinite(Math.fround(number)) && number >= 0) return number;
  const shown = value === undefined || value === null || value === "" ? "missing" : describeJson(value);
  const raw =
    typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
  const pastFloat32 = Number.isFinite(raw) && raw >= 0 && !Number.isFinite(Math.fround(raw));
  const rule = pastFloat32
    ? "past float32's range (at most 3.4e38), where tfjs weighs the losses"
    : "a sample weight is a finite number, 0 or more";
  const reason = `${what}: the sample weight is ${shown}; ${rule}`;
  throw new NncUserError("NN4061", { where, reason });
}

/**
 * `source` without its `sample_weight:`: evaluation (`nnc evaluate`, `test:`) is unweighted, and the data it
 * is given (`--data`) need not have the training data's weight column.
 */
export function unweighted(source: IrCall): IrCall {
  if (source.args["sample_weight"] === undefined) return source;
  const { sample_weight: _, ...args } = source.args;
  return { ...source, args };
}
