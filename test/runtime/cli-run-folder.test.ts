/**
 * `nnc train --out` as users ran it when it lost their files (the built bin/nnc.js): `--out .` over a
 * project, `--out runs` over the other runs, `--out my_dir` over the user's files, a file as `--out`, a
 * folder in use, and the default folder twice in a row. Each refusal is one line before any training.
 */
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { nnc, repo } from "../helpers/cli.js";

const scratch = mkdtempSync(join(tmpdir(), "nnc-cli-run-folder-"));
const spec = `model Tiny {
  input point: [2]
  dense(2, activation: softmax)
}
train Tiny {
  data: csv("blobs.csv", label: "side")
  loss: categorical_crossentropy
  optimizer: adam(0.1)
  metrics: [accuracy]
  batch_size: 8
  epochs: 1
  seed: 1
}
`;

/** Everything below `dir`, as sorted relative paths. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
}

beforeAll(() => {
  cpSync(join(repo, "test", "fixtures", "data", "blobs.csv"), join(scratch, "blobs.csv"));
  writeFileSync(join(scratch, "tiny.nn"), spec);
});

describe("nnc train --out", () => {
  it("refuses the project folder, another run's parent and a folder of the user's, in one line, touching nothing", () => {
    mkdirSync(join(scratch, "runs", "Other"), { recursive: true });
    writeFileSync(join(scratch, "runs", "Other", "model.json"), "{}");
    mkdirSync(join(scratch, "my_dir"));
    writeFileSync(join(scratch, "my_dir", "thesis.tex"), "years of work");
    const before = tree(scratch);
    for (const [out, shown, entries] of [
      [".", scratch, "blobs.csv, my_dir, runs, and 1 more"],
      ["runs", "runs", "Other"],
      ["my_dir", "my_dir", "thesis.tex"],
    ]) {
      const result = nnc(["train", "tiny.nn", "--out", out!], { cwd: scratch });
      expect(result.status, out).toBe(1);
      expect(result.stdout, out).toMatch(/^training Tiny on blobs\.csv \(backend: \w+\)\n$/); // and no epoch
      expect(result.stderr, out).toBe(
        `error[NN4012]: ${shown} is not a run folder of nnc and holds files nnc did not write (${entries})` +
          " (choose a new or empty folder, or pass --overwrite to write nnc's files there; it deletes nothing else)\n",
      );
    }
    expect(tree(scratch)).toEqual(before);
  });

  it("--overwrite adopts a folder: the model is saved beside the user's files, which stay", () => {
    const result = nnc(["train", "tiny.nn", "--out", "my_dir", "--overwrite"], { cwd: scratch });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /^saved my_dir\/ \(history\.json, history\.png, history\.svg, labels\.json, model\.json, preprocessing\.json, resume, weights\.bin\)$/m,
    );
    expect(readFileSync(join(scratch, "my_dir", "thesis.tex"), "utf8")).toBe("years of work");
  });

  it("trains into the default folder twice in a row: the second run gets a folder of its own", () => {
    for (let i = 0; i < 2; i++) {
      const result = nnc(["train", "tiny.nn"], { cwd: scratch });
      expect(result.stderr).toBe("");
      expect(result.status).toBe(0);
    }
    expect(readdirSync(join(scratch, "runs")).sort()).toEqual(["Other", "Tiny", "Tiny-2"]);
    expect(readFileSync(join(scratch, "runs", "Other", "model.json"), "utf8")).toBe("{}");
    expect(readdirSync(join(scratch, "runs", "Tiny"))).not.toContain(".nnc-run.lock");
  });

  it("a file as --out is one line naming it, before training starts", () => {
    writeFileSync(join(scratch, "notes.txt"), "text");
    const result = nnc(["train", "tiny.nn", "--out", "notes.txt"], { cwd: scratch });
    expect(result.status).toBe(1);
    expect(result.stdout).not.toMatch(/^epoch/m);
    expect(result.stderr).toBe("error[NN4013]: notes.txt: is a file, not a folder; choose another folder with --out\n");
    expect(readFileSync(join(scratch, "notes.txt"), "utf8")).toBe("text");
  });

  it("two nnc train into one folder: the second is refused naming the first's PID; Ctrl-C releases the lock", async () => {
    const first = spawn(
      process.execPath,
      [join(repo, "bin", "nnc.js"), "train", "tiny.nn", "--out", "shared", "--epochs", "100000"],
      {
        cwd: scratch,
        env: { ...process.env, NO_COLOR: "1" },
      },
    );
    let stdout = "";
    const closed = new Promise<number | null>((resolve) => first.on("close", resolve));
    await new Promise<void>((resolve, reject) => {
      first.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (/^epoch 2\//m.test(stdout)) resolve();
      });
      void closed.then(() => reject(new Error(`the first run ended: ${stdout}`)));
    });
    const second = nnc(["train", "tiny.nn", "--out", "shared"], { cwd: scratch });
    first.kill("SIGINT");
    expect(second.status).toBe(1);
    expect(second.stderr).toBe(
      `error[NN4014]: shared is in use by another nnc train (PID ${first.pid}) (wait for it to end; if no nnc is training there, delete shared/.nnc-run.lock)\n`,
    );
    expect(await closed).toBe(130);
    expect(readdirSync(join(scratch, "shared")).sort()).toEqual([".nnc-run.json", "resume"]);
  });

  it("a lock left by a killed nnc is taken over; --resume needs a folder nnc wrote", () => {
    const killed = spawnSync(process.execPath, ["-e", "process.kill(process.pid, 'SIGKILL')"]);
    const lock = join(scratch, "runs", "Tiny", ".nnc-run.lock");
    writeFileSync(lock, JSON.stringify({ pid: killed.pid, host: hostname(), token: "t" }));
    const after = nnc(["train", "tiny.nn", "--out", "runs/Tiny", "--overwrite"], { cwd: scratch });
    expect(after.stderr).toBe("");
    expect(after.status).toBe(0);
    expect(existsSync(lock)).toBe(false);
    const resumed = nnc(["train", "tiny.nn", "--resume", "runs/Other"], { cwd: scratch });
    expect(resumed.status).toBe(1);
    expect(resumed.stderr).toBe(
      "error[NN4010]: runs/Other: no checkpoint to resume from (it is not a run folder of nnc: it has no .nnc-run.json; one an older nnc wrote resumes with --overwrite)\n",
    );
  });
});
