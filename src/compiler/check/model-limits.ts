/**
 * The limits a model is checked against (docs/security.md), and the count of its parameters against theirs:
 * a model past `limits.parameters` is NN3013 at its name, with a note at the layer that crossed the limit, so
 * `nnc check` refuses what `nnc train` could not allocate.
 */
import { diagnostic, type Diagnostic, type Location } from "../diagnostics/index.js";
import { exactSum } from "../ir/exact.js";
import type { IrModel, ParamCount } from "../ir/index.js";
import { limits } from "../base/limits.js";
import { groupThousands } from "../base/numbers.js";

/** The limits a model is checked against; the command line may raise them. */
export interface CheckLimits {
  /** Layers after every repeat and block call is expanded (NN3011). */
  readonly expandedLayers: number;
  /** Parameters of one model (NN3013). */
  readonly parameters: number;
}

export const defaultCheckLimits: CheckLimits = {
  expandedLayers: limits.expandedLayers.value,
  parameters: limits.parameters.value,
};

/** Parameters added up layer by layer, remembering the layer that took the total past the limit. */
export class ParameterBudget {
  private total = 0;
  private crossedAt: Location | undefined;

  constructor(private readonly limit: number) {}

  add(params: ParamCount, at: Location): void {
    this.total += params.trainable + params.nonTrainable;
    if (this.total > this.limit) this.crossedAt ??= at;
  }

  /** NN3013 for a model past the limit, with its exact total; undefined when it fits. */
  check(model: IrModel): Diagnostic | undefined {
    if (!this.crossedAt) return undefined;
    const total = exactSum(model.layers.flatMap((l) => [l.params.trainable, l.params.nonTrainable]))!;
    const related = [{ ...this.crossedAt, message: "the total passes the limit at this layer" }];
    const args = { name: model.name, params: groupThousands(total), limit: groupThousands(this.limit) };
    const hint = "make the model smaller, or raise the limit with --max-params N";
    return diagnostic("NN3013", model.location, args, { related, hint });
  }
}
