/**
 * Model calls and the runs they load, at their edges: a call inside a called model keeps its weights, calls in
 * a cycle (across files or in one) are errors and never a crash, and a run is read at check as the runtime reads
 * it (a folder with a regular model.json inside it, float32 weights, a size compared before anything is read).
 * A tiny base is trained here on two blobs of points.
 */
import { copyFileSync, cpSync, mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile, checkSource } from "../src/compiler/index.js";
import { emitTypeScript } from "../src/compiler/emit/index.js";
import { buildModel, initBackend, loadRun } from "../src/runtime/index.js";
import { twoBlobsCsv, userError } from "./helpers/data-files.js";
import { scratchFolder, trainRun } from "./helpers/runs.js";

const { dir, file } = scratchFolder("nnc-transfer-runs-");

file("blobs.csv", twoBlobsCsv(32, 2));
file(
  "base.nn",
  `model Base {
  input p: [2]
  features = p -> dense(8, activation: relu) -> dense(6, activation: relu)
  features -> dense(2, activation: softmax)
}

train Base {
  data: csv("blobs.csv", label: "side")
  loss: categorical_crossentropy
  optimizer: adam
  batch_size: 16
  epochs: 1
  seed: 1
}
`,
);

/** A spec in the scratch folder calling Base with `args`; its diagnostics as `code quoted-span`. */
function problems(args: string, extra = ""): string[] {
  const text = `import { Base } from "./base.nn"\nmodel S {\n  input p: [2]\n  p -> Base(${args}) -> dense(2)\n}\n${extra}`;
  return checkSource(text, join(dir, "spec.nn")).diagnostics.map(
    (d) => `${d.code} ${text.slice(d.span.start, d.span.end)}`,
  );
}

/** Each layer's weights, by layer name. */
function weightsOf(model: tf.LayersModel): Map<string, number[][]> {
  return new Map(model.layers.map((layer) => [layer.name, layer.getWeights().map((w) => [...w.dataSync()])]));
}

/** A copy of runs/Base as runs/`name`, its model.json changed by `change`. */
function changedRun(name: string, change: (json: { weightsManifest: { weights: object[] }[] }) => void): string {
  const folder = join(dir, "runs", name);
  mkdirSync(folder, { recursive: true });
  const json = JSON.parse(readFileSync(join(dir, "runs", "Base", "model.json"), "utf8"));
  change(json);
  writeFileSync(join(folder, "model.json"), JSON.stringify(json));
  copyFileSync(join(dir, "runs", "Base", "weights.bin"), join(folder, "weights.bin"));
  return folder;
}

let base: Map<string, number[][]>;

beforeAll(async () => {
  await initBackend("wasm");
  await trainRun(join(dir, "base.nn"), join(dir, "runs", "Base"));
  base = weightsOf((await loadRun(join(dir, "runs", "Base"))).model);
});

describe("a model call inside a called model", () => {
  it("keeps its run's weights: the loads carry over, prefixed, in the IR, the built model and the module", async () => {
    mkdirSync(join(dir, "sub"), { recursive: true });
    file(
      "sub/mid.nn",
      `import { Base } from "../base.nn"
model Mid {
  input p: [2]
  f = p -> Base(weights: "../runs/Base", until: features, trainable: false)
  f -> dense(2, activation: softmax)
}
`,
    );
    const top = file(
      "top.nn",
      `import { Mid } from "./sub/mid.nn"\nmodel Top {\n  input p: [2]\n  p -> Mid() -> dense(2, activation: softmax)\n}\n`,
    );
    const { program, diagnostics } = checkFile(top);
    expect(diagnostics).toEqual([]);
    const ir = program!.models[0]!;
    expect(ir.loads?.map((load) => [load.run, load.layers])).toEqual([
      [join(dir, "runs", "Base"), { "Mid/Base/dense": "dense", "Mid/Base/dense_1": "dense_1" }],
    ]);
    const model = buildModel(ir);
    const here = weightsOf(model);
    expect(here.get("Mid/Base/dense")).toEqual(base.get("dense"));
    expect(here.get("Mid/Base/dense_1")).toEqual(base.get("dense_1"));
    expect(model.getLayer("Mid/Base/dense").trainable).toBe(false);
    model.dispose();
    const module = await emitTypeScript(program!);
    expect(module).toContain('import { loadRunWeights } from "nnc/runtime";');
    expect(module).toContain('"Mid/Base/dense": "dense"');
  });
});

describe("model calls in a cycle", () => {
  it("across two files that import each other: NN2010 at the import, never a crash", () => {
    const cyc1 = file(
      "cyc1.nn",
      `import { B } from "./cyc2.nn"\nmodel A {\n  input x: [4]\n  x -> B() -> dense(3)\n}\n`,
    );
    const cyc2 = file(
      "cyc2.nn",
      `import { A } from "./cyc1.nn"\nmodel B {\n  input x: [4]\n  x -> A() -> dense(3)\n}\n`,
    );
    for (const spec of [cyc1, cyc2]) expect(checkFile(spec).diagnostics.map((d) => d.code)).toEqual(["NN2010"]);
    // Only one of them calls the other.
    const cy3 = file("cy3.nn", `import { B } from "./cy4.nn"\nmodel A {\n  input x: [4]\n  x -> dense(3)\n}\n`);
    const cy4 = file("cy4.nn", `import { A } from "./cy3.nn"\nmodel B {\n  input x: [4]\n  x -> A() -> dense(3)\n}\n`);
    for (const spec of [cy3, cy4]) expect(checkFile(spec).diagnostics.map((d) => d.code)).toContain("NN2010");
  });

  it("in one file, directly or through a third model: NN2030 at each call into the cycle", () => {
    const model = (name: string, calls: string) =>
      `model ${name} {\n  input x: [4]\n  x -> ${calls}() -> dense(3)\n}\n`;
    const codes = (text: string) =>
      checkSource(text, join(dir, "one.nn")).diagnostics.map(
        (d) => `${d.code} ${text.slice(d.span.start, d.span.end)}`,
      );
    expect(codes(model("A", "B") + model("B", "A"))).toEqual(["NN2030 B", "NN2030 A"]);
    expect(codes(model("A", "B") + model("B", "C") + model("C", "A"))).toEqual(["NN2030 B", "NN2030 C", "NN2030 A"]);
    // A model that calls into a cycle is not in it: the cycle's errors are the cycle's models'.
    expect(codes(model("A", "B") + model("B", "A") + model("E", "A") + model("F", "E"))).toEqual([
      "NN2030 B",
      "NN2030 A",
    ]);
  });
});

describe("the run a model call or init: from_run reads", () => {
  it("must be a folder holding a regular model.json of its own; only a path where nothing is is NN4034", () => {
    expect(problems(`weights: "blobs.csv"`)).toEqual(['NN4035 "blobs.csv"']);
    expect(problems(`weights: "."`)).toEqual(['NN4035 "."']);
    expect(problems(`weights: "runs/None"`)).toEqual(['NN4034 "runs/None"']);
    mkdirSync(join(dir, "runs", "Link"), { recursive: true });
    symlinkSync("/etc/passwd", join(dir, "runs", "Link", "model.json"));
    const [linked] = checkSource(
      `import { Base } from "./base.nn"\nmodel S {\n  input p: [2]\n  p -> Base(weights: "runs/Link")\n}\n`,
      join(dir, "spec.nn"),
    ).diagnostics;
    expect([linked!.code, linked!.message]).toEqual([
      "NN4035",
      "cannot load weights from runs/Link: model.json is a symbolic link to a file outside the run folder",
    ]);
  });

  it("a weight that is not float32 is NN3019 at check and NN4035 naming the layer when loaded", async () => {
    const folder = changedRun("Int", (json) => {
      (json.weightsManifest[0]!.weights[0] as { dtype: string }).dtype = "int32";
    });
    expect(problems(`weights: "runs/Int"`)).toEqual(['NN3019 Base(weights: "runs/Int")']);
    const { program } = checkSource(
      `import { Base } from "./base.nn"\nmodel S {\n  input p: [2]\n  p -> Base(weights: "runs/Base")\n}\n`,
      join(dir, "spec.nn"),
    );
    const ir = program!.models[0]!;
    const load = { ...ir.loads![0]!, run: folder };
    const error = await userError(() => buildModel({ ...ir, loads: [load] }));
    expect(error.code).toBe("NN4035");
    expect(error.format()).toContain("is int32, but layer 'Base/dense' here holds float32");
  });

  it("init: from_run whose run has no layer of the model's names warns (NN4037)", () => {
    const text = `model Q {
  input p: [2]
  dense(4, activation: relu, name: "q1") -> dense(2, activation: softmax, name: "q2")
}

train Q {
  data: csv("blobs.csv", label: "side")
  loss: categorical_crossentropy
  optimizer: adam
  epochs: 1
  batch_size: 16
  init: from_run("runs/Base")
}
`;
    const codes = checkSource(text, join(dir, "q.nn")).diagnostics.map((d) => [d.code, d.severity]);
    expect(codes).toEqual([["NN4037", "warning"]]);
    const named = text.replace('name: "q1"', 'name: "dense"');
    expect(checkSource(named, join(dir, "q.nn")).diagnostics.map((d) => d.code)).not.toContain("NN4037");
  });

  it("a weights.bin far larger than its manifest says is NN4010 before it is read", async () => {
    const folder = join(dir, "runs", "Huge");
    cpSync(join(dir, "runs", "Base"), folder, { recursive: true });
    // Sparse: 2.5 GB on paper, nothing on disk; reading it whole would fail with a RangeError.
    truncateSync(join(folder, "weights.bin"), 2.5 * 1024 ** 3);
    const error = await userError(() => loadRun(folder));
    expect(error.code).toBe("NN4010");
    expect(error.format()).toContain("hold 2684354560 bytes, but weightsManifest describes");
  });
});
