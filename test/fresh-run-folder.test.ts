/**
 * `freshRunFolder` claims the folder it returns (src/io/output-path.ts): two `nnc train` without `--out` started
 * at once each get their own (`runs/Tiny`, `runs/Tiny-2`) rather than both picking the same free name, and the
 * run trains into the empty folder it was handed.
 */
import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { freshRunFolder } from "../src/io/output-path.js";
import { trainModel } from "../src/runtime/index.js";
import { userError } from "./helpers/data-files.js";
import { denseLayer, quiet, sequentialModel, trainBlock } from "./helpers/ir.js";

describe("freshRunFolder", () => {
  it("claims each folder it gives, making runs/ first: two calls before either trains get two folders", () => {
    const scratch = mkdtempSync(join(tmpdir(), "nnc-fresh-run-"));
    const base = join(scratch, "runs", "Tiny");
    const first = freshRunFolder(base);
    const second = freshRunFolder(base);
    expect([first, second]).toEqual([base, `${base}-2`]);
    expect(readdirSync(join(scratch, "runs")).sort()).toEqual(["Tiny", "Tiny-2"]);
    expect(readdirSync(first)).toEqual([]);
  });

  it("hands over an empty folder that training takes as its run folder", async () => {
    const scratch = mkdtempSync(join(tmpdir(), "nnc-fresh-run-"));
    const runDir = freshRunFolder(join(scratch, "runs", "Tiny"));
    const model = sequentialModel("Tiny", "point", 2, [denseLayer("out", 2, "softmax", "point", 2)]);
    const run = await trainModel(model, trainBlock("Tiny", { epochs: 1 }), { output: quiet, runDir });
    run.model.dispose();
    expect(readdirSync(runDir)).toContain("model.json");
  });

  it("is removed again when the run it was claimed for fails before writing anything", async () => {
    const scratch = mkdtempSync(join(tmpdir(), "nnc-fresh-run-"));
    const runDir = freshRunFolder(join(scratch, "runs", "Tiny"));
    const model = sequentialModel("Tiny", "point", 2, [denseLayer("out", 2, "softmax", "point", 2)]);
    const missing = trainBlock("Tiny", {
      data: { name: "csv", args: { path: join(scratch, "none.csv"), label: "side" } },
    });
    const error = await userError(() => trainModel(model, missing, { output: quiet, runDir, freshRunDir: true }));
    expect(error.code).toBe("NN4005");
    expect(readdirSync(join(scratch, "runs"))).toEqual([]);
  });
});
