/**
 * `nnc schedule` as users run it: the table of rates at chosen steps, the steps counted from the data, and
 * an SVG chart with --plot.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nnc, repo } from "../helpers/cli.js";

const scratch = mkdtempSync(join(tmpdir(), "nnc-schedule-"));

describe("nnc schedule", () => {
  it("prints the rate at chosen steps and draws it", () => {
    cpSync(join(repo, "test", "fixtures", "data", "blobs.csv"), join(scratch, "blobs.csv"));
    writeFileSync(
      join(scratch, "tiny.nn"),
      `model Tiny {
  input point: [2]
  dense(2, activation: softmax)
}
train Tiny {
  data: csv("blobs.csv", label: "side")
  loss: categorical_crossentropy
  optimizer: sgd(0.1)
  lr_schedule: piecewise_constant_decay(boundaries: [10], values: [0.1, 0.01])
  batch_size: 8
  epochs: 4
}
`,
    );
    const result = nnc(["schedule", "tiny.nn", "--plot", "out/lr.svg"], { cwd: scratch });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    // 48 rows in batches of 8: 6 steps per epoch, 24 steps.
    expect(result.stdout).toMatch(/^48 training rows, batch_size 8: 6 steps per epoch x 4 epochs = 24 steps$/m);
    expect(result.stdout).toMatch(/^ {6}10 {6}2 {2}0\.1$/m);
    expect(result.stdout).toMatch(/^ {6}11 {6}2 {2}0\.01$/m);
    const svg = readFileSync(join(scratch, "out", "lr.svg"), "utf8");
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain("piecewise_constant_decay");
  });

  it("reports a missing data file in one line", () => {
    writeFileSync(
      join(scratch, "gone.nn"),
      readFileSync(join(scratch, "tiny.nn"), "utf8").replace("blobs.csv", "gone.csv"),
    );
    const result = nnc(["schedule", "gone.nn"], { cwd: scratch });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("error[NN4005]: gone.csv: no such file\n");
  });
});
