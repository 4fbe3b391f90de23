/**
 * The module `nnc compile` emits runs outside this repository: in a folder that has only nnc and tfjs
 * installed (node_modules links to this repository as `nnc` and to its @tensorflow/tfjs; nothing else),
 * `tsx out.ts` resolves `nnc/runtime` through package.json's "exports", trains examples/iris.nn and prints
 * its final figures.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { nnc, repo } from "./helpers/cli.js";

/** A folder with only nnc and tfjs installed. */
function standaloneFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), "nnc-standalone-"));
  mkdirSync(join(folder, "node_modules", "@tensorflow"), { recursive: true });
  symlinkSync(repo, join(folder, "node_modules", "nnc"));
  symlinkSync(join(repo, "node_modules", "@tensorflow", "tfjs"), join(folder, "node_modules", "@tensorflow", "tfjs"));
  // The emitted module is ESM (top-level await, import.meta.url): the folder says so, as `npm pkg set type=module` does.
  writeFileSync(join(folder, "package.json"), JSON.stringify({ private: true, type: "module" }));
  return folder;
}

it("trains examples/iris.nn from a folder with only nnc and tfjs installed", () => {
  const folder = standaloneFolder();
  const compiled = nnc(["compile", "examples/iris.nn", "-o", join(folder, "out.ts")]);
  expect(compiled.status, compiled.stderr).toBe(0);
  expect(readFileSync(join(folder, "out.ts"), "utf8")).toMatch(/from "nnc\/runtime"/);

  const tsx = join(repo, "node_modules", ".bin", "tsx");
  const result = spawnSync(tsx, ["out.ts"], { cwd: folder, encoding: "utf8", timeout: 120_000 });
  expect(result.status, result.stderr).toBe(0);
  const last = result.stdout.trimEnd().split("\n").at(-1)!;
  expect(last).toMatch(/^Iris: .*\bloss \d+\.\d{4}/);
  const loss = Number(/(?:^|, )loss (\d+\.\d{4})/.exec(last.replace(/^Iris: /, ""))![1]);
  // 60 epochs of adam(0.01) on iris: far below the ~1.1 of an untrained three-class softmax.
  expect(loss).toBeLessThan(0.5);
  expect(last).toMatch(/\baccuracy \d/);
  // Saved where `nnc train` saves, relative to the working folder.
  for (const file of ["model.json", "weights.bin", "history.json", "labels.json"])
    expect(existsSync(join(folder, "runs", "Iris", file)), file).toBe(true);
});

it("builds a model with a shared layer and nnc's own layers, which saves and loads with tf.loadLayersModel", () => {
  const folder = standaloneFolder();
  writeFileSync(
    join(folder, "m.nn"),
    `model Pair {
  input left: [6, 4]
  input right: [6, 4]
  layer encode = conv1d(4, 2, padding: causal, dilation_rate: 2)
  a = left -> encode
  b = right -> encode
  attended = multi_head_attention(a, b, num_heads: 2, key_dim: 3)
  out = attended -> global_average_pooling1d() -> dense(1)
  output out
}
`,
  );
  const compiled = nnc(["compile", join(folder, "m.nn"), "-o", join(folder, "out.ts")]);
  expect(compiled.status, compiled.stderr).toBe(0);
  const summary = nnc(["summary", join(folder, "m.nn"), "--format", "json"]);
  const total = JSON.parse(summary.stdout).models[0].totalParams as number;
  writeFileSync(
    join(folder, "main.ts"),
    `import * as tf from "@tensorflow/tfjs";
import "nnc/runtime";
import { buildPair } from "./out.js";
const model = buildPair();
const x = tf.randomNormal([2, 6, 4], 0, 1, "float32", 1);
const before = model.predict([x, x]) as tf.Tensor;
const saved: tf.io.ModelArtifacts[] = [];
await model.save(tf.io.withSaveHandler(async (artifacts) => (saved.push(artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } })));
const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved[0]!));
const after = loaded.predict([x, x]) as tf.Tensor;
console.log(JSON.stringify({ params: model.countParams(), layers: model.layers.length, same: tf.max(tf.abs(tf.sub(before, after))).dataSync()[0] }));
`,
  );
  const tsx = join(repo, "node_modules", ".bin", "tsx");
  const result = spawnSync(tsx, ["main.ts"], { cwd: folder, encoding: "utf8", timeout: 120_000 });
  expect(result.status, result.stderr).toBe(0);
  const report = JSON.parse(result.stdout.trim().split("\n").at(-1)!) as {
    params: number;
    layers: number;
    same: number;
  };
  expect(report.params).toBe(total);
  // two inputs, the shared conv1d once, attention, pooling, dense
  expect(report.layers).toBe(6);
  expect(report.same).toBe(0);
});
