/**
 * `nnc train` as users run it (the built bin/nnc.js): a saved run on success, and a one-line error with
 * exit code 1, never a stack trace, on bad data.
 */
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nnc, repo } from "../helpers/cli.js";

const scratch = mkdtempSync(join(tmpdir(), "nnc-train-"));
const spec = (data: string, epochs = 2) => `model Tiny {
  input point: [2]
  dense(2, activation: softmax)
}
train Tiny {
  data: csv("${data}", label: "side")
  loss: categorical_crossentropy
  optimizer: adam(0.1)
  metrics: [accuracy]
  batch_size: 8
  epochs: ${epochs}
  seed: 1
}
`;

describe("nnc train", () => {
  it("trains, prints the backend and one line per epoch, and saves the run", () => {
    cpSync(join(repo, "test", "fixtures", "data", "blobs.csv"), join(scratch, "blobs.csv"));
    writeFileSync(join(scratch, "tiny.nn"), spec("blobs.csv"));
    const result = nnc(["train", "tiny.nn", "--epochs", "3"], { cwd: scratch });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/\(backend: wasm\)/);
    expect(result.stdout).not.toMatch(/Hi, looks like/);
    expect(result.stdout.match(/^epoch \d\/3 /gm)).toHaveLength(3);
    for (const file of ["model.json", "weights.bin", "history.json", "labels.json", "history.svg", "history.png"]) {
      expect(existsSync(join(scratch, "runs", "Tiny", file))).toBe(true);
    }
    // The summary table: a header, one row per epoch, the best epoch starred.
    expect(result.stdout).toMatch(/^epoch {4}loss {2}accuracy {3}lr$/m);
    expect(result.stdout.match(/^ +\d\*? +\d\.\d{4} +\d\.\d{4} +0\.1$/gm)).toHaveLength(3);
    expect(result.stdout).toMatch(/^\* best loss$/m);
    const history = JSON.parse(readFileSync(join(scratch, "runs", "Tiny", "history.json"), "utf8")) as { lr: number }[];
    expect(history.map((r) => r.lr)).toEqual([0.1, 0.1, 0.1]);
  });

  it("nnc plot draws a run again, and says so in one line when there is no run", () => {
    const svg = join(scratch, "runs", "Tiny", "history.svg");
    rmSync(svg);
    const result = nnc(["plot", "runs/Tiny"], { cwd: scratch });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("wrote runs/Tiny/history.svg, runs/Tiny/history.png\n");
    const text = readFileSync(svg, "utf8");
    expect(text).toMatch(/^<svg /);
    expect(text).toContain("Tiny: loss");
    expect(text).toContain("Tiny: accuracy");
    const missing = nnc(["plot", "runs/None"], { cwd: scratch });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe("error[NN4010]: runs/None: no such folder (is this a run that nnc train saved?)\n");
  });

  it("reports malformed data in one line and exits 1", () => {
    writeFileSync(join(scratch, "bad.csv"), "x,y,side\n1,2,left\n3,oops,right\n");
    writeFileSync(join(scratch, "bad.nn"), spec("bad.csv"));
    const result = nnc(["train", "bad.nn", "--out", "bad-run"], { cwd: scratch });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("error[NN4006]: bad.csv:3: column 'y': 'oops' is not a number\n");
    expect(existsSync(join(scratch, "bad-run"))).toBe(false);
  });

  it("leaves no empty run folder, nor a runs/ it made, after a data error; a runs/ the user made stays", () => {
    const dir = mkdtempSync(join(tmpdir(), "nnc-train-missing-"));
    try {
      writeFileSync(join(dir, "tiny.nn"), spec("missing.csv"));
      const first = nnc(["train", "tiny.nn"], { cwd: dir });
      expect(first.status).toBe(1);
      expect(first.stderr).toBe("error[NN4005]: missing.csv: no such file\n");
      expect(existsSync(join(dir, "runs"))).toBe(false);
      mkdirSync(join(dir, "runs"));
      writeFileSync(join(dir, "runs", "notes.txt"), "mine");
      expect(nnc(["train", "tiny.nn"], { cwd: dir }).status).toBe(1);
      expect(readdirSync(join(dir, "runs"))).toEqual(["notes.txt"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("says in one line that runs/ cannot be made when it is a link to a missing folder", () => {
    const dir = mkdtempSync(join(tmpdir(), "nnc-train-link-"));
    try {
      cpSync(join(repo, "test", "fixtures", "data", "blobs.csv"), join(dir, "blobs.csv"));
      writeFileSync(join(dir, "tiny.nn"), spec("blobs.csv"));
      symlinkSync(join(dir, "nowhere"), join(dir, "runs"));
      const run = nnc(["train", "tiny.nn"], { cwd: dir });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/^error\[NN4013\]: runs\/Tiny: cannot create it \(ENOENT[^\n]*\)\n$/);
      expect(lstatSync(join(dir, "runs")).isSymbolicLink()).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
