/**
 * Tampered run folders: each file nnc loads from a run (a checkpoint's latest.json, state.json and .bin files,
 * model.json and its weights, labels.json, preprocessing.json, checkpoint.json, history.json), damaged in each
 * way seen in a hostile review (cut short, garbage, wrong types, negative or huge epochs, NaN, paths leading
 * out, links, missing files, short or long .bin files, extra weights). Each must be one NN4010 (or NN4011) line
 * naming the file and the field, never a stack trace and never silently accepted. The loading runs in this
 * process (as the commands run it: trainModel with resume, loadRun); each command is also run as users run it
 * for a sample of the table, to see the one line on stderr.
 */
import { spawn, execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile, type IrModel, type IrTrain } from "../../src/compiler/index.js";
import { initBackend, loadRun, NncUserError, trainModel } from "../../src/runtime/index.js";
import { openSavedFolder, readRunJson } from "../../src/runtime/saved-files.js";
import { nnc, repo } from "../helpers/cli.js";
import { twoBlobsCsv } from "../helpers/data-files.js";
import { quiet } from "../helpers/ir.js";

const scratch = mkdtempSync(join(tmpdir(), "nnc-tampered-"));
const pristine = join(scratch, "pristine");
const spec = join(scratch, "tiny.nn");
let model: IrModel;
let train: IrTrain;

beforeAll(async () => {
  writeFileSync(join(scratch, "points.csv"), twoBlobsCsv(48, 3));
  writeFileSync(join(scratch, "rows.csv"), "x,y\n1,0.5\n");
  writeFileSync(
    spec,
    `model Tiny {
  input point: [2]
  dense(4, activation: relu)
  dense(2, activation: softmax)
}
train Tiny {
  data: csv("points.csv", label: "side")
  loss: categorical_crossentropy
  optimizer: adam(0.01)
  metrics: [accuracy]
  batch_size: 8
  epochs: 2
  validation_split: 0.25
  seed: 5
  lr_schedule: reduce_on_plateau(monitor: "val_loss")
  callbacks: [early_stopping(monitor: "val_loss", patience: 5, restore_best_weights: true), csv_logger(path: "log.csv"), model_checkpoint(monitor: "val_loss")]
}
`,
  );
  const trained = nnc(["train", spec, "--out", pristine], { cwd: scratch, timeout: 120_000 });
  expect(trained.stderr).toBe("");
  const { program } = checkFile(spec);
  train = program!.trains[0]!;
  model = program!.models[0]!;
  await initBackend();
}, 120_000);

type Json = Record<string, unknown> & { [key: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
let copies = 0;

/** A fresh copy of the trained run, and helpers that tamper with its files. */
function copy(): { dir: string; checkpoint: string; edit: (file: string, change: (value: Json) => unknown) => void } {
  const dir = join(scratch, `run-${++copies}`);
  cpSync(pristine, dir, { recursive: true, verbatimSymlinks: true });
  const latest = JSON.parse(readFileSync(join(dir, "resume", "latest.json"), "utf8")) as { checkpoint: string };
  const edit = (file: string, change: (value: Json) => unknown) => {
    const value = JSON.parse(readFileSync(join(dir, file), "utf8")) as Json;
    const changed = change(value);
    writeFileSync(join(dir, file), JSON.stringify(changed === undefined ? value : changed));
  };
  return { dir, checkpoint: `resume/${latest.checkpoint}`, edit };
}

type Run = ReturnType<typeof copy>;
interface Tampering {
  readonly what: string;
  readonly tamper: (run: Run) => void;
  /** The message after `error[NN4010]: ` with the run folder's path removed. */
  readonly message: RegExp;
  readonly code?: "NN4011";
}

const state = (run: Run) => `${run.checkpoint}/state.json`;
const cut = (file: string, bytes: number) => truncateSync(file, bytes);

const checkpointTamperings: Tampering[] = [
  {
    what: "latest.json cut short",
    tamper: (r) => cut(join(r.dir, "resume/latest.json"), 5),
    message: /^resume\/latest\.json: not valid JSON/,
  },
  {
    what: "latest.json garbage",
    tamper: (r) => writeFileSync(join(r.dir, "resume/latest.json"), "\u0000\u00ff}{"),
    message: /^resume\/latest\.json: not valid JSON/,
  },
  {
    what: "latest.json leading out",
    tamper: (r) => r.edit("resume/latest.json", () => ({ checkpoint: "../../pristine/resume" })),
    message: /^resume\/latest\.json: checkpoint must match pattern/,
  },
  {
    what: "latest.json naming '..'",
    tamper: (r) => r.edit("resume/latest.json", () => ({ checkpoint: ".." })),
    message: /^resume\/latest\.json: checkpoint must match pattern/,
  },
  {
    what: "latest.json of the wrong type",
    tamper: (r) => r.edit("resume/latest.json", () => ({ checkpoint: 5 })),
    message: /^resume\/latest\.json: checkpoint must be string$/,
  },
  {
    what: "latest.json naming a missing folder",
    tamper: (r) => r.edit("resume/latest.json", () => ({ checkpoint: "epoch-9" })),
    message: /^resume\/epoch-9\/state\.json: no such file/,
  },
  {
    what: "latest.json a link out of the run",
    tamper: (r) => {
      writeFileSync(join(scratch, "elsewhere.json"), JSON.stringify({ checkpoint: "x" }));
      rmSync(join(r.dir, "resume/latest.json"));
      symlinkSync(join(scratch, "elsewhere.json"), join(r.dir, "resume/latest.json"));
    },
    message: /^resume\/latest\.json: is a symbolic link to a file outside the run folder$/,
  },
  {
    what: "state.json cut short",
    tamper: (r) => cut(join(r.dir, state(r)), 100),
    message: /\/state\.json: not valid JSON/,
  },
  {
    what: "state.json an array",
    tamper: (r) => r.edit(state(r), () => []),
    message: /\/state\.json: the file must be object$/,
  },
  {
    what: "a negative epoch",
    tamper: (r) => r.edit(state(r), (s) => void (s.point.epoch = -2)),
    message: /\/state\.json: point\.epoch must be >= 0$/,
  },
  {
    what: "a huge epoch",
    tamper: (r) => r.edit(state(r), (s) => void (s.point.epoch = 1e300)),
    message: /\/state\.json: point\.epoch must be <= 9007199254740991$/,
  },
  {
    what: "an epoch the history does not have",
    tamper: (r) => r.edit(state(r), (s) => void (s.point.epoch = 1)),
    message: /\/state\.json: point\.epoch is 1, but history holds 2 finished epochs$/,
  },
  {
    what: "an epoch past the run's epochs",
    tamper: (r) => r.edit(state(r), (s) => void ((s.point.epoch = 5), s.history.push(...s.history, s.history[0]))),
    message: /\/state\.json: point\.epoch is 5, past the run's 2 epochs/,
  },
  {
    what: "a step past the epoch's steps",
    tamper: (r) => r.edit(state(r), (s) => void ((s.point.epoch = 1), (s.point.step = 400), s.history.pop())),
    message: /\/state\.json: point\.step is 400 in epoch 2, but an epoch of this run has 5 steps/,
  },
  {
    what: "a fractional step",
    tamper: (r) => r.edit(state(r), (s) => void (s.point.step = 1.5)),
    message: /\/state\.json: point\.step must be integer$/,
  },
  {
    what: "a NaN learning rate",
    tamper: (r) => r.edit(state(r), (s) => void (s.learningRate = { number: "NaN" })),
    message: /\/state\.json: learningRate must be number$/,
  },
  {
    what: "a seed of the wrong type",
    tamper: (r) => r.edit(state(r), (s) => void (s.seed = "5")),
    message: /\/state\.json: seed must be integer$/,
  },
  {
    what: "a generator state out of range",
    tamper: (r) => r.edit(state(r), (s) => void (s.point.random = -1)),
    message: /\/state\.json: point\.random must be >= 0$/,
  },
  {
    what: "a history figure of the wrong type",
    tamper: (r) => r.edit(state(r), (s) => void (s.history[0].loss = "low")),
    message: /\/state\.json: history\[0\]\.loss must be number$/,
  },
  {
    what: "another format",
    tamper: (r) => r.edit(state(r), (s) => void (s.format = 2)),
    message: /\/state\.json: format must be 1$/,
  },
  {
    what: "a missing field",
    tamper: (r) => r.edit(state(r), (s) => void delete s.weightSpecs),
    message: /\/state\.json: weightSpecs is missing$/,
  },
  {
    what: "an unknown field",
    tamper: (r) => r.edit(state(r), (s) => void (s.extra = 1)),
    message: /\/state\.json: extra is not a field of this file$/,
  },
  {
    what: "weight specs that differ from the weights",
    tamper: (r) => r.edit(state(r), (s) => void (s.weightSpecs[0].shape = [4, 2])),
    message: /\/state\.json: weightSpecs\[0\]\.shape is \[4, 2\], but weights\[0\] has \[2, 4\]$/,
  },
  {
    what: "an extra weight spec",
    tamper: (r) => r.edit(state(r), (s) => void s.weightSpecs.push({ name: "w4", shape: [1], dtype: "float32" })),
    message: /\/state\.json: weightSpecs lists 5 tensors, but weights lists 4$/,
  },
  {
    what: "extra weights in the model and its specs",
    tamper: (r) =>
      r.edit(state(r), (s) => {
        s.weights.push({ name: "extra/kernel", shape: [1] });
        s.weightSpecs.push({ name: "w4", shape: [1], dtype: "float32" });
        writeFileSync(
          join(r.dir, r.checkpoint, "weights.bin"),
          Buffer.concat([readFileSync(join(r.dir, r.checkpoint, "weights.bin")), Buffer.alloc(4)]),
        );
      }),
    message: /the checkpoint in .* holds model 'Tiny' with weights .*extra\/kernel \[1\], but the spec's model/,
    code: "NN4011",
  },
  {
    what: "a short weights.bin",
    tamper: (r) => cut(join(r.dir, r.checkpoint, "weights.bin"), 10),
    message: /\/weights\.bin: 10 bytes, but its specs describe 88 /u,
  },
  {
    what: "a long optimizer.bin",
    tamper: (r) =>
      writeFileSync(
        join(r.dir, r.checkpoint, "optimizer.bin"),
        Buffer.concat([readFileSync(join(r.dir, r.checkpoint, "optimizer.bin")), Buffer.alloc(8)]),
      ),
    message: /\/optimizer\.bin: \d+ bytes, but its specs describe \d+ /,
  },
  {
    what: "a missing callbacks.bin",
    tamper: (r) => rmSync(join(r.dir, r.checkpoint, "callbacks.bin")),
    message: /\/callbacks\.bin: no such file/,
  },
  {
    what: "a FIFO for state.json",
    tamper: (r) => {
      rmSync(join(r.dir, state(r)));
      execFileSync("mkfifo", [join(r.dir, state(r))]);
    },
    message: /\/state\.json: is not a regular file$/,
  },
  {
    what: "an optimizer slot of the wrong shape",
    tamper: (r) =>
      r.edit(state(r), (s) => {
        const slot = s.optimizerSpecs.find((o: Json) => o.name === "dense/bias/m");
        slot.shape = [2, 2];
      }),
    message: /\/state\.json: optimizerSpecs\[2\] 'dense\/bias\/m' has shape \[2, 2\], but its weight has \[4\]$/,
  },
  {
    what: "an optimizer scalar it does not keep",
    tamper: (r) => r.edit(state(r), (s) => void (s.optimizerSpecs.at(-1).name = "@constructor")),
    message: /\/state\.json: optimizerSpecs\[10\] '@constructor' is not a scalar that Adam keeps$/,
  },
  {
    what: "optimizer slots of another optimizer",
    tamper: (r) =>
      r.edit(state(r), (s) => {
        s.optimizerSpecs = s.optimizerSpecs.filter((o: Json) => !String(o.name).endsWith("/v"));
        writeFileSync(
          join(r.dir, r.checkpoint, "optimizer.bin"),
          readFileSync(join(r.dir, r.checkpoint, "optimizer.bin")).subarray(0, 4 + 4 * 22),
        );
        s.optimizerSpecs = s.optimizerSpecs.filter((o: Json) => !String(o.name).startsWith("@"));
      }),
    message: /has 4 slots, but Adam keeps 2 for each of the model's 4 trainable weights/,
    code: "NN4011",
  },
  {
    what: "an unknown callback kind",
    tamper: (r) => r.edit(state(r), (s) => void (s.callbacks[2].kind = "Evil")),
    message: /\/state\.json: callbacks\[2\]\.kind must be one of "EarlyStopping", /u,
  },
  {
    what: "a callback value of the wrong type",
    tamper: (r) => r.edit(state(r), (s) => void (s.callbacks[2].values.wait = -1)),
    message: /\/state\.json: callbacks\[2\]\.values\.wait must be >= 0$/,
  },
  {
    what: "a callback's written file outside the run",
    tamper: (r) => r.edit(state(r), (s) => void (s.callbacks[3].values.written = ["../../etc/passwd"])),
    message:
      /\/state\.json: callbacks\[3\]\.values\.written\[0\] '\.\.\/\.\.\/etc\/passwd' leads out of the run folder/,
  },
  {
    what: "callback tensors that are not the model's weights",
    tamper: (r) =>
      r.edit(state(r), (s) => {
        s.callbacks[2].tensors = 3;
        s.callbackSpecs.pop();
        const file = join(r.dir, r.checkpoint, "callbacks.bin");
        writeFileSync(file, readFileSync(file).subarray(0, 80));
      }),
    message: /\/state\.json: callbacks\[2\] keeps 3 tensors that are not a copy of the model's 4 weights$/,
  },
  {
    what: "callback specs that do not match the callbacks",
    tamper: (r) => r.edit(state(r), (s) => void (s.callbackSpecs[0].name = "c9-0")),
    message: /\/state\.json: callbackSpecs names 4 tensors \(c9-0, c2-1, c2-2, c2-3\), but callbacks count 4$/,
  },
  {
    what: "JSON nested 100,000 levels",
    tamper: (r) => writeFileSync(join(r.dir, state(r)), `${"[".repeat(1e5)}${"]".repeat(1e5)}`),
    message: /\/state\.json: nested more than 64 levels deep$/,
  },
];

async function resumeError(dir: string): Promise<NncUserError> {
  const error = await trainModel(model, train, { output: quiet, runDir: dir, resume: true }).then(
    () => new Error("resumed"),
    (e: unknown) => e,
  );
  if (!(error instanceof NncUserError)) throw error;
  return error;
}

function expectLine(error: NncUserError, dir: string, tampering: Tampering): void {
  const line = error.format().replaceAll(`${dir}/`, "");
  expect(line).not.toMatch(/\n/);
  expect(error.code).toBe(tampering.code ?? "NN4010");
  expect(line.slice(`error[${error.code}]: `.length), line).toMatch(tampering.message);
}

describe("a tampered checkpoint is one line naming the file and field", () => {
  it("(an untampered copy of the run, elsewhere, resumes: its callbacks' paths of the old place are not used)", async () => {
    const run = copy();
    const resumed = await trainModel(model, train, { output: quiet, runDir: run.dir, resume: true });
    expect(resumed.history).toEqual(JSON.parse(readFileSync(join(pristine, "history.json"), "utf8")));
    expect(resumed.written.every((file) => file.startsWith(run.dir))).toBe(true);
    const { checkpoint } = JSON.parse(readFileSync(join(run.dir, "resume", "latest.json"), "utf8"));
    const saved = JSON.parse(readFileSync(join(run.dir, "resume", checkpoint, "state.json"), "utf8"));
    const written = saved.callbacks.flatMap((c: { values?: { written?: string[] } } | null) => c?.values?.written ?? []);
    expect(written.length).toBeGreaterThan(0);
    expect(written.filter((file: string) => isAbsolute(file) || file.startsWith(".."))).toEqual([]);
    resumed.model.dispose();
  });

  it.each(checkpointTamperings.map((t) => [t.what, t] as const))("%s", async (_, tampering) => {
    const run = copy();
    tampering.tamper(run);
    expectLine(await resumeError(run.dir), run.dir, tampering);
  });
});

const weights = (r: Run) => join(r.dir, "weights.bin");
const modelTamperings: Tampering[] = [
  {
    what: "model.json cut short",
    tamper: (r) => cut(join(r.dir, "model.json"), 200),
    message: /^model\.json: not valid JSON/,
  },
  {
    what: "model.json garbage",
    tamper: (r) => writeFileSync(join(r.dir, "model.json"), "PK\u0003\u0004"),
    message: /^model\.json: not valid JSON/,
  },
  {
    what: "model.json without its topology",
    tamper: (r) => r.edit("model.json", (m) => void delete m.modelTopology),
    message: /^model\.json: modelTopology is missing$/,
  },
  {
    what: "a topology tfjs cannot load",
    tamper: (r) => r.edit("model.json", (m) => void (m.modelTopology = { class_name: "Evil" })),
    message: /^model\.json: tfjs cannot load it: /,
  },
  {
    what: "a manifest that is not a list",
    tamper: (r) => r.edit("model.json", (m) => void (m.weightsManifest = "weights.bin")),
    message: /^model\.json: weightsManifest must be array$/,
  },
  {
    what: "a weights path leading out with ..",
    tamper: (r) => r.edit("model.json", (m) => void (m.weightsManifest[0].paths = ["../pristine/weights.bin"])),
    message:
      /^model\.json: weightsManifest\[0\]\.paths\[0\] '\.\.\/pristine\/weights\.bin' leads out of the run folder/,
  },
  {
    what: "an absolute weights path",
    tamper: (r) => r.edit("model.json", (m) => void (m.weightsManifest[0].paths = ["/etc/passwd"])),
    message: /^model\.json: weightsManifest\[0\]\.paths\[0\] '\/etc\/passwd' is an absolute path/,
  },
  {
    what: "a weights file linked from outside the run",
    tamper: (r) => {
      rmSync(weights(r));
      symlinkSync(join(pristine, "weights.bin"), weights(r));
    },
    message: /^weights\.bin: is a symbolic link to a file outside the run folder$/,
  },
  { what: "a missing weights file", tamper: (r) => rmSync(weights(r)), message: /^weights\.bin: no such file/ },
  {
    what: "a short weights file",
    tamper: (r) => cut(weights(r), 12),
    message: /^model\.json: its weight files \(\.\/weights\.bin\) hold 12 bytes, but weightsManifest describes 88$/,
  },
  {
    what: "extra weights in the manifest and the file",
    tamper: (r) => {
      r.edit(
        "model.json",
        (m) => void m.weightsManifest[0].weights.push({ name: "evil/kernel", shape: [2], dtype: "float32" }),
      );
      writeFileSync(weights(r), Buffer.concat([readFileSync(weights(r)), Buffer.alloc(8)]));
    },
    message: /^model\.json: tfjs cannot load it: /,
  },
  {
    what: "a weight of string type",
    tamper: (r) => r.edit("model.json", (m) => void (m.weightsManifest[0].weights[0].dtype = "string")),
    message: /^model\.json: weightsManifest\[0\]\.weights\[0\]\.dtype must be one of "float32", "int32", "bool"$/,
  },
  {
    what: "a negative dimension",
    tamper: (r) => r.edit("model.json", (m) => void (m.weightsManifest[0].weights[0].shape = [-2, 4])),
    message: /^model\.json: weightsManifest\[0\]\.weights\[0\]\.shape\[0\] must be >= 0$/,
  },
  {
    what: "labels.json without classes",
    tamper: (r) => r.edit("labels.json", (l) => void delete l.classes),
    message: /^labels\.json: classes is missing$/,
  },
  {
    what: "labels.json with no class",
    tamper: (r) => r.edit("labels.json", (l) => void (l.classes = [])),
    message: /^labels\.json: classes must NOT have fewer than 1 items$/,
  },
  {
    what: "labels.json with more classes than outputs",
    tamper: (r) => r.edit("labels.json", (l) => void l.classes.push("up")),
    message: /^labels\.json: classes lists 3 classes, more than the model's 2 outputs hold$/,
  },
  {
    what: "labels.json cut short",
    tamper: (r) => cut(join(r.dir, "labels.json"), 3),
    message: /^labels\.json: not valid JSON/,
  },
  {
    what: "preprocessing.json of another source",
    tamper: (r) => r.edit("preprocessing.json", (p) => void (p.source = "sql")),
    message: /^preprocessing\.json: source must be one of "csv", "json", "idx", "npy"$/,
  },
  {
    what: "preprocessing.json scaling fewer columns than its features",
    tamper: (r) =>
      r.edit("preprocessing.json", (p) => void (p.normalization = { mode: "standard", shift: [0], scale: [1] })),
    message: /^preprocessing\.json: normalization has 1 shifts and 1 scales for 2 features; they must match$/,
  },
  {
    what: "preprocessing.json with a NaN scale",
    tamper: (r) =>
      writeFileSync(
        join(r.dir, "preprocessing.json"),
        '{"source":"csv","label":"side","features":["x","y"],"normalization":{"mode":"standard","shift":[0,0],"scale":[1,NaN]}}',
      ),
    message: /^preprocessing\.json: not valid JSON/,
  },
];

describe("a tampered saved model is one line naming the file and field", () => {
  it.each(modelTamperings.map((t) => [t.what, t] as const))("%s", async (_, tampering) => {
    const run = copy();
    tampering.tamper(run);
    const error = await loadRun(run.dir).then(
      () => new Error("loaded"),
      (e: unknown) => e,
    );
    if (!(error instanceof NncUserError)) throw error;
    expectLine(error, run.dir, tampering);
  });

  it("a model_checkpoint's checkpoint.json with a negative epoch", async () => {
    const run = copy();
    run.edit("checkpoint/checkpoint.json", (c) => void (c.epoch = -1));
    const error = await loadRun(join(run.dir, "checkpoint")).catch((e: unknown) => e);
    expect((error as NncUserError).format().replace(`${run.dir}/`, "")).toBe(
      "error[NN4010]: checkpoint/checkpoint.json: epoch must be >= 1",
    );
  });
});

const historyTamperings: [string, (file: string) => void, RegExp][] = [
  ["cut short", (f) => cut(f, 30), /^history\.json: not valid JSON/],
  ["not a list", (f) => writeFileSync(f, '{"epoch": 1}'), /^history\.json: the file must be array$/],
  [
    "an epoch that is not a number",
    (f) => writeFileSync(f, '[{"epoch": "one", "loss": 1}]'),
    /^history\.json: \[0\]\.epoch must be integer$/,
  ],
  ["a record without its epoch", (f) => writeFileSync(f, '[{"loss": 1}]'), /^history\.json: \[0\]\.epoch is missing$/],
  [
    "a figure that is text",
    (f) => writeFileSync(f, '[{"epoch": 1, "loss": "low"}]'),
    /^history\.json: \[0\]\.loss must be number or null$/,
  ],
  ["a folder", (f) => [rmSync(f), execFileSync("mkdir", [f])], /^history\.json: is not a regular file$/],
];

describe("a tampered history.json is one line naming the file and field", () => {
  it.each(historyTamperings)("history.json %s", (_, tamper, message) => {
    const r = copy();
    tamper(join(r.dir, "history.json"));
    let error: unknown;
    try {
      readRunJson(openSavedFolder(r.dir), "history.json", "history");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(NncUserError);
    expect((error as NncUserError).code).toBe("NN4010");
    expect((error as NncUserError).message.replaceAll(`${r.dir}/`, "")).toMatch(message);
  });
});

/** Runs nnc in a child process, from the repository (so that messages show the scratch paths whole). */
function run(args: readonly string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repo, "bin", "nnc.js"), ...args], {
      cwd: repo,
      env: { ...process.env, NO_COLOR: "1" },
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (status) => resolve({ status, stderr }));
  });
}

describe("the commands print the one line", () => {
  const byName = (list: Tampering[], what: string) => list.find((t) => t.what === what)!;
  const cases = [
    ["train --resume", byName(checkpointTamperings, "a negative epoch"), (d: string) => ["train", spec, "--resume", d]],
    [
      "train --resume",
      byName(checkpointTamperings, "latest.json leading out"),
      (d: string) => ["train", spec, "--resume", d],
    ],
    [
      "evaluate",
      byName(modelTamperings, "a weights path leading out with .."),
      (d: string) => ["evaluate", spec, "--model", d],
    ],
    [
      "predict",
      byName(modelTamperings, "a short weights file"),
      (d: string) => ["predict", spec, "--model", d, "--input", join(scratch, "rows.csv")],
    ],
  ] as const;

  it("train --resume, evaluate and predict", async () => {
    const runs = cases.map(([, tampering]) => {
      const r = copy();
      tampering.tamper(r);
      return r;
    });
    const results: { status: number | null; stderr: string }[] = [];
    for (let i = 0; i < cases.length; i += 2) {
      results.push(...(await Promise.all(cases.slice(i, i + 2).map(([, , args], j) => run(args(runs[i + j]!.dir))))));
    }
    results.forEach((result, i) => {
      const [command, tampering] = cases[i]!;
      expect(result.status, command).toBe(1);
      const line = result.stderr.replaceAll(`${runs[i]!.dir}/`, "");
      expect(line, command).toMatch(/^error\[NN4010\]: [^\n]*\n$/);
      expect(line.trimEnd().slice("error[NN4010]: ".length), `${command}: ${line}`).toMatch(tampering.message);
    });
  }, 60_000);

  it.each(historyTamperings.filter(([what]) => what === "cut short" || what === "a folder"))(
    "plot: history.json %s",
    async (_, tamper, message) => {
      const r = copy();
      tamper(join(r.dir, "history.json"));
      const result = await run(["plot", r.dir]);
      expect(result.status).toBe(1);
      const line = result.stderr.replaceAll(`${r.dir}/`, "");
      expect(line).toMatch(/^error\[NN4010\]: [^\n]*\n$/);
      expect(line.trimEnd().slice("error[NN4010]: ".length), line).toMatch(message);
    },
  );
});
