/**
 * What `nnc data` warns about in a summary of a train block's data, each rule stated where it is applied:
 * imbalanced classes, classes the training rows lack, constant features, repeated rows.
 */
import { printable } from "../compiler/base/line-map.js";
import type { DataSummary } from "./data-summary.js";

export interface DataWarning {
  readonly kind:
    "imbalance" | "unseen-class" | "missing-class" | "one-class" | "constant" | "duplicates" | "validation-duplicates";
  /** The output or the column (or input) it is about; absent for the whole data. */
  readonly about?: string;
  readonly message: string;
}

/** Largest class over smallest above this is imbalance. */
export const imbalanceRatio = 3;

/** Warnings about `summary`'s facts (all but its warnings), in a fixed order: by output, then columns, then rows. */
export function dataWarnings(summary: Omit<DataSummary, "warnings">): DataWarning[] {
  const warnings: DataWarning[] = [];
  for (const output of summary.outputs) {
    if (output.kind !== "classes") continue;
    const about = output.name || output.column;
    const of = output.name ? `output '${output.name}'` : `column '${quoted(output.column)}'`;
    const present = output.classes.filter((c) => c.training > 0);
    // Classes of several steps per example (characters of a sequence) are counted by step; their imbalance is
    // the language's, not the data set's.
    const unit = output.perStep ? "step" : "row";
    for (const unseen of output.classes.filter((c) => c.training === 0 && c.validation > 0)) {
      warnings.push({
        kind: "unseen-class",
        about,
        message: `${of}: class '${quoted(unseen.name)}' is in ${unseen.validation} validation ${unit}${unseen.validation === 1 ? "" : "s"} but in no training ${unit}; the model never learns it`,
      });
    }
    // Classes the model has units for that no row has (a label file of classes 0-9 with no 7s).
    const missing = output.classes.filter((c) => c.training === 0 && c.validation === 0);
    if (missing.length > 0) {
      const names = missing.slice(0, 10).map((c) => `'${quoted(c.name)}'`);
      warnings.push({
        kind: "missing-class",
        about,
        message: `${of}: ${missing.length === 1 ? `class ${names[0]} has` : `${missing.length} of the ${output.classes.length} classes have`} no ${unit}${missing.length === 1 ? "" : `: ${names.join(", ")}${missing.length > names.length ? ", ..." : ""}`}; the model never learns ${missing.length === 1 ? "it" : "them"}`,
      });
    }
    if (present.length === 1 && !output.perStep) {
      warnings.push({
        kind: "one-class",
        about,
        message: `${of}: every training row is class '${quoted(present[0]!.name)}': the model can learn only to answer it`,
      });
    }
    if (present.length < 2 || output.perStep) continue;
    // Imbalance: the largest class has more than 3x the rows of the smallest, or a class has under half its
    // fair share (training rows / classes) -- the second catches one rare class among many even ones.
    const total = present.reduce((sum, c) => sum + c.training, 0);
    const fair = total / output.classes.length;
    const smallest = present.reduce((a, b) => (b.training < a.training ? b : a));
    const largest = present.reduce((a, b) => (b.training > a.training ? b : a));
    const ratio = largest.training / smallest.training;
    if (ratio > imbalanceRatio || smallest.training < fair / 2) {
      warnings.push({
        kind: "imbalance",
        about,
        message: `${of}: classes are imbalanced: '${quoted(smallest.name)}' has ${smallest.training} training ${smallest.training === 1 ? "row" : "rows"}, '${quoted(largest.name)}' ${largest.training} (${ratio.toFixed(1)}x; a fair share is ${Math.round(fair)}); ${summary.classWeight ? "class_weight weighs them" : "consider class_weight or resampling"}`,
      });
    }
  }
  for (const column of summary.columns) {
    if (column.count > 1 && column.min === column.max) {
      warnings.push({
        kind: "constant",
        about: column.name,
        message: `column '${quoted(column.name)}' is ${format(column.min)} in every training row: it tells the model nothing`,
      });
    }
  }
  for (const array of summary.arrays) {
    if (array.values.count > 1 && array.values.min === array.values.max) {
      warnings.push({
        kind: "constant",
        about: array.input,
        message: `every value of input '${array.input}' is ${format(array.values.min)}: it tells the model nothing`,
      });
    }
  }
  const { duplicates } = summary;
  const lines = (part: "training" | "validation") => {
    const listed = duplicates.examples.filter((e) => e.part === part).map((e) => `line ${e.line} = line ${e.sameAs}`);
    return listed.join(", ");
  };
  if (duplicates.training > 0) {
    warnings.push({
      kind: "duplicates",
      message: `${duplicates.training} training ${rowsWord(duplicates.training)} another training row (features and label): ${lines("training")}${duplicates.training > 5 ? ", ..." : ""}`,
    });
  }
  if (duplicates.validationOfTraining > 0) {
    warnings.push({
      kind: "validation-duplicates",
      message: `${duplicates.validationOfTraining} validation ${rowsWord(duplicates.validationOfTraining)} a training row, so the validation figures flatter the model: ${lines("validation")}${duplicates.validationOfTraining > 5 ? ", ..." : ""}`,
    });
  }
  return warnings;
}

function rowsWord(n: number): string {
  return n === 1 ? "row repeats" : "rows repeat";
}

/** A value as the summary prints it: up to 4 significant digits. */
export function format(value: number): string {
  return String(Number(value.toPrecision(4)));
}

/**
 * A name from the data (a class, a column) as a table row or a message shows it: on one line, each control
 * character a visible escape (`printable`, and `\n`, `\t`, which it keeps).
 */
export function quoted(name: string): string {
  return printable(name).replace(/[\n\t]/g, (c) => (c === "\n" ? "\\n" : "\\t"));
}
