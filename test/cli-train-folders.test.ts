/**
 * `nnc train` never replaces a run silently: without `--out` each run gets a new folder (`runs/Tiny`, then
 * `runs/Tiny-2`), a named folder that holds a run is refused (NN4043) unless `--overwrite`, and `--overwrite`
 * without `--out` replaces `runs/Tiny`. The command runs as users run it (the built bin/nnc.js).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nnc } from "./helpers/cli.js";
import { scratchFolder } from "./helpers/runs.js";

const { dir: scratch, file } = scratchFolder("nnc-train-folders-");
file("points.csv", "x,y,side\n1,0,right\n-1,1,left\n2,1,right\n-2,0,left\n");
file(
  "tiny.nn",
  `model Tiny {
  input p: [2]
  dense(2, activation: softmax)
}
train Tiny {
  data: csv("points.csv", label: "side")
  loss: categorical_crossentropy
  optimizer: adam
  epochs: 1
  batch_size: 2
  seed: 1
}
`,
);
const train = (...args: string[]) => nnc(["train", "tiny.nn", ...args], { cwd: scratch, timeout: 120_000 });
const weights = (run: string) => readFileSync(join(scratch, "runs", run, "weights.bin"));

describe("nnc train's run folders", () => {
  it("gives each run without --out a new folder and keeps the earlier ones", () => {
    expect(train().stdout).toMatch(/^saved runs\/Tiny\/ \(/m);
    const first = weights("Tiny");
    const again = train("--epochs", "2");
    expect(again.stderr).toBe("");
    expect(again.stdout).toMatch(/^saved runs\/Tiny-2\/ \(/m);
    expect(weights("Tiny")).toEqual(first);
    expect(readdirSync(join(scratch, "runs")).sort()).toEqual(["Tiny", "Tiny-2"]);
  }, 120_000);

  it("refuses an --out folder that holds a run, naming it, until --overwrite replaces it", () => {
    const refused = train("--out", "runs/Tiny");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      /^error\[NN4043\]: runs\/Tiny holds an earlier run \(history\.json, history\.png, history\.svg, and \d more\) \(choose another folder, continue it with --resume \(resume: true from trainM\), or pass --overwrite \(overwrite: true\) to replace it\)\n$/,
    );
    const history = readFileSync(join(scratch, "runs", "Tiny", "history.json"), "utf8");
    expect(train("--out", "runs/Tiny", "--epochs", "3", "--overwrite").stdout).toMatch(/^saved runs\/Tiny\/ \(/m);
    expect(readFileSync(join(scratch, "runs", "Tiny", "history.json"), "utf8")).not.toBe(history);
    // --overwrite without --out replaces runs/Tiny rather than making runs/Tiny-3.
    expect(train("--overwrite").stdout).toMatch(/^saved runs\/Tiny\/ \(/m);
    expect(readdirSync(join(scratch, "runs")).sort()).toEqual(["Tiny", "Tiny-2"]);
  }, 120_000);
});
