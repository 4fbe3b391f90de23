/**
 * `nnc compile FILE --target pytorch`: one Python file that trains a spec's model as its train block says, with
 * PyTorch, on one process (`python3 train.py`) or several (`torchrun --nproc_per_node=N train.py`, as
 * DistributedDataParallel). Its parts: the header (commands, what carries over), imports, the safetensors reader
 * and writer (python.ts), the model's `nn.Module` (module.ts) and helpers, the data readers (readers.ts) and
 * `load_data()` (data.ts), the loss, metrics, optimizer and schedule (training.ts), the callbacks
 * (callbacks.ts), the train block's constants, and the loop (loop.ts). A spec without a train block gets its
 * modules and a main that prints their parameters.
 *
 * Processes: `batch_size` is the global batch. Every process cuts the same seeded permutation of the training
 * rows into batches of batch_size rows; process r takes rows r, r + N, ... of each, and scales its loss so that
 * DistributedDataParallel's mean of the gradients is the global batch's: a step, the steps of an epoch, the last
 * (short) batch and a schedule are those of one process, and no row is repeated. Figures are summed over every
 * process (all-reduce), so every rank computes the same ones; rank 0 alone prints and writes.
 *
 * The run folder (`--run-dir`, default `runs/<Model>-pytorch`) holds a marker `.nnc-pytorch-run.json`, and the
 * script writes only into a folder that is new, empty, or marked, and refuses one that holds a run already
 * (run.json or checkpoint.pt) unless `--resume` continues it or `--overwrite` replaces it. Its files:
 * - `checkpoint.pt` after every epoch (temporary + rename): weights, optimizer, callbacks, history, seed;
 *   `--resume` continues from it.
 * - `weights.safetensors`: the module's `state_dict()` (keys `${attribute}.${torch}`, see types.ts's StateDictMap),
 *   metadata `{"model", "format": "nnc-pytorch"}`.
 * - `history.json`: one record per epoch, `{"epoch": 1, "loss", "<metric>", "val_loss", "val_<metric>", "lr"}`,
 *   nnc's history.json.
 * - `run.json`: `{"format": "nnc-pytorch-run", "version": 1, "model", "spec" (relative to the run folder), "torch",
 *   "world_size", "epochs", "completed_epochs", "restored_epoch" (early stopping's best epoch or null), "final"
 *   (the last epoch's figures, no lr), "test" (the test figures or null), "data", "weights_sha256" (each rank's
 *   checksum of its final weights, in rank order: equal in a sound run)}`.
 *   `data` is what the weight bridge (`nnc import-weights`) needs to rebuild nnc's run files: `data.labels` is
 *   labels.json (`{"column", "classes"}`, classes in nnc's order: numeric when every label is a number, else by
 *   code point) or null for values; `data.preprocessing` is preprocessing.json (`{"source", "label", "features",
 *   "normalization": {"mode", "shift", "scale"} | null}`, and `"scale"` for idx).
 */
import path from "node:path";
import { append } from "../../base/arrays.js";
import { diagnostic, hasErrors, type Diagnostic, type Location } from "../../diagnostics/index.js";
import type { IrModel, IrProgram, IrTrain } from "../../ir/index.js";
import { metricsOf } from "../../ir/index.js";
import { moduleRelativeUrl } from "../paths.js";
import { callbacksPython } from "./callbacks.js";
import { dataDiagnostics, loadDataPython } from "./data.js";
import { loopPython } from "./loop.js";
import { emitTorchModule, torchHelpers } from "./module.js";
import { py, pyIdentifier, safetensorsPython } from "./python.js";
import { dataPython } from "./readers.js";
import { trainingDiagnostics, trainingPython } from "./training.js";

/** Where the script goes and which train block it trains. */
export interface PytorchOptions {
  /** Where the script will be written: data paths and the spec's are then relative to it (see paths.ts). */
  readonly outFile?: string;
  /** The model whose train block to compile, when the file has several. */
  readonly model?: string;
}

/** The script, or the diagnostics (NN6001 for layers, NN6002 for train settings) of what it cannot express. */
export type PytorchResult = { readonly code: string } | { readonly diagnostics: Diagnostic[] };

/** Compiles a checked program into a PyTorch training script (see the file's comment). */
export function emitPytorch(program: IrProgram, options: PytorchOptions = {}): PytorchResult {
  const trains = program.trains.filter((t) => options.model === undefined || t.model === options.model);
  if (trains.length > 1) {
    const at = trains[1]!.location;
    const value = trains.map((t) => t.model).join(", ");
    const detail = "a script trains one model: choose it with --model";
    return { diagnostics: [diagnostic("NN6002", at, { target: "PyTorch", key: "train", value, detail })] };
  }
  const train = trains[0];
  const models = train ? program.models.filter((m) => m.name === train.model) : program.models;
  const modules = models.map(emitTorchModule);
  const found = modules.flatMap((m) => m.diagnostics);
  if (train) {
    const model = models[0]!;
    const at = (field: string): Location => train.keyLocations?.[field] ?? train.location;
    append(found, [...dataDiagnostics(train, model, at), ...trainingDiagnostics(train, at)]);
  }
  if (hasErrors(found)) return { diagnostics: found };
  const relative = (file: string) => scriptRelative(file, options.outFile);
  const helpers = torchHelpers(modules.flatMap((m) => m.helpers));
  const usesMath = /\bmath\./.test(helpers) || modules.some((m) => /\bmath\./.test(m.code));
  const before = [
    imports(train !== undefined, usesMath),
    safetensorsPython.trimEnd(),
    ...(helpers.trim() ? [helpers.trimEnd()] : []),
  ];
  const after = (names: ReadonlyMap<string, string>) =>
    train ? trainingSections(train, models[0]!, names, relative(program.file), relative) : [summaryMain(models, names)];
  // A model named F, np or fit must not shadow the script's own names: its class then gets another name.
  const taken = new Set([...pythonBuiltins, ...topLevelNames([...before, ...after(new Map())].join("\n"))]);
  const names = new Map(models.map((m) => [m.name, freeName(pyIdentifier(m.name), taken)]));
  const renamed = modules.map((m, i) => {
    const own = `class ${pyIdentifier(models[i]!.name)}(nn.Module):`;
    return m.code.trimEnd().replace(own, `class ${names.get(models[i]!.name)}(nn.Module):`);
  });
  const sections = [header(train, relative(program.file)), ...before, ...renamed, ...after(names)];
  return { code: `${sections.join("\n\n\n")}\n` };
}

/** Python's builtins that the script calls: a class of one of these names would hide them. */
const pythonBuiltins = (
  "abs all any bool dict enumerate Exception float getattr int isinstance iter KeyError len list map max min next " +
  "object OSError open print range RuntimeError round set sorted str sum super tuple type TypeError ValueError zip"
).split(" ");

/** The names a script's text defines at its top level: imports, functions, classes and assignments. */
function topLevelNames(text: string): string[] {
  const pattern =
    /^(?:def|class) (\w+)|^(\w+)\s*=|^(?: {4})?import (\w+)$|^(?: {4})?import [\w.]+ as (\w+)$|^(?: {4})?from [\w.]+ import (.+)$/gm;
  return [...text.matchAll(pattern)].flatMap((m) =>
    m[5] !== undefined ? m[5].split(",").map((n) => n.trim()) : [m[1] ?? m[2] ?? m[3] ?? m[4]!],
  );
}

/** `base`, or `${base}Model`, `${base}Model2`, ... when taken; the name is then taken. */
function freeName(base: string, taken: Set<string>): string {
  let name = base;
  for (let n = 1; taken.has(name); n++) name = `${base}Model${n === 1 ? "" : n}`;
  taken.add(name);
  return name;
}

/** A file's path as the script names it: relative to the script's folder (as paths.ts decides), or absolute. */
function scriptRelative(file: string, outFile: string | undefined): string {
  const url = moduleRelativeUrl(file, outFile);
  if (url === undefined || outFile === undefined) return file;
  return path.relative(path.dirname(outFile), file).split(path.sep).join("/");
}

/** Text inside a Python docstring: backslashes, quotes and control characters escaped (a file named `a""".nn`). */
function docText(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

function header(train: IrTrain | undefined, specPath: string): string {
  const script = "train.py";
  const spec = docText(specPath);
  const generated = [
    `Generated by nnc from ${spec}:`,
    "change the spec and run `nnc compile --target pytorch` again rather than edit this file.",
  ];
  if (!train) {
    return [
      `"""The models of ${docText(path.basename(specPath))} as PyTorch modules (channels-last tensors, as in tfjs).`,
      "",
      ...generated,
      "The spec has no train block: this file defines the modules, and run, prints their parameters.",
      '"""',
    ].join("\n");
  }
  const batch = train.batchSize;
  return [
    `"""Trains model ${train.model} of ${docText(path.basename(specPath))} with PyTorch, as its train block says.`,
    "",
    ...generated,
    "",
    "One process (--device cuda for a GPU):",
    `    python3 ${script}`,
    "Several processes on this machine, as DistributedDataParallel (gloo; nccl with --device cuda):",
    `    torchrun --nproc_per_node=2 ${script}`,
    "Debian's torch 1.13 on Python 3.11 crashes in torchrun's error handler unless output is redirected:",
    `    torchrun --redirects 1 --tee 1 --nproc_per_node=2 ${script}`,
    "Several machines (the same command on each, HOST being the first one's address):",
    `    torchrun --nnodes=2 --nproc_per_node=4 --rdzv_backend=c10d --rdzv_endpoint=HOST:29400 ${script}`,
    "",
    `batch_size ${batch} is the global batch: every process cuts the same shuffled rows into batches of`,
    `${batch} and takes its share of each, and DistributedDataParallel averages the gradients: a step, the`,
    "steps of an epoch and the schedule are those of one process. Every process computes the same",
    "figures (summed over all); rank 0 prints them and writes the run folder (--run-dir, default",
    `runs/${train.model}-pytorch/): checkpoint.pt after every epoch (--resume continues from it), then`,
    "weights.safetensors, history.json and run.json, which `nnc import-weights` turns into an nnc run",
    "for nnc evaluate, nnc predict and tfjs. A folder that holds a run already is refused unless",
    "--resume continues it or --overwrite replaces it.",
    '"""',
  ].join("\n");
}

/** What an emitted training script says when this python3 has no torch or numpy. */
const needs = "this script needs PyTorch 1.13+ and NumPy in {sys.executable}";

function imports(training: boolean, usesMath: boolean): string {
  const torchImports = [
    ...(training ? ["import numpy as np"] : []),
    "import torch",
    ...(training ? ["import torch.distributed as dist"] : []),
    "import torch.nn.functional as F",
    "from torch import nn",
    ...(training ? ["from torch.nn.parallel import DistributedDataParallel"] : []),
  ];
  const modules = training
    ? [
        "argparse",
        "csv",
        "gzip",
        "hashlib",
        "json",
        "math",
        "os",
        "re",
        "signal",
        "struct",
        "sys",
        "time",
        "warnings",
        "zlib",
      ]
    : ["json", ...(usesMath ? ["math"] : []), "os", "struct"];
  return [
    ...modules.map((m) => `import ${m}`),
    "",
    ...(training ? torchImports.map((line) => `    ${line}`) : torchImports),
  ]
    .join("\n")
    .replace("    import numpy", "try:\n    import numpy")
    .concat(training ? `\nexcept ImportError as error:\n    sys.exit(f"error: ${needs}: {error}")` : "");
}

/** The train block's constants, data, training settings and loop. */
function trainingSections(
  train: IrTrain,
  model: IrModel,
  names: ReadonlyMap<string, string>,
  spec: string,
  relative: (file: string) => string,
): string[] {
  const metrics = metricsOf(train)[0] ?? [];
  const constants = [
    `MODEL = ${py(train.model)}`,
    `SPEC = ${py(spec)}`,
    `Model = ${names.get(model.name) ?? pyIdentifier(model.name)}`,
    `EPOCHS = ${train.epochs}`,
    `BATCH_SIZE = ${train.batchSize}`,
    `SHUFFLE = ${train.shuffle ? "True" : "False"}`,
    `SEED = ${py(train.seed)}`,
    `LEARNING_RATE = ${py(train.optimizer.args["learning_rate"] ?? 0.001)}`,
    `FIGURES = ${py(metrics)}`,
    "EPSILON = 1e-07  # Keras's epsilon: losses clip probabilities to [EPSILON, 1 - EPSILON]",
  ].join("\n");
  return [
    constants,
    dataPython.trimEnd(),
    loadDataPython(train, model, relative),
    trainingPython(train, model),
    callbacksPython.trimEnd(),
    loopPython.trimEnd(),
  ];
}

/** A main for a spec without a train block: each module's parameter count. */
function summaryMain(models: readonly IrModel[], names: ReadonlyMap<string, string>): string {
  return [
    'if __name__ == "__main__":',
    `    for module in [${models.map((m) => `${names.get(m.name) ?? pyIdentifier(m.name)}()`).join(", ")}]:`,
    "        count = sum(p.numel() for p in module.parameters())",
    '        print(f"{type(module).__name__}: {count:,} parameters")',
  ].join("\n");
}
