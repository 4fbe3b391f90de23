/**
 * The epochs `nnc train` counts when it stops and resumes: with `fine_tune`, the whole run's (main and
 * fine-tuning) in the Ctrl-C messages as in progress; on `--resume`, the `--epochs` the run was started with.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repo } from "../helpers/cli.js";
import { twoBlobsCsv } from "../helpers/data-files.js";

const scratch = mkdtempSync(join(tmpdir(), "nnc-epochs-plan-"));

/** Runs the built nnc in `scratch`, sends Ctrl-C once its output matches `when`, and resolves with its output. */
function interruptWhen(args: readonly string[], when: RegExp): Promise<{ status: number | null; stdout: string }> {
  const child = spawn(process.execPath, [join(repo, "bin", "nnc.js"), ...args], {
    cwd: scratch,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  let output = "";
  let stdout = "";
  let sent = false;
  const seen = (chunk: Buffer, out: boolean) => {
    output += chunk.toString();
    if (out) stdout += chunk.toString();
    if (!sent && when.test(output)) {
      sent = true;
      child.kill("SIGINT");
    }
  };
  child.stdout.on("data", (chunk: Buffer) => seen(chunk, true));
  child.stderr.on("data", (chunk: Buffer) => seen(chunk, false));
  return new Promise((resolve) => child.on("close", (status) => resolve({ status, stdout })));
}

const spec = (epochs: number, extra = "") => `model Tiny {
  input point: [2]
  dense(8, activation: relu)
  dense(2, activation: softmax)
}
train Tiny {
  data: csv("points.csv", label: "side")
  loss: categorical_crossentropy
  optimizer: adam(0.01)
  batch_size: 2
  epochs: ${epochs}
  seed: 3
${extra}}
`;

beforeAll(() => {
  writeFileSync(join(scratch, "points.csv"), twoBlobsCsv(400, 2));
  writeFileSync(join(scratch, "tuned.nn"), spec(500, "  fine_tune: fine_tune(epochs: 30, learning_rate: 0.001)\n"));
  writeFileSync(join(scratch, "plain.nn"), spec(15));
});

describe("nnc train's epochs when stopped and resumed", () => {
  it("counts fine-tuning's epochs in the Ctrl-C message, as progress does", async () => {
    const run = await interruptWhen(["train", "tuned.nn", "--out", "tuned"], /^epoch 1\/530 /m);
    expect(run.status).toBe(130);
    expect(run.stdout).toMatch(/^stopped (in epoch \d+\/530 after step \d+|after epoch \d+\/530); checkpoint saved/m);
  }, 120_000);

  it("resumes with the --epochs the run was started with, unless given again", async () => {
    const first = await interruptWhen(["train", "plain.nn", "--out", "dbl", "-e", "2000"], /^epoch 1\/2000 /m);
    expect(first.status).toBe(130);
    const resumed = await interruptWhen(["train", "plain.nn", "--resume", "dbl"], /^epoch \d+\/2000 /m);
    expect(resumed.stdout).toMatch(/^resuming at epoch \d+\/2000, step \d+\/200$/m);
    expect(resumed.stdout).toMatch(/^stopped .*\/2000.*; checkpoint saved/m);
    const changed = await interruptWhen(["train", "plain.nn", "--resume", "dbl", "-e", "3000"], /^epoch \d+\/3000 /m);
    expect(changed.stdout).toMatch(/^resuming at epoch \d+\/3000, step/m);
  }, 120_000);
});
