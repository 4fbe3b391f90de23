/**
 * `test:` evaluates the trained model once when training ends, with the weights the run keeps: its figures are
 * the ones `nnc evaluate` gives for the saved run on the same file (the same code reads and scores it), saved as
 * `test.json`; a test label outside the training classes is an error before the first step is wasted on it.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile } from "../../src/compiler/index.js";
import { evaluateRun, initBackend, loadRun, trainModel } from "../../src/runtime/index.js";
import { twoBlobsCsv, userError } from "../helpers/data-files.js";
import { quiet } from "../helpers/ir.js";

const dir = mkdtempSync(join(tmpdir(), "nnc-test-set-"));
writeFileSync(join(dir, "train.csv"), twoBlobsCsv(48, 1));
writeFileSync(join(dir, "test.csv"), twoBlobsCsv(20, 2));

function block(test: string, extra = ""): ReturnType<typeof checkFile> {
  const file = join(dir, `m-${test.replace(/\W/g, "")}.nn`);
  writeFileSync(
    file,
    `model M {
  input x: [2]
  dense(4, activation: relu)
  dense(2, activation: softmax)
}
train M {
  data: csv("train.csv", label: "side")
  test: csv("${test}", label: "side")
  loss: categorical_crossentropy
  optimizer: adam(learning_rate: 0.05)
  metrics: [accuracy]
  epochs: 6
  batch_size: 8
  validation_split: 0.25
  seed: 5
${extra}
}
`,
  );
  const checked = checkFile(file);
  expect(checked.diagnostics).toEqual([]);
  return checked;
}

describe("a test source", () => {
  beforeAll(() => initBackend("cpu"));

  it("is evaluated with the kept weights, as nnc evaluate scores the saved run, and saved as test.json", async () => {
    const callbacks = "  callbacks: early_stopping(monitor: val_loss, patience: 1, restore_best_weights: true)";
    const { program } = block("test.csv", callbacks.replace("val_loss", '"val_loss"'));
    const [model, train] = [program!.models[0]!, program!.trains[0]!];
    const runDir = join(dir, "run");
    const run = await trainModel(model, train, { output: quiet, runDir });
    expect(run.test).toMatchObject({ rows: 20, source: expect.stringMatching(/test\.csv$/) });
    expect(Object.keys(run.test!.figures)).toEqual(["loss", "accuracy"]);
    const evaluated = await evaluateRun(await loadRun(runDir), train, train.test!);
    expect(run.test!.figures).toEqual(evaluated.figures);
    expect(JSON.parse(readFileSync(join(runDir, "test.json"), "utf8"))).toEqual(run.test);
  });

  it("with a label the training data does not have is an error before training", async () => {
    writeFileSync(join(dir, "other.csv"), "x,y,side\n0,0,left\n1,1,middle\n");
    const { program } = block("other.csv");
    let progress = "";
    const output = { write: (text: string) => ((progress += text), true) } as unknown as NodeJS.WritableStream;
    const error = await userError(() => trainModel(program!.models[0]!, program!.trains[0]!, { output }));
    expect(error.format()).toMatch(/^error\[NN4006\]: \S*other\.csv:3: .*'middle'/);
    expect(progress).not.toMatch(/epoch/);
  });
});
