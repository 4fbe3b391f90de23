/**
 * Transfer learning: a trained model called like a block (`Base(weights:, until:, trainable:)`), `init:
 * from_run(...)` and `fine_tune: fine_tune(...)`, on a tiny base trained here on two blobs of points. Names
 * and shapes are checked at the call (inline specs, codes and spans); the weights tfjs ends up with are the
 * run's, read back from the run's files; parameter counts are those of the model tfjs builds; fine-tuning
 * continues one run, also when it is stopped inside the second phase and resumed.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { bindFile, Workspace } from "../src/compiler/bind/index.js";
import { checkFile, checkSource } from "../src/compiler/index.js";
import { summarize } from "../src/compiler/emit/summary.js";
import { buildModel, initBackend, loadRun, trainModel } from "../src/runtime/index.js";
import { nnc, repo } from "./helpers/cli.js";
import { twoBlobsCsv, userError } from "./helpers/data-files.js";
import { scratchFolder, trainRun } from "./helpers/runs.js";

const { dir, file } = scratchFolder("nnc-transfer-");
const quiet = { write: () => true } as unknown as NodeJS.WritableStream;
const training = `loss: categorical_crossentropy
  optimizer: adam(learning_rate: 0.01)
  metrics: [accuracy]
  batch_size: 16
  epochs: 2
  seed: 3`;

file("blobs.csv", twoBlobsCsv(64, 1));
file(
  "base.nn",
  `model Base {
  input p: [2]
  features = p -> dense(8, activation: relu) -> dense(6, activation: relu)
  features -> dense(2, activation: softmax)
}

train Base {
  data: csv("blobs.csv", label: "side")
  ${training}
}
`,
);
/** A model that calls Base up to `features`, frozen, and trains a new head. */
const small = (call = `Base(weights: "runs/Base", until: features, trainable: false)`, extra = "") => `
import { Base } from "./base.nn"

model Small {
  input p: [2]
  features = p -> ${call}
  features -> dense(2, activation: softmax)
}

train Small {
  data: csv("blobs.csv", label: "side")
  ${training}
  ${extra}
}
`;

/** Checks `text` as a spec in the scratch folder; the diagnostics as `code line:column-column`. */
function diagnosticsOf(text: string): string[] {
  const { diagnostics } = checkSource(text, join(dir, "spec.nn"));
  return diagnostics.map((d) => {
    const start = text.slice(0, d.span.start).split("\n");
    return `${d.code} ${start.length}:${start.at(-1)!.length + 1}-${text.slice(d.span.start, d.span.end)}${d.hint ? ` (${d.hint})` : ""}`;
  });
}

/** Each layer's weights, by layer name. */
function weightsOf(model: tf.LayersModel): Map<string, number[][]> {
  return new Map(model.layers.map((layer) => [layer.name, layer.getWeights().map((w) => [...w.dataSync()])]));
}

const tsx = join(repo, "node_modules", ".bin", "tsx");

let base: Map<string, number[][]>;

beforeAll(async () => {
  await initBackend("wasm");
  await trainRun(join(dir, "base.nn"), join(dir, "runs", "Base"));
  base = weightsOf((await loadRun(join(dir, "runs", "Base"))).model);
});

describe("a trained model called like a block", () => {
  it("copies the layers up to `until`, named Base/..., frozen, with the run's weights; tfjs counts the same", () => {
    const { program, diagnostics } = checkSource(small(), file("small.nn", small()));
    expect(diagnostics).toEqual([]);
    const ir = program!.models[0]!;
    expect(ir.layers.map((l) => l.name)).toEqual(["Base/dense", "Base/dense_1", "dense"]);
    expect(ir.loads).toEqual([
      {
        run: join(dir, "runs", "Base"),
        layers: { "Base/dense": "dense", "Base/dense_1": "dense_1" },
        location: expect.anything(),
      },
    ]);
    const summary = summarize(ir);
    const model = buildModel(ir);
    const size = (weights: tf.LayerVariable[]) =>
      weights.reduce((sum, w) => sum + w.shape.reduce((a, b) => a! * b!, 1)!, 0);
    expect(Number(summary.totalParams)).toBe(model.countParams());
    expect(summary.trainableParams).toBe(size(model.trainableWeights));
    expect(summary.trainableParams).toBe(14);
    const here = weightsOf(model);
    expect(here.get("Base/dense")).toEqual(base.get("dense"));
    expect(here.get("Base/dense_1")).toEqual(base.get("dense_1"));
    model.dispose();
  });

  it("resolves `until` once, checks the input's shape, recursion and the run's weights", () => {
    expect(diagnosticsOf(small(`Base(until: featurs)`))).toEqual(["NN2029 6:31-featurs (did you mean 'features'?)"]);
    expect(diagnosticsOf(small(`Base(until: features)`).replace("input p: [2]", "input p: [3]"))).toEqual([
      "NN3018 6:19-Base(until: features)",
    ]);
    expect(diagnosticsOf(small(`Small()`))).toEqual(["NN2030 6:19-Small"]);
    expect(
      diagnosticsOf(small(`enc`).replace("  features =", "  layer enc = Base(until: features)\n  features =")),
    ).toEqual(["NN2027 6:15-Base"]);
    expect(diagnosticsOf(small(`Base(weights: "runs/None")`))).toEqual(['NN4034 6:33-"runs/None"']);
    // A base whose layers have other sizes than the run's.
    file("other.nn", readFileSync(join(dir, "base.nn"), "utf8").replace("dense(6,", "dense(5,"));
    const other = small(`Base(weights: "runs/Base")`).replace('"./base.nn"', '"./other.nn"');
    const [problem] = checkSource(other, join(dir, "spec.nn")).diagnostics;
    expect(problem!.code).toBe("NN3019");
    expect(problem!.message).toBe(
      "the weights of layer 'dense_1' in runs/Base do not fit: the run holds [8, 6], [6] (54 parameters), but 'Base/dense_1' here has 45",
    );
  });
  it("makes a call of a model of the same file an occurrence of that model, for hover and definition", () => {
    const text = `model Base {\n  input p: [2]\n  p -> dense(2)\n}\n\nmodel Top {\n  input p: [2]\n  p -> Base()\n}\n`;
    const workspace = new Workspace();
    const source = workspace.add(join(dir, "two.nn"), text);
    const binding = bindFile(source, workspace.namespaceOf(source));
    const call = binding.occurrenceAt(text.indexOf("Base()") + 1)!;
    expect([call.symbol.kind, call.symbol.name, call.isDefinition]).toEqual(["model", "Base", false]);
    expect(call.symbol.definition.span.start).toBe(text.indexOf("Base"));
    expect(binding.referencesOf(call.symbol)).toHaveLength(2);
  });
});

describe("init: from_run and fine_tune", () => {
  it("init loads the layers whose names the run has; the others keep their initial weights", async () => {
    const spec = file(
      "init.nn",
      `model Again {
  input p: [2]
  p -> dense(8, activation: relu) -> dense(6, activation: relu) -> dense(2, activation: softmax, name: "head")
}

train Again {
  data: csv("blobs.csv", label: "side")
  ${training.replace("epochs: 2", "epochs: 1").replace("adam(learning_rate: 0.01)", "sgd(learning_rate: 1e-30)")}
  init: from_run("runs/Base")
}
`,
    );
    const { program, diagnostics } = checkFile(spec);
    expect(diagnostics).toEqual([]);
    let said = "";
    const output = { write: (text: string) => (said += text) } as unknown as NodeJS.WritableStream;
    const run = await trainModel(program!.models[0]!, program!.trains[0]!, { output });
    expect(said).toContain(`init: 2 of 3 layers with weights loaded from ${join(dir, "runs", "Base")}`);
    // A rate far too small to change a float32 keeps what was loaded.
    const trained = weightsOf(run.model);
    expect(trained.get("dense")).toEqual(base.get("dense"));
    expect(trained.get("dense_1")).toEqual(base.get("dense_1"));
    run.model.dispose();

    // The run's layer of the same name with other sizes: NN3019 at from_run.
    const other = readFileSync(spec, "utf8").replace("dense(6,", "dense(5,");
    const [problem] = checkSource(other, spec).diagnostics;
    expect([problem!.code, other.slice(problem!.span.start, problem!.span.end)]).toEqual([
      "NN3019",
      'from_run("runs/Base")',
    ]);

    const missing = {
      ...program!.trains[0]!,
      init: { name: "from_run", args: { path: join(dir, "runs", "Nowhere") } },
    };
    const error = await userError(() => trainModel(program!.models[0]!, missing, { output: quiet }));
    expect(error.code).toBe("NN4035");
  });

  it("fine_tune names layers of the model (NN4036); its epochs follow the main ones with the new rate", async () => {
    expect(diagnosticsOf(small(undefined, 'fine_tune: fine_tune(2, 1e-3, unfreeze: ["Base/dens"])'))).toEqual([
      "NN4036 18:44-\"Base/dens\" (did you mean 'Base/dense'?)",
    ]);
    const spec = file(
      "tune.nn",
      small(undefined, "fine_tune: fine_tune(epochs: 2, learning_rate: 1e-3, unfreeze: [Base])"),
    );
    const { program } = checkFile(spec);
    let said = "";
    const output = { write: (text: string) => (said += text) } as unknown as NodeJS.WritableStream;
    const run = await trainModel(program!.models[0]!, program!.trains[0]!, { output });
    expect(said).toContain("fine-tuning from epoch 3: 2 layers unfrozen, learning rate 0.001");
    expect(run.history.map((h) => [h.epoch, h["lr"]])).toEqual([
      [1, 0.01],
      [2, 0.01],
      [3, 0.001],
      [4, 0.001],
    ]);
    // Frozen for the main epochs, trained in the fine-tuning ones.
    expect(run.model.layers.filter((layer) => layer.weights.length > 0).every((layer) => layer.trainable)).toBe(true);
    expect(weightsOf(run.model).get("Base/dense")).not.toEqual(base.get("dense"));
    run.model.dispose();
  });

  it("a run stopped inside fine-tuning resumes to the history of a run never stopped", async () => {
    const spec = file("resume.nn", small(undefined, "fine_tune: fine_tune(epochs: 3, learning_rate: 1e-3)"));
    const { program } = checkFile(spec);
    const [model, train] = [program!.models[0]!, program!.trains[0]!];
    const whole = await trainModel(model, train, { output: quiet });
    const stopper = new AbortController();
    // Stopped once the second phase has begun: after the first step of epoch 3.
    const output = { write: (text: string) => (text.startsWith("fine-tuning") && stopper.abort(), true) };
    const folder = join(dir, "runs", "Resumed");
    const stopped = await trainModel(model, train, {
      output: output as unknown as NodeJS.WritableStream,
      runDir: folder,
      signal: stopper.signal,
    });
    expect(stopped.interrupted?.epoch).toBe(2);
    const resumed = await trainModel(model, train, { output: quiet, runDir: folder, resume: true });
    expect(resumed.history).toEqual(whole.history);
    expect(weightsOf(resumed.model)).toEqual(weightsOf(whole.model));
    for (const run of [whole, stopped, resumed]) run.model.dispose();
  });
});

describe("nnc train", () => {
  it("--resume goes on fine-tuning a run, into the epochs a larger --epochs adds", () => {
    const run = join(dir, "runs", "Cli");
    const first = nnc(["train", "tune.nn", "--out", run, "--epochs", "1", "--backend", "wasm"], {
      cwd: dir,
      timeout: 120_000,
    });
    expect(first.status, first.stderr).toBe(0);
    // 1 main epoch, then the block's 2 of fine-tuning; resumed without --epochs, the block's 2 main epochs
    // make 4 in all, and the run goes on fine-tuning for the fourth.
    const resumed = nnc(["train", "tune.nn", "--resume", run, "--backend", "wasm"], { cwd: dir, timeout: 120_000 });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(first.stdout).toContain("fine-tuning from epoch 2: 2 layers unfrozen, learning rate 0.001");
    expect(resumed.stdout).toContain("resuming at epoch 4/4, step 1/4");
    expect(resumed.stdout).toContain("fine-tuning resumed at epoch 4: 2 layers unfrozen, learning rate 0.001");
    const history = JSON.parse(readFileSync(join(run, "history.json"), "utf8")) as { epoch: number; lr: number }[];
    expect(history.map((h) => [h.epoch, h.lr])).toEqual([
      [1, 0.01],
      [2, 0.001],
      [3, 0.001],
      [4, 0.001],
    ]);
  });
});

describe("the emitted module", () => {
  it("buildSmall() loads the run's weights, and trainSmall() trains with them", () => {
    const folder = join(dir, "standalone");
    mkdirSync(join(folder, "node_modules", "nnc"), { recursive: true });
    // nnc/runtime from the source tree (tsx runs it), as the built package would give it.
    symlinkSync(join(repo, "src"), join(folder, "node_modules", "nnc", "src"));
    mkdirSync(join(folder, "node_modules", "@tensorflow"));
    symlinkSync(join(repo, "node_modules", "@tensorflow", "tfjs"), join(folder, "node_modules", "@tensorflow", "tfjs"));
    writeFileSync(
      join(folder, "node_modules", "nnc", "package.json"),
      JSON.stringify({ name: "nnc", type: "module", exports: { "./runtime": "./src/runtime/index.ts" } }),
    );
    writeFileSync(join(folder, "package.json"), JSON.stringify({ private: true, type: "module" }));
    const compile = nnc(["compile", join(dir, "small.nn"), "-o", join(folder, "small.ts")]);
    expect(compile.status, compile.stderr).toBe(0);
    writeFileSync(
      join(folder, "main.ts"),
      `import { buildSmall, trainSmall } from "./small.ts";
const model = buildSmall();
console.log(JSON.stringify(model.getLayer("Base/dense").getWeights().map((w) => [...w.dataSync()])));
const history = await trainSmall({ output: { write: () => true } as never, epochs: 1 });
console.log(Object.keys(history.history).join(","));
`,
    );
    const result = spawnSync(tsx, ["main.ts"], { cwd: folder, encoding: "utf8", timeout: 120_000 });
    expect(result.status, result.stderr).toBe(0);
    const [weights, keys] = result.stdout.trim().split("\n").slice(-2);
    expect(JSON.parse(weights!)).toEqual(base.get("dense"));
    expect(keys).toBe("loss,accuracy,lr");
    expect(existsSync(join(folder, "small.ts"))).toBe(true);
  });
});
