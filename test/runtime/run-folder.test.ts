/**
 * Run folders are nnc's own (src/runtime/run-folder.ts, run-lock.ts): nnc writes only into a folder it made,
 * an empty one or one holding its marker, deletes only what its marker lists and never through a link, holds
 * a lock, and checks the folder and the disk before building the model. Each defect of issue 10 that lost a
 * user's files is a test here, on real folders in a scratch directory.
 */
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkSource } from "../../src/compiler/index.js";
import type { IrTrain } from "../../src/compiler/ir/index.js";
import { runPathProblem } from "../../src/compiler/registry/run-files.js";
import { loadRun, NncUserError, runTraining, saveRun, trainModel } from "../../src/runtime/index.js";
import { buildModel } from "../../src/runtime/build.js";
import { openRunFolder, pruneCheckpoints, removeTree } from "../../src/runtime/run-folder.js";
import { denseLayer, quiet, sequentialModel, trainBlock } from "../helpers/ir.js";
import { repo } from "../helpers/cli.js";

const scratch = mkdtempSync(join(tmpdir(), "nnc-run-folder-"));
const model = sequentialModel("Tiny", "point", 2, [denseLayer("out", 2, "softmax", "point", 2)]);
const train = trainBlock("Tiny", { epochs: 2 });

/** A fresh folder in the scratch directory holding `files` (name -> text). */
function folderWith(name: string, files: Record<string, string> = {}): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    writeFileSync(join(dir, file), text);
  }
  return dir;
}

/** The NncUserError `action` throws, as `nnc` prints it, with the scratch directory left out. */
async function userError(action: () => Promise<unknown>): Promise<string> {
  const error = await action().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NncUserError);
  return (error as NncUserError).format().replaceAll(`${scratch}/`, "");
}

const marker = (dir: string) =>
  JSON.parse(readFileSync(join(dir, ".nnc-run.json"), "utf8")) as { nnc: string; created: string; files: string[] };

describe("a folder nnc did not make", () => {
  it("with other files is refused before any work, naming it and its first entries, and left as it was", async () => {
    const project = folderWith("project", {
      "iris.nn": "spec",
      "data/iris.csv": "rows",
      "README.md": "me",
      "z.txt": "z",
    });
    const error = await userError(() => trainModel(model, train, { runDir: project, output: quiet }));
    expect(error).toBe(
      "error[NN4012]: project is not a run folder of nnc and holds files nnc did not write (README.md, data, iris.nn, and 1 more)" +
        " (choose a new or empty folder, or pass --overwrite to write nnc's files there; it deletes nothing else)",
    );
    expect(readdirSync(project).sort()).toEqual(["README.md", "data", "iris.nn", "z.txt"]);
    // The emitted trainM({ runDir }) runs the same code, and so does saveRun.
    const built = () => buildModel(model);
    expect(await userError(() => runTraining(built, train, { runDir: project, output: quiet }))).toMatch(
      /^error\[NN4012\]/,
    );
    const run = await trainModel(model, train, { output: quiet });
    expect(await userError(() => saveRun(project, run))).toMatch(/^error\[NN4012\]/);
    expect(readdirSync(project).sort()).toEqual(["README.md", "data", "iris.nn", "z.txt"]);
  });

  it("with --overwrite is adopted: nnc writes its files and marker, and every other file stays", async () => {
    const mine = folderWith("adopted", { "notes.txt": "mine", "model.json.bak": "mine too" });
    const withFiles: IrTrain = {
      ...train,
      callbacks: [
        { name: "model_checkpoint", args: { monitor: "val_loss", save_best_only: false, every: 1 } },
        { name: "csv_logger", args: { path: "logs/train.csv", append: false } },
      ],
    };
    await trainModel(model, withFiles, { runDir: mine, overwrite: true, output: quiet });
    expect(readFileSync(join(mine, "notes.txt"), "utf8")).toBe("mine");
    expect(readFileSync(join(mine, "model.json.bak"), "utf8")).toBe("mine too");
    expect(marker(mine).files).toEqual([
      "checkpoint/checkpoint.json",
      "checkpoint/labels.json",
      "checkpoint/model.json",
      "checkpoint/preprocessing.json",
      "checkpoint/weights.bin",
      "history.json",
      "history.png",
      "history.svg",
      "labels.json",
      "logs/train.csv",
      "model.json",
      "preprocessing.json",
      "resume",
      "weights.bin",
    ]);
    // Marked now, and holding a run: a second run is refused without --overwrite, which replaces it; without
    // the callbacks, their old files go, nothing else.
    expect(await userError(() => trainModel(model, train, { runDir: mine, output: quiet }))).toMatch(
      /^error\[NN4043\]: .*adopted holds an earlier run \(checkpoint, history\.json, history\.png, and \d+ more\) \(choose another folder, continue it with --resume \(resume: true from trainM\), or pass --overwrite \(overwrite: true\) to replace it\)$/,
    );
    expect(readFileSync(join(mine, "logs", "train.csv"), "utf8")).not.toBe("");
    await trainModel(model, train, { runDir: mine, overwrite: true, output: quiet });
    expect(readdirSync(mine).sort()).toEqual([
      ".nnc-run.json",
      "history.json",
      "history.png",
      "history.svg",
      "labels.json",
      "model.json",
      "model.json.bak",
      "notes.txt",
      "preprocessing.json",
      "resume",
      "weights.bin",
    ]);
    expect((await loadRun(mine)).model.name).toBe("Tiny");
  });

  it("that is empty is taken; one nnc made and no run wrote into is removed again, with the parents it made", async () => {
    const empty = folderWith("empty");
    await trainModel(model, train, { runDir: empty, output: quiet });
    expect(marker(empty).nnc).toMatch(/^\d+\.\d+\.\d+/);
    const fresh = join(scratch, "fresh", "run");
    const folder = await openRunFolder(fresh);
    expect(marker(fresh).files).toEqual([]);
    await folder.close();
    expect(existsSync(fresh)).toBe(false);
    expect(existsSync(join(scratch, "fresh"))).toBe(false);
    const kept = folderWith("kept", { "data.csv": "x\n" });
    const deep = join(kept, "runs", "a", "run");
    await (await openRunFolder(deep)).close();
    expect(readdirSync(kept)).toEqual(["data.csv"]);
  });
});

describe("an unusable run folder is one line naming it, before the model is built", () => {
  it("a file, or a path through a file", async () => {
    writeFileSync(join(scratch, "notes.txt"), "text");
    expect(await userError(() => trainModel(model, train, { runDir: join(scratch, "notes.txt"), output: quiet }))).toBe(
      "error[NN4013]: notes.txt: is a file, not a folder; choose another folder with --out",
    );
    expect(await userError(() => openRunFolder(join(scratch, "notes.txt", "run")))).toBe(
      "error[NN4013]: notes.txt/run: cannot create it (a part of the path is a file, not a folder, ENOTDIR)",
    );
    expect(readFileSync(join(scratch, "notes.txt"), "utf8")).toBe("text");
  });

  it("a disk without room for the model: checked from the spec's parameter count, before anything is built", async () => {
    const huge = sequentialModel("Huge", "point", 2_000_000, [
      denseLayer("out", 2_000_000, "linear", "point", 2_000_000),
    ]);
    const dir = join(scratch, "huge");
    const error = await userError(() => trainModel(huge, trainBlock("Huge"), { runDir: dir, output: quiet }));
    expect(error).toMatch(
      /^error\[NN4016\]: huge: [\d.]+ [KMGTP]?B free, but training this model may write 160\.0 TB \(/,
    );
    expect(existsSync(dir)).toBe(false);
  });

  it("--resume needs a run folder nnc wrote, and a damaged marker is named", async () => {
    const plain = folderWith("plain", { "model.json": "{}" });
    expect(await userError(() => trainModel(model, train, { runDir: plain, resume: true, output: quiet }))).toBe(
      "error[NN4010]: plain: no checkpoint to resume from (it is not a run folder of nnc: it has no .nnc-run.json; one an older nnc wrote resumes with --overwrite)",
    );
    await (await openRunFolder(plain, { resume: true, overwrite: true })).close(); // a run of an older nnc
    expect(readFileSync(join(plain, "model.json"), "utf8")).toBe("{}");
    const damaged = folderWith("damaged", { ".nnc-run.json": '{"nnc": 1}' });
    expect(await userError(() => openRunFolder(damaged))).toMatch(
      /^error\[NN4013\]: damaged\/\.nnc-run\.json: not a marker nnc wrote \(damaged or edited\); pass --overwrite/,
    );
    await (await openRunFolder(damaged, { overwrite: true })).close();
    expect(marker(damaged).files).toEqual([]);
  });
});

describe("deleting", () => {
  it("a symbolic link named resume is refused before training, and the folder it points to keeps its files", async () => {
    const victim = folderWith("victim", { "precious.txt": "keep", "epoch-1-step-0-1-1/x": "keep" });
    const run = join(scratch, "linked");
    await trainModel(model, train, { runDir: run, output: quiet });
    await removeTree(join(run, "resume"));
    symlinkSync(victim, join(run, "resume"));
    expect(await userError(() => trainModel(model, train, { runDir: run, output: quiet }))).toBe(
      "error[NN4013]: linked/resume: is a symbolic link, not a folder; nnc writes only into real folders inside a run folder (move it away)",
    );
    expect(readdirSync(victim).sort()).toEqual(["epoch-1-step-0-1-1", "precious.txt"]);
  });

  it("removes links as links, never what they point to, and only nnc's own checkpoint entries", async () => {
    const victim = folderWith("victim2", { "precious.txt": "keep" });
    const resume = folderWith("pruned/resume", {
      "latest.json": "{}",
      "notes.txt": "mine",
      "epoch-2-step-0-9-9/state.json": "{}",
    });
    symlinkSync(victim, join(resume, "epoch-1-step-0-9-9"));
    symlinkSync(victim, join(resume, "epoch-2-step-0-9-9", "inner"));
    await pruneCheckpoints(resume, null);
    expect(readdirSync(resume)).toEqual(["notes.txt"]);
    expect(readdirSync(victim)).toEqual(["precious.txt"]);
  });

  it("a marker listing paths outside the folder, or through a link, deletes nothing there", async () => {
    const victim = folderWith("victim3", { "a.csv": "keep" });
    const run = folderWith("tampered");
    await trainModel(model, train, { runDir: run, output: quiet });
    symlinkSync(victim, join(run, "logs"));
    const listed = marker(run);
    const files = [...listed.files, "../victim3/a.csv", `${victim}/a.csv`, "logs/a.csv"];
    writeFileSync(join(run, ".nnc-run.json"), JSON.stringify({ ...listed, files }));
    await trainModel(model, train, { runDir: run, overwrite: true, output: quiet });
    expect(readFileSync(join(victim, "a.csv"), "utf8")).toBe("keep");
    expect(marker(run).files).not.toContain("logs/a.csv");
  });

  it("removes the temporaries a killed run left beside nnc's files, and no one else's", async () => {
    const run = join(scratch, "leftovers");
    await trainModel(model, train, { runDir: run, output: quiet });
    const left = [".model.json.4242-3-a1b2c3.tmp", "..nnc-run.json.4242-9-zz0000.tmp", ".notes.txt.4242-1-a1b2c3.tmp"];
    for (const name of left) writeFileSync(join(run, name), "half");
    await (await openRunFolder(run, { overwrite: true })).close();
    expect(readdirSync(run).filter((name) => name.endsWith(".tmp"))).toEqual([".notes.txt.4242-1-a1b2c3.tmp"]);
  });

  it("saving never renames the run folder (it may be a mount point) and leaves no temporaries", async () => {
    const run = join(scratch, "inode");
    await trainModel(model, train, { runDir: run, output: quiet });
    const before = statSync(run).ino;
    await trainModel(model, train, { runDir: run, overwrite: true, output: quiet });
    expect(statSync(run).ino).toBe(before);
    expect(readdirSync(run).filter((name) => name.includes("tmp"))).toEqual([]);
    expect(readdirSync(scratch).filter((name) => name.startsWith("inode"))).toEqual(["inode"]);
  });
});

describe("callback paths stay inside the run folder", () => {
  const spec = (path: string) => `model M {
  input x: [2]
  dense(2, activation: softmax)
}
train M {
  data: csv("d.csv", label: "y")
  loss: categorical_crossentropy
  optimizer: adam
  epochs: 1
  batch_size: 4
  callbacks: [csv_logger(${JSON.stringify(path)})]
}
`;

  it("nnc check reports NN4015 at the path for a path out of the folder, absolute, or one of nnc's own", () => {
    const cases: [string, string][] = [
      ["../../x", "must stay inside the run folder ('..' leads out of it)"],
      ["logs/../../x.csv", "must stay inside the run folder ('..' leads out of it)"],
      ["/etc/x.csv", "must be relative to the run folder, not absolute"],
      ["C:\\x.csv", "must be relative to the run folder, not absolute"],
      ["..\\x.csv", "must stay inside the run folder ('..' leads out of it)"],
      ["model.json", "names model.json, which nnc writes itself"],
      ["./Weights.BIN", "names weights.bin, which nnc writes itself"],
      ["checkpoint/log.csv", "is inside checkpoint/, which nnc writes itself"],
      ["resume/latest.json", "is inside resume/, which nnc writes itself"],
      [".nnc-run.json", "names .nnc-run.json, which nnc writes itself"],
      ["logs/.nnc-x", "uses a name starting with '.nnc-', which nnc keeps for its own files"],
      ["logs/", "must name a file inside the run folder"],
    ];
    for (const [path, problem] of cases) {
      const text = spec(path);
      const { diagnostics } = checkSource(text, join(scratch, "m.nn"));
      expect(
        diagnostics.map((d) => [d.code, d.message]),
        path,
      ).toEqual([["NN4015", `csv_logger path ${JSON.stringify(path)} ${problem}`]]);
      const at = text.indexOf(JSON.stringify(path));
      expect(diagnostics[0]!.span).toEqual({ start: at, end: at + JSON.stringify(path).length });
    }
    for (const path of ["log.csv", "logs/train.csv", "./a/../b.csv", "history.csv", "checkpoints/x.csv"]) {
      expect(checkSource(spec(path), join(scratch, "m.nn")).diagnostics, path).toEqual([]);
      expect(runPathProblem(path)).toBeNull();
    }
  });

  it("the runtime refuses them too (an edited emitted module), before training, writing nothing", async () => {
    const outside: IrTrain = {
      ...train,
      callbacks: [{ name: "csv_logger", args: { path: "../escaped.csv", append: false } }],
    };
    const run = join(scratch, "escape", "run");
    expect(await userError(() => trainModel(model, outside, { runDir: run, output: quiet }))).toBe(
      `error[NN4015]: csv_logger path "../escaped.csv" must stay inside the run folder ('..' leads out of it)`,
    );
    expect(existsSync(join(scratch, "escape", "escaped.csv"))).toBe(false);
    expect(existsSync(run)).toBe(false);
  });
});

describe("the lock", () => {
  it("refuses a second run into a folder in use, naming the PID that holds it", async () => {
    const run = join(scratch, "locked");
    const first = await openRunFolder(run);
    expect(await userError(() => openRunFolder(run))).toMatch(
      /^error\[NN4014\]: locked is in use by another nnc train \(PID \d+/,
    );
    await first.close();
    expect(existsSync(run)).toBe(false); // made for a run that wrote nothing: removed with its lock
    mkdirSync(run);
    // Another live process's lock.
    const sleeper = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"]);
    try {
      writeFileSync(join(run, ".nnc-run.lock"), JSON.stringify({ pid: sleeper.pid, host: hostname(), token: "x" }));
      expect(await userError(() => trainModel(model, train, { runDir: run, output: quiet }))).toBe(
        `error[NN4014]: locked is in use by another nnc train (PID ${sleeper.pid}) (wait for it to end; if no nnc is training there, delete locked/.nnc-run.lock)`,
      );
    } finally {
      sleeper.kill("SIGKILL");
    }
  });

  it("takes over a lock whose process is gone (killed with SIGKILL), and releases it after a run", async () => {
    const run = join(scratch, "stale");
    const gone = spawnSync(process.execPath, ["-e", "process.kill(process.pid, 'SIGKILL')"]);
    expect(gone.signal).toBe("SIGKILL");
    mkdirSync(run);
    writeFileSync(join(run, ".nnc-run.lock"), JSON.stringify({ pid: gone.pid, host: hostname(), token: "old" }));
    await trainModel(model, train, { runDir: run, output: quiet });
    expect(readdirSync(run)).not.toContain(".nnc-run.lock");
    expect(readdirSync(run).filter((name) => name.startsWith(".nnc-") && name !== ".nnc-run.json")).toEqual([]);
  });

  it("is released at exit even when the process ends with process.exit (a second Ctrl-C)", () => {
    const run = join(scratch, "exiting");
    const code = [
      'import { readdirSync } from "node:fs";',
      `import { openRunFolder } from ${JSON.stringify(join(repo, "src", "runtime", "run-folder.ts"))};`,
      `await openRunFolder(${JSON.stringify(run)});`,
      `console.log(readdirSync(${JSON.stringify(run)}).sort().join(","));`,
      "process.exit(130);",
    ].join("\n");
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      encoding: "utf8",
      cwd: repo,
    });
    expect(child.stderr).toBe("");
    expect(child.stdout).toBe(".nnc-run.json,.nnc-run.lock\n");
    expect(child.status).toBe(130);
    expect(readdirSync(run)).toEqual([".nnc-run.json"]);
  });
});
