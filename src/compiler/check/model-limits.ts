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
import type { Span } from "../base/span.js";

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

/**
 * The statements one model's check runs, against `limits.statementsRun` (NN3014), and the repeats running now,
 * so that the error can name the one that multiplied the work. `Where` is what a repeat is reported with.
 */
export class StatementBudget<Where> {
  private spent = 0;
  private readonly running: { readonly count: Span; readonly times: number; readonly where: Where }[] = [];
  /** Spent: nothing more runs. */
  exhausted = false;

  /** Counts one statement; false (and exhausted) once the budget is spent. */
  spend(): boolean {
    if (++this.spent <= limits.statementsRun.value) return true;
    this.exhausted = true;
    return false;
  }

  /** Runs a repeat's body `times` times, or until the budget is spent. */
  repeat(count: Span, times: number, where: Where, body: () => void): void {
    this.running.push({ count, times, where });
    for (let i = 0; i < times && !this.exhausted; i++) body();
    this.running.pop();
  }

  /** Of the repeats running, the one that runs most times (the outermost of equals). */
  culprit(): { readonly count: Span; readonly where: Where } | undefined {
    let most: (typeof this.running)[number] | undefined;
    for (const r of this.running) if (most === undefined || r.times > most.times) most = r;
    return most;
  }
}

/** NN3015 at the call in the model that starts a chain of block calls nested past `limits.blockDepth`. */
export function blockDepthError(outermost: { readonly block: string; readonly site: Location }): Diagnostic {
  return diagnostic("NN3015", outermost.site, { name: outermost.block, limit: limits.blockDepth.value });
}
