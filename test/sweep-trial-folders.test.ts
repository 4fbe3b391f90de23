/**
 * A resumed sweep trains only into the folders nnc made: a trial folder that a user replaced (by a link to
 * their own folder) fails that trial with the reason and is not written, and a trials.jsonl replaced by a link
 * to a user's file is refused before anything runs, the file untouched.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { nnc, repo } from "./helpers/cli.js";
import { irisSpec, sweepFolder, trials } from "./helpers/sweeps.js";

it("does not write into a trial folder or trials.jsonl that a user replaced with a link", async () => {
  const dir = sweepFolder(irisSpec(`  space: { epochs: choice([1, 200]) }\n  sampler: grid`));
  const folder = join(dir, "runs", "Iris-sweep");
  const sweep = spawn(process.execPath, [join(repo, "bin", "nnc.js"), "sweep", "sweep.nn"], {
    cwd: dir,
    stdio: "ignore",
  });
  const ended = new Promise((resolve) => sweep.on("exit", resolve));
  for (let waited = 0; !existsSync(join(folder, "trial-2", "resume", "latest.json")); waited += 20) {
    if (waited > 110_000) throw new Error("trial 2 saved no checkpoint");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  sweep.kill("SIGKILL");
  await ended;

  const user = join(dir, "mine");
  mkdirSync(user);
  writeFileSync(join(user, "notes.txt"), "keep\n");
  // A copy of the sweep's own records: read through the link, the resume would append trial 2's to it.
  const records = readFileSync(join(folder, "trials.jsonl"), "utf8");
  writeFileSync(join(user, "trials.txt"), records);
  renameSync(join(folder, "trials.jsonl"), join(dir, "trials.saved"));
  symlinkSync(join(user, "trials.txt"), join(folder, "trials.jsonl"));
  const refused = nnc(["sweep", "sweep.nn", "--resume"], { cwd: dir, timeout: 60_000 });
  expect(refused.status).toBe(1);
  expect(refused.stderr).toMatch(/NN4010.*trials\.jsonl: it is not a file nnc wrote/);
  expect(readFileSync(join(user, "trials.txt"), "utf8")).toBe(records);

  renameSync(join(dir, "trials.saved"), join(folder, "trials.jsonl"));
  renameSync(join(folder, "trial-2"), join(dir, "trial-2.saved"));
  symlinkSync(user, join(folder, "trial-2"));
  const resumed = nnc(["sweep", "sweep.nn", "--resume"], { cwd: dir, timeout: 60_000 });
  expect(resumed.stdout).toMatch(/trial 2 failed: trial-2 is a symbolic link, not the folder nnc made/);
  expect(trials(folder).map((r) => [r.trial, r.state])).toEqual([
    [1, "complete"],
    [2, "failed"],
  ]);
  expect(readFileSync(join(user, "notes.txt"), "utf8")).toBe("keep\n");
  expect(existsSync(join(user, "model.json"))).toBe(false);
});
