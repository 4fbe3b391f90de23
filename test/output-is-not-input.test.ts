/**
 * No command writes over its own input: `nnc compile x.nn -o x.nn` and `nnc predict --input r.csv -o r.csv`
 * replaced the file they read. The check (src/io/output-path.ts) compares real paths and device+inode, so a
 * symbolic link, a hard link or a folder reached through a link counts as the input too. Each command with an
 * output option is run as users run it; the input must be unchanged and the error one line.
 */
import { execFileSync } from "node:child_process";
import { linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { overwrittenInput, runFolderOverInput } from "../src/io/output-path.js";
import { WriteRefused, writeFileAtomic } from "../src/io/write-atomic.js";
import { nnc } from "./helpers/cli.js";

const scratch = mkdtempSync(join(tmpdir(), "nnc-output-input-"));
const at = (name: string) => join(scratch, name);
const spec = `import { head } from "./blocks.nn"
model Tiny {
  input point: [2]
  head(4)
}
train Tiny {
  data: csv("points.csv", label: "side")
  loss: categorical_crossentropy
  optimizer: sgd(0.1)
  batch_size: 4
  epochs: 1
  seed: 1
}
`;

beforeAll(() => {
  writeFileSync(at("tiny.nn"), spec);
  writeFileSync(
    at("blocks.nn"),
    "block head(units)(x) {\n  dense(units, activation: relu)\n  return dense(2, activation: softmax)\n}\n",
  );
  const rows = Array.from({ length: 16 }, (_, i) => `${i % 2 ? 1 : -1},${i / 16},${i % 2 ? "right" : "left"}`);
  writeFileSync(at("points.csv"), `x,y,side\n${rows.join("\n")}\n`);
  writeFileSync(at("rows.csv"), "x,y\n1,0.5\n");
  symlinkSync(at("tiny.nn"), at("link.nn"));
  linkSync(at("tiny.nn"), at("hard.nn"));
  symlinkSync(scratch, at("same-folder"));
});

describe("overwrittenInput", () => {
  it("finds the input by path, symbolic link, hard link and a linked folder, and nothing else", () => {
    const inputs = [at("tiny.nn"), at("points.csv")];
    expect(overwrittenInput(at("tiny.nn"), inputs, "-o")).toMatch(
      /^-o .*tiny\.nn: that is .*tiny\.nn, which this command reads/,
    );
    expect(overwrittenInput(`${scratch}/./x/../tiny.nn`, inputs, "-o")).toBeDefined();
    expect(overwrittenInput(at("link.nn"), inputs, "-o")).toMatch(/link\.nn is a link to it/);
    expect(overwrittenInput(at("hard.nn"), inputs, "-o")).toMatch(/hard\.nn is a link to it/);
    expect(overwrittenInput(join(scratch, "same-folder", "points.csv"), inputs, "-o")).toBeDefined();
    expect(overwrittenInput(at("new.ts"), inputs, "-o")).toBeUndefined();
    expect(overwrittenInput(at("blocks.nn"), inputs, "-o")).toBeUndefined();
    expect(overwrittenInput(join(scratch, "missing", "x.ts"), inputs, "-o")).toBeUndefined();
  });

  it("refuses a file inside a folder read as data (an images() folder), and outputs that are not files", () => {
    mkdirSync(at("photos/cat"), { recursive: true });
    const inputs = [at("tiny.nn"), at("photos")];
    expect(overwrittenInput(at("photos/cat/grid.png"), inputs, "--preview")).toMatch(
      /^--preview .*grid\.png: that is inside .*photos, a folder this command reads as data/,
    );
    expect(overwrittenInput(at("photos-grid.png"), inputs, "--preview")).toBeUndefined();
    expect(overwrittenInput(scratch, inputs, "-o")).toMatch(/that is a folder, not a file/);
    execFileSync("mkfifo", [at("pipe")]);
    expect(overwrittenInput(at("pipe"), inputs, "-o")).toMatch(/that is a pipe, not a file/);
    expect(overwrittenInput("/dev/null", inputs, "-o")).toMatch(/that is a device, not a file/);
    expect(runFolderOverInput(at("photos/cat/run"), ["model.json"], inputs)).toMatch(
      /^--out .*run: that is inside .*photos, a folder this run reads as data/,
    );
    expect(runFolderOverInput(at("runs/Cats"), ["model.json"], inputs)).toBeUndefined();
  });
});

describe("writeFileAtomic", () => {
  it("writes through a symbolic link, keeping it, and never replaces a pipe or a folder by a file", async () => {
    writeFileSync(at("real.txt"), "old");
    symlinkSync(at("real.txt"), at("link.txt"));
    await writeFileAtomic(at("link.txt"), "new");
    expect(lstatSync(at("link.txt")).isSymbolicLink()).toBe(true);
    expect(readFileSync(at("real.txt"), "utf8")).toBe("new");
    execFileSync("mkfifo", [at("pipe2")]);
    await expect(writeFileAtomic(at("pipe2"), "x")).rejects.toThrow(WriteRefused);
    expect(lstatSync(at("pipe2")).isFIFO()).toBe(true);
    mkdirSync(at("folder"));
    await expect(writeFileAtomic(at("folder"), "x")).rejects.toThrow(/it is a folder, not a file/);
  });
});

describe("a command refuses to write over its input", () => {
  const refused = (args: string[], flag: string, unchanged: string[]) => {
    const before = unchanged.map((file) => readFileSync(at(file)));
    const result = nnc(args, { cwd: scratch });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      new RegExp(`^error: ${flag} [^\\n]*, which this command reads; write the output to another file\\n$`),
    );
    unchanged.forEach((file, i) => expect(readFileSync(at(file)), file).toEqual(before[i]));
  };

  it("compile -o the spec, a link to it, a file it imports or its data", () => {
    refused(["compile", "tiny.nn", "-o", "tiny.nn"], "-o", ["tiny.nn"]);
    refused(["compile", "tiny.nn", "-o", "link.nn"], "-o", ["tiny.nn"]);
    refused(["compile", "tiny.nn", "-o", "hard.nn"], "-o", ["tiny.nn"]);
    refused(["compile", "tiny.nn", "-o", "same-folder/blocks.nn"], "-o", ["blocks.nn"]);
    refused(["compile", "tiny.nn", "-o", "points.csv"], "-o", ["points.csv"]);
    expect(nnc(["compile", "tiny.nn", "-o", "tiny.ts"], { cwd: scratch }).status).toBe(0);
  });

  it("schedule --plot a data file", () => {
    refused(["schedule", "tiny.nn", "--plot", "points.csv"], "--plot", ["points.csv"]);
  });

  it("predict -o its input rows or a file of the run; plot -o where history.svg is a link to history.json", () => {
    const trained = nnc(["train", "tiny.nn", "--out", "run"], { cwd: scratch, timeout: 120_000 });
    expect(trained.stderr).toBe("");
    refused(["predict", "tiny.nn", "-m", "run", "-i", "rows.csv", "-o", "rows.csv"], "-o", ["rows.csv"]);
    refused(["predict", "tiny.nn", "-m", "run", "-i", "rows.csv", "-o", "run/weights.bin"], "-o", ["run/weights.bin"]);
    mkdirSync(at("plots"));
    linkSync(at("run/history.json"), at("plots/history.svg"));
    refused(["plot", "run", "-o", "plots"], "-o", ["run/history.json"]);
  }, 120_000);
});

describe("nnc train never writes its run folder over its inputs", () => {
  it("refuses --out --overwrite where one of nnc's files or folders, or a callback's file, is its data", () => {
    const folder = at("train-inputs");
    mkdirSync(join(folder, "checkpoint"), { recursive: true });
    writeFileSync(join(folder, "history.json"), "x,y,side\n1,0,right\n-1,1,left\n");
    writeFileSync(join(folder, "checkpoint", "rows.csv"), "x,y,side\n1,0,right\n-1,1,left\n");
    writeFileSync(join(folder, "log.csv"), "x,y,side\n1,0,right\n-1,1,left\n");
    const cases = [
      { data: "history.json", callbacks: "", what: /would write history\.json there, which is .*history\.json/ },
      {
        data: "checkpoint/rows.csv",
        callbacks: "",
        what: /would write into checkpoint\/ there, which holds .*rows\.csv/,
      },
      {
        data: "log.csv",
        callbacks: 'callbacks: [csv_logger("log.csv")]',
        what: /would write log\.csv there, which is .*log\.csv/,
      },
    ];
    for (const { data, callbacks, what } of cases) {
      const text = spec.replace('"points.csv"', JSON.stringify(data)).replace("seed: 1", `seed: 1\n  ${callbacks}`);
      const file = join(folder, "spec.nn");
      writeFileSync(file, text.replace('"./blocks.nn"', '"../blocks.nn"'));
      const before = readFileSync(join(folder, data));
      const result = nnc(["train", "spec.nn", "--out", ".", "--overwrite"], { cwd: folder });
      expect(result.status, result.stderr).toBe(1);
      expect(result.stderr).toMatch(
        /^error: --out .*: nnc would write .*, an input of this run; choose another run folder\n$/,
      );
      expect(result.stderr).toMatch(what);
      expect(readFileSync(join(folder, data))).toEqual(before);
    }
  });
});
