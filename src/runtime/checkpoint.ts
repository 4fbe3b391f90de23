/**
 * Checkpoints that a crash or a kill cannot spoil, for `nnc train --resume`. Each checkpoint is a new folder
 * `<run>/resume/<name>/` (the model's weights, the optimizer's state, the callbacks' tensors, and
 * `state.json`: epoch, step, the seeded generator's state, the learning rate, the callbacks' state and the
 * history so far). Only when every file of it is written and flushed does `<run>/resume/latest.json`, which
 * names the folder, change, by an atomic rename; then the older folders are removed. A process killed at any
 * moment leaves `latest.json` naming a complete checkpoint (or, before the first one, no `latest.json`).
 *
 * Test hook (for tests only): with `NNC_TEST_KILL_DURING_CHECKPOINT=N` in the environment, the N-th checkpoint
 * a process writes stops halfway (after its weights) and prints `nnc-test: checkpoint N half-written` to
 * stderr, so that a test can kill the process at that moment.
 */
import { mkdir, open } from "node:fs/promises";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { displayPath } from "../compiler/diagnostics/render.js";
import { writeFileAtomic } from "../io/write-atomic.js";
import { isResumable, type CallbackState } from "./callbacks.js";
import { checkResumePoint, checkStateFitsRun, checkStateParts } from "./checkpoint-checks.js";
import { NncUserError } from "./errors.js";
import type { EpochLogs, LoopPoint } from "./fit-loop.js";
import { openSavedFolder, readRunBytes, readRunJson, unusable, weightBytes, type SavedFolder } from "./saved-files.js";
import { pruneCheckpoints, realFolder } from "./run-folder.js";
import { currentRate, setRate } from "./schedule-callbacks.js";

/** A tensor with its name, as optimizers list their state. */
type NamedTensor = { name: string; tensor: tf.Tensor };

/** What a checkpoint holds besides tensors. */
export interface CheckpointState {
  readonly format: 1;
  readonly model: string;
  readonly seed: number;
  /** The run's main epochs (the train block's, or `--epochs`'s); absent in checkpoints written before it was kept. */
  readonly epochs?: number;
  /** The run's `--set` arguments (`units=64`), when it was started with any: a resume must give the same. */
  readonly overrides?: readonly string[];
  readonly point: LoopPoint;
  readonly history: readonly EpochLogs[];
  readonly learningRate: number;
  /** The model's weight names and shapes, to check a resumed model against. */
  readonly weights: readonly { readonly name: string; readonly shape: readonly number[] }[];
  readonly weightSpecs: tf.io.WeightsManifestEntry[];
  readonly optimizerSpecs: tf.io.WeightsManifestEntry[];
  /** Per callback, in order: its class and state, or null for one without state. */
  readonly callbacks: readonly ({
    readonly kind: string;
    readonly values: Record<string, unknown>;
    readonly tensors: number;
  } | null)[];
  readonly callbackSpecs: tf.io.WeightsManifestEntry[];
}

/** A checkpoint read back, ready to be put into a freshly built model. */
export interface Checkpoint {
  readonly dir: string;
  /** The run folder it was read from, and its `state.json` there (for messages). */
  readonly run: SavedFolder;
  readonly stateFile: string;
  readonly state: CheckpointState;
  readonly weights: tf.NamedTensorMap;
  readonly optimizer: tf.NamedTensorMap;
  readonly callbacks: tf.NamedTensorMap;
}

/** What a training run is made of, for saving and restoring it. */
export interface TrainingParts {
  readonly model: tf.LayersModel;
  /** Replaced by a new one when fine-tuning starts (fine-tune.ts). */
  optimizer: tf.Optimizer;
  readonly callbacks: readonly tf.Callback[];
  readonly seed: number;
  /** The main epochs planned (without fine-tuning's), kept so that `--resume` keeps an `--epochs` override. */
  readonly epochs: number;
  /** The run's `--set` arguments, kept in each checkpoint (see `CheckpointState`). */
  readonly overrides: readonly string[];
}

/** `<run>/resume`, where the checkpoints of a run directory live. */
export function checkpointDirectory(runDir: string): string {
  return path.join(runDir, "resume");
}

let written = 0;

/** Writes a checkpoint of `parts` at `point` into `runDir` (see the file comment for how). */
export async function writeCheckpoint(
  runDir: string,
  parts: TrainingParts,
  point: LoopPoint,
  history: readonly EpochLogs[],
): Promise<void> {
  const root = checkpointDirectory(runDir);
  const name = `epoch-${point.epoch}-step-${point.step}-${process.pid}-${Date.now()}`;
  const dir = path.join(root, name);
  // `resume` must be a real folder: through a link, the cleanup below would empty the folder it points to.
  await realFolder(root);
  await mkdir(dir);
  const modelWeights = parts.model.weights.map((w, i) => ({ name: `w${i}`, tensor: w.read() }));
  const buffers = encodingBuffers(parts);
  const weights = await encodeWeights(modelWeights, buffers, "weights");
  const optimizerTensors = await optimizerWeights(parts.optimizer);
  let optimizer: Encoded;
  try {
    optimizer = await encodeWeights(optimizerTensors, buffers, "optimizer");
  } finally {
    // The step count is a scalar made for this call (`getWeights`' "iter"); the slots are the optimizer's own.
    for (const { name, tensor } of optimizerTensors) if (name === "iter") tensor.dispose();
  }
  const resumable = parts.callbacks.map((c) => (isResumable(c) ? c : null));
  const states = resumable.map((c) => c?.saveState() ?? null);
  const callbackTensors = states.flatMap((s, i) =>
    (s?.tensors ?? []).map((tensor, j) => ({ name: `c${i}-${j}`, tensor })),
  );
  const callbacks = await encodeWeights(callbackTensors, buffers, "callbacks");
  const state: CheckpointState = {
    format: 1,
    model: parts.model.name,
    seed: parts.seed,
    epochs: parts.epochs,
    ...(parts.overrides.length > 0 ? { overrides: parts.overrides } : {}),
    point,
    history,
    learningRate: currentRate(parts.optimizer),
    weights: parts.model.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[] })),
    weightSpecs: weights.specs,
    optimizerSpecs: optimizer.specs,
    callbacks: states.map((s, i) =>
      s ? { kind: resumable[i]!.kind, values: { ...s.values }, tensors: s.tensors?.length ?? 0 } : null,
    ),
    callbackSpecs: callbacks.specs,
  };
  await writeDurably(path.join(dir, "weights.bin"), weights.data);
  written++;
  if (Number(process.env["NNC_TEST_KILL_DURING_CHECKPOINT"]) === written) {
    process.stderr.write(`nnc-test: checkpoint ${written} half-written\n`);
    await new Promise((resolve) => setTimeout(resolve, 600_000));
  }
  // Each file is flushed before latest.json names the folder; they need not be flushed one after another.
  await Promise.all([
    writeDurably(path.join(dir, "optimizer.bin"), optimizer.data),
    writeDurably(path.join(dir, "callbacks.bin"), callbacks.data),
    writeDurably(path.join(dir, "state.json"), JSON.stringify(state, finiteReplacer)),
  ]);
  await writeFileAtomic(path.join(root, "latest.json"), `${JSON.stringify({ checkpoint: name })}\n`);
  await pruneCheckpoints(root, name);
}

/**
 * Reads the latest checkpoint of `runDir`. Nothing in it is trusted: `latest.json` and `state.json` are
 * validated against their schemas and with each other (checkpoint-checks.ts), the tensor files against the
 * sizes their specs give, and every path stays inside the run folder. NN4010, naming the file and the field,
 * when there is none or it is unusable.
 */
export async function readCheckpoint(runDir: string): Promise<Checkpoint> {
  const none = "no checkpoint to resume from (it has no resume/latest.json; nnc train writes one after each epoch)";
  const run = openSavedFolder(runDir, none);
  const latest = readRunJson<{ checkpoint: string }>(run, "resume/latest.json", "latest", { optional: true });
  if (latest === null) throw unusable(run, "", none);
  const folder = `resume/${latest.checkpoint}`;
  const stateFile = `${folder}/state.json`;
  // Checked as written (NaN and the infinities spelled out, as the schema expects them), then revived.
  const written = readRunJson<CheckpointState>(run, stateFile, "state")!;
  checkStateParts(run, stateFile, written);
  const state = JSON.parse(JSON.stringify(written), finiteReviver) as CheckpointState;
  const decode = (file: string, specs: tf.io.WeightsManifestEntry[]) =>
    tf.io.decodeWeights(readRunBytes(run, `${folder}/${file}`, weightBytes(specs)), specs);
  return {
    dir: path.join(run.dir, folder),
    run,
    stateFile,
    state,
    weights: decode("weights.bin", state.weightSpecs),
    optimizer: decode("optimizer.bin", state.optimizerSpecs),
    callbacks: decode("callbacks.bin", state.callbackSpecs),
  };
}

/** NN4010 when `checkpoint` cannot continue a run of `epochs` epochs of `steps` steps each (see checkResumePoint). */
export function checkCheckpointPoint(checkpoint: Checkpoint, epochs: number, steps: number): void {
  checkResumePoint(checkpoint.run, checkpoint.stateFile, checkpoint.state, epochs, steps);
}

/**
 * Puts a checkpoint into a run that was built and compiled as the checkpointed one was: weights, optimizer
 * state, learning rate and callback state. NN4011 when the model, the optimizer or the callbacks differ from
 * the spec's; NN4010 when the saved tensors do not fit them. Everything is checked before anything is set.
 */
export async function restoreCheckpoint(checkpoint: Checkpoint, parts: TrainingParts): Promise<void> {
  const { state } = checkpoint;
  const model = parts.model;
  const describe = (list: readonly { name: string; shape: readonly number[] }[]) =>
    list.map((w) => `${w.name} [${w.shape.join(", ")}]`).join(", ");
  const now = model.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[] }));
  if (describe(now) !== describe(state.weights)) {
    throw new NncUserError("NN4011", {
      detail: `the checkpoint in ${displayPath(checkpoint.dir)} holds model '${state.model}' with weights ${describe(state.weights)}, but the spec's model '${model.name}' has ${describe(now)}`,
    });
  }
  const kinds = (list: readonly (string | null)[]) => list.map((k) => k ?? "-").join(", ");
  const callbackKinds = parts.callbacks.map((c) => (isResumable(c) ? c.kind : null));
  if (kinds(callbackKinds) !== kinds(state.callbacks.map((c) => c?.kind ?? null))) {
    throw new NncUserError("NN4011", {
      detail: `the train block's callbacks or lr_schedule changed since the checkpoint in ${displayPath(checkpoint.dir)} was written; resume with the spec it was trained with`,
    });
  }
  checkStateFitsRun(checkpoint.run, checkpoint.stateFile, state, parts, privateScalars);
  const weights = model.weights.map((_, i) => checkpoint.weights[`w${i}`]!);
  model.setWeights(weights);
  tf.dispose(weights);
  await setOptimizerWeights(
    parts.optimizer,
    Object.entries(checkpoint.optimizer).map(([name, tensor]) => ({ name, tensor })),
  );
  setRate(parts.optimizer, state.learningRate);
  state.callbacks.forEach((saved, i) => {
    if (!saved) return;
    const tensors = Array.from({ length: saved.tensors }, (_, j) => checkpoint.callbacks[`c${i}-${j}`]!);
    const callback = parts.callbacks[i] as tf.Callback & { loadState(state: CallbackState): void };
    callback.loadState({ values: saved.values, ...(tensors.length > 0 ? { tensors } : {}) });
  });
}

type OptimizerFields = Record<string, unknown> & { iterations_: number };
type Slot = { originalName: string; variable: tf.Variable };
/** Scalars some optimizers keep outside `getWeights` (Adam's and Adamax's running powers of beta). */
const privateScalars = ["accBeta1", "accBeta2", "iteration"];

/**
 * The optimizer's state as named tensors: `getWeights()` (the step count, then the slots), which Adamax
 * lacks in tfjs 4.22 (its slots are read here), plus the private scalars, so that a resumed optimizer does
 * not recompute them (`setWeights` derives Adam's from the step count, a rounding away from the real ones).
 */
async function optimizerWeights(optimizer: tf.Optimizer): Promise<NamedTensor[]> {
  const fields = optimizer as unknown as OptimizerFields;
  const slots = (key: string) =>
    ((fields[key] ?? []) as Slot[]).map((s) => ({ name: s.originalName, tensor: s.variable as tf.Tensor }));
  const named =
    optimizer.getClassName() === "Adamax"
      ? [
          { name: "iter", tensor: tf.scalar(optimizer.iterations, "int32") },
          ...slots("accumulatedFirstMoment"),
          ...slots("accumulatedWeightedInfNorm"),
        ]
      : await optimizer.getWeights();
  for (const key of privateScalars) {
    if (fields[key] instanceof tf.Variable) named.push({ name: `@${key}`, tensor: fields[key] });
  }
  return named;
}

async function setOptimizerWeights(optimizer: tf.Optimizer, named: NamedTensor[]): Promise<void> {
  const fields = optimizer as unknown as OptimizerFields;
  const plain = named.filter((n) => !n.name.startsWith("@"));
  if (optimizer.getClassName() === "Adamax") {
    fields.iterations_ = (await plain[0]!.tensor.data())[0]!;
    const half = (plain.length - 1) / 2;
    const slots = (list: NamedTensor[]): Slot[] =>
      list.map((n) => ({ originalName: n.name, variable: n.tensor.variable(false) }));
    fields["accumulatedFirstMoment"] = slots(plain.slice(1, 1 + half));
    fields["accumulatedWeightedInfNorm"] = slots(plain.slice(1 + half));
  } else {
    await optimizer.setWeights(plain);
  }
  for (const { name, tensor } of named.filter((n) => n.name.startsWith("@"))) {
    (fields[name.slice(1)] as tf.Variable).assign(tensor);
  }
}

type Encoded = Awaited<ReturnType<typeof tf.io.encodeWeights>>;

/** The buffers a run's checkpoints encode their tensors into, by file, kept from one checkpoint to the next. */
type EncodingBuffers = Map<string, ArrayBuffer>;

const runBuffers = new WeakMap<TrainingParts, EncodingBuffers>();

function encodingBuffers(parts: TrainingParts): EncodingBuffers {
  if (!runBuffers.has(parts)) runBuffers.set(parts, new Map());
  return runBuffers.get(parts)!;
}

/**
 * `named` encoded as `tf.io.encodeWeights` encodes them (the specs, and each tensor's values after the last
 * one's), into the buffer of `file` from this run's last checkpoint when it has the size needed: the weights
 * and the optimizer's slots are megabytes, which `encodeWeights` copies twice into fresh memory each epoch.
 * A run's checkpoints are written one after another, each file before the next checkpoint begins, so the
 * buffer is free again. Tensors other than float32, int32 and bool are left to `encodeWeights`.
 */
async function encodeWeights(named: NamedTensor[], buffers: EncodingBuffers, file: string): Promise<Encoded> {
  const plain = named.every(({ tensor }) => ["float32", "int32", "bool"].includes(tensor.dtype));
  if (!plain) return tf.io.encodeWeights(named);
  const values = named.map(({ tensor }) => tensor.dataSync());
  const bytes = values.reduce((sum, v) => sum + v.byteLength, 0);
  let data = buffers.get(file);
  if (data?.byteLength !== bytes) buffers.set(file, (data = new ArrayBuffer(bytes)));
  const out = new Uint8Array(data);
  let at = 0;
  for (const v of values) {
    out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), at);
    at += v.byteLength;
  }
  const specs = named.map(({ name, tensor }) => ({ name, shape: tensor.shape, dtype: tensor.dtype as "float32" }));
  return { data, specs };
}

/** Writes a file and flushes it to disk before returning. */
async function writeDurably(file: string, data: string | ArrayBuffer): Promise<void> {
  const handle = await open(file, "w");
  try {
    await handle.writeFile(typeof data === "string" ? data : new Uint8Array(data));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** JSON keeps no NaN or Infinity (a best figure starts at Infinity): they are written as `{"number": "Infinity"}`. */
function finiteReplacer(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? { number: String(value) } : value;
}

function finiteReviver(_key: string, value: unknown): unknown {
  const number = (value as { number?: unknown } | null)?.number;
  return typeof value === "object" && value !== null && Object.keys(value).length === 1 && typeof number === "string"
    ? Number(number)
    : value;
}
