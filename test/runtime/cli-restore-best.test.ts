/**
 * `early_stopping(restore_best_weights: true)` in `nnc train`'s output: Keras's line naming the epoch whose
 * weights were put back, and the summary table's `*` on that epoch, by the figure it watched (not by val_loss).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { nnc } from "../helpers/cli.js";
import { twoBlobsCsv } from "../helpers/data-files.js";

it("marks and names the epoch whose weights restore_best_weights kept", () => {
  const scratch = mkdtempSync(join(tmpdir(), "nnc-restore-best-"));
  writeFileSync(join(scratch, "points.csv"), twoBlobsCsv(200, 3));
  writeFileSync(
    join(scratch, "tiny.nn"),
    `model Tiny {
  input point: [2]
  dense(8, activation: relu)
  dense(2, activation: softmax)
}
train Tiny {
  data: csv("points.csv", label: "side")
  loss: categorical_crossentropy
  optimizer: adam(0.05)
  metrics: [accuracy]
  batch_size: 16
  epochs: 40
  validation_split: 0.25
  seed: 2
  callbacks: [early_stopping(monitor: val_accuracy, patience: 3, restore_best_weights: true)]
}
`,
  );
  const result = nnc(["train", "tiny.nn", "--out", "run"], { cwd: scratch, timeout: 120_000 });
  expect(result.stderr).toBe("");
  const history = JSON.parse(readFileSync(join(scratch, "run", "history.json"), "utf8")) as Record<string, number>[];
  // The first epoch with the highest val_accuracy: a later equal one is no improvement.
  const top = Math.max(...history.map((r) => r["val_accuracy"]!));
  const kept = history.find((r) => r["val_accuracy"] === top)!.epoch;
  expect(result.stdout).toContain(`Restoring model weights from the end of the best epoch: ${kept}.\n`);
  const starred = result.stdout.split("\n").filter((line) => /^\s*\d+\*\s/.test(line));
  expect(starred.map((line) => Number(line.trim().split("*")[0]))).toEqual([kept]);
  expect(result.stdout).toMatch(/^\* best val_accuracy, whose weights were kept$/m);
}, 120_000);
