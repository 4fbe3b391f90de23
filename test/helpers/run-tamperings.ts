/**
 * The ways a run folder is damaged in the tampered-runs tests, one table per kind of file nnc loads from a
 * run: a checkpoint (resume/), the saved model, history.json. Each says what it does, how, and the one-line
 * message it must give after `error[NN4010]: ` (or NN4011), with the run folder's path removed.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export type Json = Record<string, unknown> & { [key: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A fresh copy of the trained run, in the scratch folder beside the untouched run, `pristine`. */
export interface Run {
  readonly dir: string;
  /** The latest checkpoint's folder, relative to `dir`. */
  readonly checkpoint: string;
  /** Rewrites a JSON file of the run with what `change` returns, or with the value it changed in place. */
  readonly edit: (file: string, change: (value: Json) => unknown) => void;
}

export interface Tampering {
  readonly what: string;
  readonly tamper: (run: Run) => void;
  /** The message after `error[NN4010]: ` with the run folder's path removed. */
  readonly message: RegExp;
  readonly code?: "NN4011";
}

const state = (run: Run) => `${run.checkpoint}/state.json`;
const cut = (file: string, bytes: number) => truncateSync(file, bytes);
/** The scratch folder the run copies are in: outside every run. */
const scratchOf = (run: Run) => dirname(run.dir);

export const checkpointTamperings: Tampering[] = [
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
      writeFileSync(join(scratchOf(r), "elsewhere.json"), JSON.stringify({ checkpoint: "x" }));
      rmSync(join(r.dir, "resume/latest.json"));
      symlinkSync(join(scratchOf(r), "elsewhere.json"), join(r.dir, "resume/latest.json"));
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

const weights = (r: Run) => join(r.dir, "weights.bin");
export const modelTamperings: Tampering[] = [
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
      symlinkSync(join(scratchOf(r), "pristine", "weights.bin"), weights(r));
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
    message: /^preprocessing\.json: source must be one of "csv", "json", "idx", "npy", "images", "text"$/,
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

export const historyTamperings: [string, (file: string) => void, RegExp][] = [
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
