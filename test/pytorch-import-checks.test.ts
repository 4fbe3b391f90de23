import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSafetensors, writeSafetensors } from "../src/io/safetensors.js";
import { pytorchRunLimits, weightsChecksum } from "../src/runtime/pytorch/run-checks.js";
import { nnc } from "./helpers/cli.js";
import { useCpuBackend } from "./helpers/layer-oracle.js";
import { irisHistory, irisRunJson, writeIrisSpec, writePytorchRun } from "./helpers/pytorch-run.js";
import { scratchFolder } from "./helpers/runs.js";

const { dir } = scratchFolder("nnc-import-checks-");
const spec = writeIrisSpec(dir);
const disposers: (() => void)[] = [];
beforeAll(useCpuBackend);
afterAll(() => disposers.forEach((dispose) => dispose()));

/** A fresh PyTorch run folder `name` (see helpers/pytorch-run.ts); its path and its weights file. */
async function run(name: string): Promise<{ run: string; weights: string }> {
  const written = await writePytorchRun(dir, spec, name);
  disposers.push(() => written.model.dispose());
  return { run: written.run, weights: join(written.run, "weights.safetensors") };
}

/** Runs import-weights on `folder` (in `dir`); expects the one-line error `expected` and no folder written. */
function refused(folder: string, expected: string, args: readonly string[] = []): void {
  const result = nnc(["import-weights", folder, ...args], { cwd: dir });
  expect([result.stderr, result.stdout, result.status]).toEqual([`${expected}\n`, "", 1]);
  expect(existsSync(join(dir, "runs"))).toBe(false);
}

const writeJson = (file: string, value: unknown) => writeFileSync(file, JSON.stringify(value));

describe("nnc import-weights checks a PyTorch run before writing anything", () => {
  it("refuses a history that is empty, of another length than completed_epochs, out of order, NaN or too big", async () => {
    const { run: folder } = await run("history");
    const history = join(folder, "history.json");
    writeJson(history, []);
    refused(folder, "error[NN4010]: history/history.json: 0 epochs, but run.json's completed_epochs is 2");
    writeJson(history, [...irisHistory, ...irisHistory]);
    refused(folder, "error[NN4010]: history/history.json: 4 epochs, but run.json's completed_epochs is 2");
    writeJson(history, [irisHistory[1], irisHistory[0]]);
    refused(folder, "error[NN4010]: history/history.json: record 1 is epoch 2: records run from epoch 1 in order");
    writeJson(history, [irisHistory[0], { ...irisHistory[1], loss: null }]);
    refused(folder, "error[NN4010]: history/history.json: [1].loss must be number");
    writeFileSync(history, "[" + " ".repeat(2 * pytorchRunLimits.historyBytesPerEpoch) + "]");
    const size = 2 + 2 * pytorchRunLimits.historyBytesPerEpoch;
    const most = 2 * pytorchRunLimits.historyBytesPerEpoch;
    refused(
      folder,
      `error[NN4010]: history/history.json: ${size} bytes, more than the ${most} a history of 2 epochs ` +
        "(run.json's completed_epochs) may have",
    );
    writeJson(history, irisHistory);
    writeJson(join(folder, "run.json"), { ...irisRunJson, completed_epochs: 0 });
    refused(folder, "error[NN4010]: history/run.json: completed_epochs must be >= 1");
    writeFileSync(join(folder, "run.json"), " ".repeat(pytorchRunLimits.runBytes + 1));
    refused(
      folder,
      `error[NN4010]: history/run.json: ${pytorchRunLimits.runBytes + 1} bytes, more than the ` +
        `${pytorchRunLimits.runBytes} the run.json of a PyTorch run may have`,
    );
  });

  it("refuses classes that do not fit the model's output units, repeat, or come in another order than the data's", async () => {
    const { run: folder } = await run("classes");
    const labels = irisRunJson.data.labels;
    const withClasses = (classes: string[]) =>
      writeJson(join(folder, "run.json"), {
        ...irisRunJson,
        data: { ...irisRunJson.data, labels: { ...labels, classes } },
      });
    withClasses(["extra", ...labels.classes]);
    refused(
      folder,
      "error[NN4010]: classes/run.json: data.labels lists 4 classes, but model Iris's output has 3 units " +
        "(one unit per class)",
    );
    withClasses(["virginica", "versicolor", "setosa"]);
    refused(
      folder,
      "error[NN4010]: classes/run.json: data.labels.classes lists virginica, versicolor, setosa, but the spec's " +
        "data gives them in the order setosa, versicolor, virginica",
    );
    // Other classes than the data's now (the data changed since training): imported as run.json says, with a warning.
    withClasses(["setosa", "versicolor", "virginica2"]);
    const changed = nnc(["import-weights", folder, "-o", "classes-imported"], { cwd: dir });
    expect([changed.stderr, changed.status]).toEqual([
      "warning: classes/run.json's data.labels.classes (setosa, versicolor, virginica2) are not the classes of the " +
        "spec's data now (setosa, versicolor, virginica); the import names output units as run.json does\n",
      0,
    ]);
    rmSync(join(dir, "classes-imported"), { recursive: true });
    withClasses(["setosa", "setosa", "virginica"]);
    refused(
      folder,
      "error[NN4010]: classes/run.json: data.labels.classes must NOT have duplicate items (items ## 1 and 0 are identical)",
    );
  });

  it("refuses weights holding NaN or an infinity, naming the tensor and where", async () => {
    const { run: folder, weights } = await run("nan");
    const { tensors, metadata } = await readSafetensors(weights);
    const [name, tensor] = [...tensors].find(([key]) => key.endsWith("weight"))!;
    const data = Float32Array.from(tensor.data as Float32Array);
    const save = () =>
      writeSafetensors(weights, new Map([...tensors, [name, { ...tensor, dtype: "F32", data }]]), metadata);
    data[tensor.shape[1]! + 2] = Number.POSITIVE_INFINITY;
    await save();
    refused(folder, `error[NN4010]: nan/weights.safetensors: tensor '${name}' holds Infinity at [1, 2]`);
    data[0] = Number.NaN;
    await save();
    refused(folder, `error[NN4010]: nan/weights.safetensors: tensor '${name}' holds NaN at [0, 0]`);
  });

  it("checks the weights against run.json's weights_sha256 (rank 0's)", async () => {
    const { run: folder, weights } = await run("sha");
    const { tensors, metadata } = await readSafetensors(weights);
    const sum = weightsChecksum(tensors);
    writeJson(join(folder, "run.json"), { ...irisRunJson, weights_sha256: [sum, sum] });
    const good = nnc(["import-weights", folder, "-o", "sha-imported"], { cwd: dir });
    expect([good.stderr, good.status]).toEqual(["", 0]);
    const changed = new Map(tensors);
    const [name, tensor] = [...tensors][0]!;
    changed.set(name, { ...tensor, data: (tensor.data as Float32Array).map((v) => v + 1) } as typeof tensor);
    await writeSafetensors(weights, changed, metadata);
    const actual = weightsChecksum(changed);
    refused(
      folder,
      `error[NN4010]: sha/weights.safetensors: its SHA-256 is ${actual.slice(0, 12)}..., not the ` +
        `${sum.slice(0, 12)}... run.json records (changed since the run saved it, or saved by another run)`,
    );
  });

  it("never writes inside the PyTorch run folder, by any path", async () => {
    const { run: folder } = await run("inside");
    mkdirSync(join(dir, "links"));
    symlinkSync(folder, join(dir, "links", "to-run"));
    for (const out of ["inside/sub", "inside/a/b", "links/to-run/sub", "inside"]) {
      refused(
        folder,
        `error: cannot write ${out}/: it is inside the PyTorch run folder inside/, which import-weights only reads; ` +
          "choose a folder outside it with --out",
        ["-o", out],
      );
      expect(existsSync(join(folder, "sub"))).toBe(false);
    }
  });

  it("reads only a .nn spec from run.json, never echoing another file", async () => {
    const { run: folder } = await run("spec");
    writeFileSync(join(dir, "secret.txt"), "root:x:0:0:root\n");
    writeJson(join(folder, "run.json"), { ...irisRunJson, spec: "../secret.txt" });
    refused(
      folder,
      'error: spec/run.json names the spec "../secret.txt", which is not a .nn file; give it with --spec FILE',
    );
  });

  it("says to use --out or --overwrite for a folder holding an earlier run, and shows a restored epoch's figures", async () => {
    const { run: folder } = await run("hint");
    writeJson(join(folder, "run.json"), { ...irisRunJson, restored_epoch: 1 });
    const first = nnc(["import-weights", folder, "-o", "hint-imported"], { cwd: dir });
    expect([first.stderr, first.stdout.split("\n").slice(0, 3)]).toEqual([
      "",
      [
        "imported Iris from hint/ (PyTorch 1.13.1, 2 processes, 2 epochs)",
        "final: loss: 0.9000 - accuracy: 0.6000",
        "weights of epoch 1 (restore_best_weights kept them): loss: 1.1000 - accuracy: 0.4000",
      ],
    ]);
    const again = nnc(["import-weights", folder, "-o", "hint-imported"], { cwd: dir });
    expect(again.stderr).toMatch(
      /^error\[NN4043\]: hint-imported holds an earlier run \(.*\) \(choose another folder with --out, or pass --overwrite to replace it\)\n$/,
    );
    expect(again.stderr).not.toMatch(/resume|trainM/);
    writeJson(join(folder, "run.json"), { ...irisRunJson, restored_epoch: 3 });
    refused(folder, "error[NN4010]: hint/run.json: restored_epoch 3 is past completed_epochs 2");
    rmSync(join(dir, "hint-imported"), { recursive: true });
    expect(readFileSync(join(folder, "history.json"), "utf8")).toBe(JSON.stringify(irisHistory));
  });
});
