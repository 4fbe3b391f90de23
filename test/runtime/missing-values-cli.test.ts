/**
 * Rows with a missing value outside training: `nnc evaluate` on data read with `missing: drop` says how many
 * rows it left out, as `nnc train` does; `nnc predict` answers every row, so a missing value there is an error
 * whose advice is not `missing: drop` (which predict never applies).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { nnc } from "../helpers/cli.js";
import { twoBlobsCsv } from "../helpers/data-files.js";
import { scratchFolder, trainRun } from "../helpers/runs.js";
import { initBackend } from "../../src/runtime/index.js";

const { dir, file } = scratchFolder("nnc-missing-cli-");
let spec: string;

beforeAll(async () => {
  await initBackend();
  file("points.csv", twoBlobsCsv(40, 6));
  spec = file(
    "tiny.nn",
    `model Tiny {
  input point: [2]
  dense(2, activation: softmax)
}
train Tiny {
  data: csv("points.csv", label: "side", missing: drop)
  loss: categorical_crossentropy
  optimizer: adam
  metrics: [accuracy]
  batch_size: 8
  epochs: 1
}
`,
  );
  await trainRun(spec, join(dir, "run"));
  // 6 rows, two of them with an empty cell.
  writeFileSync(
    join(dir, "ev.csv"),
    "x,y,side\n2,0.1,right\n,0.3,left\n-2,0.2,left\n1.5,,right\n2.2,0,right\n-1,0,left\n",
  );
}, 60_000);

describe("missing values outside training", () => {
  it("nnc evaluate says how many rows missing: drop left out", () => {
    const result = nnc(["evaluate", spec, "--model", join(dir, "run"), "--data", join(dir, "ev.csv")], { cwd: dir });
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^dropped 2 rows with a missing value \(missing: drop\)$/m);
    expect(result.stdout).toMatch(/^evaluated Tiny on .*ev\.csv \(4 rows\)$/m);
  });

  it("nnc predict needs every value, and says so", () => {
    const result = nnc(["predict", spec, "--model", join(dir, "run"), "--input", join(dir, "ev.csv")], { cwd: dir });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^error\[NN4006\]: .*ev\.csv:3: column 'x': the value is empty \(predict needs every value; fill it in or remove the row\)\n$/,
    );
  });
});
