/**
 * Figures in the targets' units with `normalize_target: standard`: each figure of a metric whose registry
 * entry has a `unitPower` is scaled by its own output's standard deviation (keyed by the output, not by a
 * prefix of the figure's name: outputs `p` and `p_x`), and training logs them as `nnc evaluate` reports
 * them, training and `val_` figures alike, the loss staying on the standardised targets.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { metricFigures } from "../../src/compiler/registry/train-options.js";
import { inTargetUnits, targetUnitFactors } from "../../src/runtime/figures.js";
import { evaluateRun, initBackend, loadRun } from "../../src/runtime/index.js";
import { scratchFolder, trainRun } from "../helpers/runs.js";

beforeAll(async () => {
  await initBackend("cpu");
});

describe("targetUnitFactors", () => {
  const scaling = [
    { mode: "standard", shift: 0, scale: 2 },
    { mode: "standard", shift: 5, scale: 10 },
  ] as const;

  it("keys each figure by its own output: p_x_mae takes p_x's scale, not p's", () => {
    const figures = metricFigures(["p", "p_x"], { p: ["mae", "r2"], p_x: ["mae", "mse", "rmse", "mape"] });
    const factors = targetUnitFactors(figures, scaling);
    expect(Object.fromEntries(factors)).toEqual({
      p_mae: 2,
      val_p_mae: 2,
      p_x_mae: 10,
      val_p_x_mae: 10,
      p_x_mse: 100,
      val_p_x_mse: 100,
      p_x_rmse: 10,
      val_p_x_rmse: 10,
    });
    const logged = { loss: 1, p_x_loss: 1, p_mae: 1, p_x_mae: 1, val_p_x_mae: 0.5, p_r2: 0.9, p_x_mape: 30 };
    expect(inTargetUnits(logged, factors)).toEqual({ ...logged, p_mae: 2, p_x_mae: 10, val_p_x_mae: 5 });
  });

  it("leaves an output without scaling (classes, or no normalize_target) as it is", () => {
    const figures = metricFigures(["p", "p_x"], ["mae"]);
    expect(Object.fromEntries(targetUnitFactors(figures, [null, scaling[1]]))).toEqual({
      p_x_mae: 10,
      val_p_x_mae: 10,
    });
    expect(targetUnitFactors(figures, undefined).size).toBe(0);
  });
});

describe("training logs what nnc evaluate reports", () => {
  const { dir, file } = scratchFolder("nnc-target-units-");
  const rows = (count: number, offset: number) =>
    Array.from({ length: count }, (_, i) => {
      const x = (i * 7 + offset) % 13;
      return [x, 50 + 4 * x + ((i * 5) % 3)];
    });
  const training = rows(24, 0);
  const csv = (table: number[][]) => `x,y\n${table.map((r) => r.join(",")).join("\n")}\n`;
  file("train.csv", csv(training));
  file("val.csv", csv(rows(8, 3)));
  const source = (path: string) => `csv("${path}", label: "y", normalize: standard, normalize_target: standard)`;
  const spec = file(
    "fit.nn",
    `model Fit {
  input x: [1]
  dense(1)
}

train Fit {
  data: ${source("train.csv")}
  validation: ${source("val.csv")}
  loss: mae
  optimizer: sgd(0.05)
  metrics: [mae, mse, rmse]
  epochs: 2
  batch_size: 8
  shuffle: false
  seed: 3
}
`,
  );
  const ys = training.map((row) => row[1]!);
  const mean = ys.reduce((a, y) => a + y, 0) / ys.length;
  const std = Math.sqrt(ys.reduce((a, y) => a + (y - mean) ** 2, 0) / ys.length);

  it("mae and val_mae are the loss (mae on standardised targets) times the targets' deviation", async () => {
    const runDir = join(dir, "run");
    const { train } = await trainRun(spec, runDir);
    const history = JSON.parse(readFileSync(join(runDir, "history.json"), "utf8"));
    const epochs: Record<string, number>[] = history.epochs ?? history;
    expect(epochs).toHaveLength(2);
    for (const epoch of epochs) {
      expect(epoch["mae"]).toBeCloseTo(epoch["loss"]! * std, 3);
      expect(epoch["val_mae"]).toBeCloseTo(epoch["val_loss"]! * std, 3);
      // rmse² is mse, in the same units.
      expect(epoch["val_rmse"]! ** 2).toBeCloseTo(epoch["val_mse"]!, 2);
      expect(epoch["val_mse"]).toBeGreaterThan(epoch["val_loss"]! ** 2);
    }
    // The default evaluation source is the validation one: the last epoch's val_ figures, by the same names.
    const evaluation = await evaluateRun(await loadRun(runDir), train, train.validation!);
    const last = epochs.at(-1)!;
    for (const name of ["loss", "mae", "mse", "rmse"]) {
      expect(evaluation.figures[name], name).toBeCloseTo(last[`val_${name}`]!, 3);
    }
  });
});
