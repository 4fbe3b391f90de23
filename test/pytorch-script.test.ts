/**
 * The PyTorch target's script (src/compiler/emit/pytorch/script.ts) without PyTorch: what it emits for the
 * examples, its lines, NN6002 at the setting it cannot express, and that Python compiles it (when python3 is
 * here). Training with it is pytorch-train.test.ts's.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { checkFile } from "../src/compiler/index.js";
import { emitPytorch, type PytorchResult } from "../src/compiler/emit/pytorch/script.js";
import { nnc, repo } from "./helpers/cli.js";
import { python } from "./helpers/torch.js";

const work = mkdtempSync(join(tmpdir(), "nnc-pytorch-script-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** examples/iris.nn and its data copied into a folder of `work` (with `edit` applied to the spec). */
function irisCopy(name: string, edit: (text: string) => string = (text) => text): string {
  const dir = join(work, name);
  mkdirSync(join(dir, "data"), { recursive: true });
  copyFileSync(join(repo, "examples", "data", "iris.csv"), join(dir, "data", "iris.csv"));
  writeFileSync(join(dir, "iris.nn"), edit(readFileSync(join(repo, "examples", "iris.nn"), "utf8")));
  return join(dir, "iris.nn");
}

/** The script of `spec` written beside it as train.py. */
function emit(spec: string): PytorchResult {
  const checked = checkFile(spec);
  expect(checked.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return emitPytorch(checked.program!, { outFile: join(spec, "..", "train.py") });
}

function code(result: PytorchResult): string {
  if ("diagnostics" in result) throw new Error(result.diagnostics.map((d) => d.message).join("\n"));
  return result.code;
}

const hasPython = spawnSync(python, ["-c", "pass"], { stdio: "ignore" }).status === 0;

/** Python's verdict on the text: null when it compiles, else its error. */
function pyCompile(text: string, name: string): string | null {
  const file = join(work, `${name}.py`);
  writeFileSync(file, text);
  const result = spawnSync(python, ["-m", "py_compile", file], { encoding: "utf8" });
  return result.status === 0 ? null : result.stderr;
}

describe("the iris script", () => {
  const script = code(emit(irisCopy("iris")));

  test("its header names the spec and the commands, its lines are black's: 100 characters at most", () => {
    expect(script.startsWith('"""Trains model Iris of iris.nn with PyTorch, as its train block says.')).toBe(true);
    expect(script).toContain("    python3 train.py\n");
    expect(script).toContain("    torchrun --nproc_per_node=2 train.py\n");
    expect(script).toContain("    torchrun --redirects 1 --tee 1 --nproc_per_node=2 train.py\n");
    expect(script).toContain("batch_size 16 is the global batch");
    const long = script.split("\n").filter((line) => line.length > 100);
    expect(long).toEqual([]);
    expect(script).not.toMatch(/\t/);
    // Two blank lines between top-level definitions, as black puts them.
    expect(script).toMatch(/\n\n\nclass Iris\(nn\.Module\):\n/);
    expect(script).toMatch(/\n\n\ndef load_data\(seed\):\n/);
  });

  test("it reads the data relative to itself and trains as the block says", () => {
    expect(script).toContain('"path": data_path("data/iris.csv")');
    expect(script).toContain('"label": "species"');
    expect(script).toContain("EPOCHS = 60\nBATCH_SIZE = 16\nSHUFFLE = True\nSEED = 42\nLEARNING_RATE = 0.01\n");
    expect(script).toContain('FIGURES = ["accuracy"]');
    expect(script).toMatch(/torch\.optim\.Adam\(parameters, lr=0\.01, betas=\(0\.9, 0\.999\), eps=1e-7\)/);
    // categorical_crossentropy on probabilities, as Keras: normalized, clipped, logged.
    expect(script).toContain("def categorical_crossentropy(output, target):");
    expect(script).toContain("clamp(EPSILON, 1 - EPSILON)");
    expect(script).toContain('"accuracy": (output.argmax(-1) == target.argmax(-1)).float()');
    expect(script).toContain("held_out = 0.2");
    expect(script).toContain("scheduled_rate = None");
  });

  test.runIf(hasPython)("Python compiles it", () => {
    expect(pyCompile(script, "iris")).toBeNull();
  });
});

describe("settings the script expresses", () => {
  test("a schedule, early stopping and a plateau each become their Python", () => {
    const spec = irisCopy("settings", (text) =>
      text.replace(
        "  seed: 42\n",
        "  seed: 42\n  lr_schedule: cosine_decay(decay_steps: 400, alpha: 0.1)\n" +
          "  callbacks: [early_stopping(monitor: val_accuracy, patience: 5, restore_best_weights: true), " +
          'model_checkpoint(save_best_only: true), csv_logger("log.csv")]\n',
      ),
    );
    const script = code(emit(spec));
    expect(script).toContain("def scheduled_rate(initial, step):");
    expect(script).toContain("math.cos(math.pi * at / steps)");
    expect(script).toMatch(/EarlyStopping\(\s*"val_accuracy",\s*higher_is_better=True,/);
    expect(script).toMatch(/ModelCheckpoint\(\s*"val_loss",\s*higher_is_better=False,\s*save_best_only=True,/);
    expect(script).toContain('CsvLogger("log.csv", append=False, folder=folder, leader=leader),');
    const held = irisCopy("held", (text) =>
      text
        .replace(
          "  validation_split: 0.2",
          '  validation: csv("data/iris.csv", label: "species")\n  test: csv("data/iris.csv", label: "species")',
        )
        .replace("adam(learning_rate: 0.01)", "sgd(learning_rate: 0.1, momentum: 0.9, nesterov: true)")
        .replace("  seed: 42\n", "  seed: 42\n  lr_schedule: reduce_on_plateau(patience: 2, factor: 0.5)\n"),
    );
    const heldScript = code(emit(held));
    expect(heldScript).toContain("torch.optim.SGD(parameters, lr=0.1, momentum=0.9, nesterov=True)");
    expect(heldScript).toMatch(/ReduceOnPlateau\(\s*"val_loss",\s*higher_is_better=False,\s*factor=0\.5,/);
    expect(heldScript).toContain('validation = read_source(\n        "csv",');
    expect(heldScript).toContain('sets["test"] = prepare(test, prepared, settings)');
    expect(heldScript.split("\n").filter((line) => line.length > 100)).toEqual([]);
    if (hasPython) expect(pyCompile(heldScript, "held")).toBeNull();
    expect(script.split("\n").filter((line) => line.length > 100)).toEqual([]);
    if (hasPython) expect(pyCompile(script, "settings")).toBeNull();
  });
});

describe("what the script cannot express", () => {
  test("a loss PyTorch's script has no form of is NN6002 at the loss's value", () => {
    const spec = irisCopy("hinge", (text) => text.replace("loss: categorical_crossentropy", "loss: hinge"));
    const result = emit(spec);
    expect("diagnostics" in result).toBe(true);
    const [found] = (result as { diagnostics: { code: string; span: { start: number; end: number } }[] }).diagnostics;
    const text = readFileSync(spec, "utf8");
    expect(found!.code).toBe("NN6002");
    expect(text.slice(found!.span.start, found!.span.end)).toBe("hinge");
  });

  test("a metric it has no function for is NN6002 at the metrics' value", () => {
    const spec = irisCopy("auc", (text) => text.replace("metrics: [accuracy]", "metrics: [accuracy, auc]"));
    const result = emit(spec) as {
      diagnostics: { code: string; message: string; span: { start: number; end: number } }[];
    };
    const text = readFileSync(spec, "utf8");
    expect(result.diagnostics.map((d) => d.code)).toEqual(["NN6002"]);
    expect(result.diagnostics[0]!.message).toBe("the PyTorch target cannot express metrics: auc");
    expect(text.slice(result.diagnostics[0]!.span.start, result.diagnostics[0]!.span.end)).toBe("[accuracy, auc]");
  });
});

describe("a model of two inputs", () => {
  test("is one NN6002 at data, not one more for the per-input dict that feeds it", () => {
    const checked = checkFile(join(repo, "examples", "seq2seq.nn"));
    const result = emitPytorch(checked.program!, { outFile: join(work, "seq2seq.py") });
    const found = (result as { diagnostics: { code: string; message: string }[] }).diagnostics;
    expect(found.map((d) => d.code)).toEqual(["NN6002"]);
    expect(found[0]!.message).toContain("it trains models of one input and one output");
  });
});

describe("class and sample weights", () => {
  test("examples/iris_weighted.nn weighs its rows by its weight column and balanced classes", () => {
    const dir = join(work, "weighted");
    mkdirSync(join(dir, "data", "iris-weighted"), { recursive: true });
    for (const file of ["train.csv", "test.csv"])
      copyFileSync(join(repo, "examples", "data", "iris-weighted", file), join(dir, "data", "iris-weighted", file));
    copyFileSync(join(repo, "examples", "iris_weighted.nn"), join(dir, "iris_weighted.nn"));
    const script = code(emit(join(dir, "iris_weighted.nn")));
    expect(script).toContain('"sample_weight": "weight"');
    expect(script).toContain('    weigh_classes(sets, "balanced")\n');
    expect(script.split("\n").filter((line) => line.length > 100)).toEqual([]);
    if (hasPython) expect(pyCompile(script, "weighted")).toBeNull();
  });
});

describe("a spec without a train block", () => {
  const script = code(emit(join(repo, "examples", "mnist_convnet.nn")));

  test("is its module and a main that prints its parameters", () => {
    expect(script).toContain("class MnistConvnet(nn.Module):");
    expect(script).toContain('if __name__ == "__main__":');
    expect(script).not.toContain("def load_data");
    expect(script.split("\n").filter((line) => line.length > 100)).toEqual([]);
  });

  test.runIf(hasPython)("Python compiles it", () => {
    expect(pyCompile(script, "mnist_convnet")).toBeNull();
  });
});

describe("nnc compile --target pytorch", () => {
  test("writes the script, and prints NN6002 located as check prints its findings", () => {
    const spec = irisCopy("cli");
    const out = join(spec, "..", "train.py");
    const written = nnc(["compile", spec, "--target", "pytorch", "-o", out]);
    expect(written.stderr).toBe("");
    expect(written.status).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(code(emit(spec)));
    const bad = irisCopy("cli-bad", (text) => text.replace("loss: categorical_crossentropy", "loss: hinge"));
    const refused = nnc(["compile", bad, "--target", "pytorch", "-o", join(bad, "..", "train.py")]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/iris\.nn:12:9.*NN6002|NN6002[\s\S]*iris\.nn:12:9/);
    expect(refused.stderr).toContain("the PyTorch target cannot express loss: hinge");
    expect(existsSync(join(bad, "..", "train.py"))).toBe(false);
  });

  test("-m naming no train block is an error, as nnc train's --model is; -m without --target pytorch too", () => {
    const spec = irisCopy("cli-model");
    const typo = nnc(["compile", spec, "--target", "pytorch", "-m", "Nope", "-o", join(spec, "..", "nope.py")]);
    expect(typo.status).toBe(1);
    expect(typo.stderr).toMatch(/^error: .*iris\.nn has no train block for model 'Nope'\n$/);
    const tfjs = nnc(["compile", spec, "-m", "Iris", "-o", join(spec, "..", "iris.ts")]);
    expect(tfjs.status).toBe(1);
    expect(tfjs.stderr).toBe("error: --model applies to --target pytorch only\n");
    expect(existsSync(join(spec, "..", "nope.py"))).toBe(false);
  });
});

describe("a model named as one of the script's own names", () => {
  test.each(["F", "np", "torch", "json", "os", "fit", "len"])("model %s gets a class of another name", (name) => {
    const spec = irisCopy(`named-${name}`, (text) => text.replaceAll("Iris", name));
    const script = code(emit(spec));
    expect(script).toContain(`class ${name}Model(nn.Module):`);
    expect(script).toContain(`Model = ${name}Model`);
    expect(script).toContain(`MODEL = "${name}"`);
  });
});
