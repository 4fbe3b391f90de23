/**
 * `normalize_target: standard` against the losses and metrics it misleads. Standardised targets have mean 0:
 * about half are negative and many are near 0. A loss whose targets must not be negative (poisson, msle:
 * Keras and tfjs clip them away) then trains on something else than the data: NN4041, an error. A loss or
 * metric that divides by the targets (mape) explodes near 0 and is no percentage of the data's values:
 * NN5014, a lint. Both are reported at `normalize_target`'s value; outputs trained on labels are not scaled.
 */
import type * as ast from "../syntax/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import { perOutput, type IrModel, type PerOutput } from "../ir/index.js";
import { losses, metrics } from "../registry/train-options.js";

/** The train block's settings the check reads. */
export interface ScaledTargetSettings {
  readonly loss?: unknown;
  readonly metrics?: unknown;
}

/** NN4041 and NN5014 for a data source whose `normalize_target:` is written at `written`. */
export function targetScalingProblems(
  written: ast.Value,
  fields: ScaledTargetSettings,
  model: IrModel | undefined,
  file: string,
): Diagnostic[] {
  if (fields.loss === undefined) return [];
  const outputs = model?.outputNames && model.outputNames.length > 1 ? model.outputNames : undefined;
  const lossNames = perOutput(fields.loss as PerOutput<string>, outputs, "");
  const metricNames = perOutput((fields.metrics ?? []) as PerOutput<readonly string[]>, outputs, []);
  const at = { file, span: written.span };
  const found: Diagnostic[] = [];
  // Outputs trained on labels keep their targets; the others are scaled.
  const scaled = lossNames
    .map((loss, i) => ({ loss, metrics: metricNames[i] ?? [] }))
    .filter(({ loss }) => {
      const kind = losses[loss];
      return kind !== undefined && !kind.labels;
    });
  const positive = [...new Set(scaled.map(({ loss }) => loss).filter((loss) => losses[loss]!.nonNegativeTargets))];
  if (positive.length > 0) {
    const hint = "train on the targets as they are (drop normalize_target), or with mse, mae or huber";
    found.push(diagnostic("NN4041", at, { loss: positive.join(", ") }, { hint }));
  }
  const dividing = new Set<string>();
  for (const { loss, metrics: names } of scaled) {
    if (losses[loss]!.dividesByTargets) dividing.add(loss);
    for (const metric of names) if (metrics[metric]?.dividesByTargets) dividing.add(metric);
  }
  if (dividing.size > 0) {
    const hint = "drop normalize_target for a percentage of the data's own values, or measure with mae";
    found.push(diagnostic("NN5014", at, { names: [...dividing].join(", ") }, { hint }));
  }
  return found;
}
