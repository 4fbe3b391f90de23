/**
 * Tampered run folders: each file nnc loads from a run (a checkpoint's latest.json, state.json and .bin files,
 * model.json and its weights, labels.json, preprocessing.json, checkpoint.json, history.json), damaged in each
 * way seen in a hostile review (cut short, garbage, wrong types, negative or huge epochs, NaN, paths leading
 * out, links, missing files, short or long .bin files, extra weights). Each must be one NN4010 (or NN4011) line
 * naming the file and the field, never a stack trace and never silently accepted. The loading runs in this
 * process (as the commands run it: trainModel with resume, loadRun); each command is also run as users run it
 * for a sample of the table, to see the one line on stderr. The tables are test/helpers/run-tamperings.ts.
 */
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { isAbsolute, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkFile, type IrModel, type IrTrain } from "../../src/compiler/index.js";
import { initBackend, loadRun, NncUserError, trainModel } from "../../src/runtime/index.js";
import { openSavedFolder, readRunJson } from "../../src/runtime/saved-files.js";
import { nnc, repo } from "../helpers/cli.js";
import { twoBlobsCsv } from "../helpers/data-files.js";
import { quiet } from "../helpers/ir.js";
import {
  checkpointTamperings,
  historyTamperings,
  modelTamperings,
  type Json,
  type Run,
  type Tampering,
} from "../helpers/run-tamperings.js";

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

let copies = 0;

/** A fresh copy of the trained run, and helpers that tamper with its files. */
function copy(): Run {
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
    const written = saved.callbacks.flatMap(
      (c: { values?: { written?: string[] } } | null) => c?.values?.written ?? [],
    );
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
