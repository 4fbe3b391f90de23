/**
 * A sweep killed with SIGKILL while its second trial trains resumes with `--resume`: the trial that had
 * finished is not trained again (its folder is untouched), the one that was running continues from the
 * checkpoint its process saved when the sweep went away, and trials.jsonl ends with each trial once.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { nnc, repo } from "./helpers/cli.js";
import { irisSpec, sweepFolder, trials } from "./helpers/sweeps.js";

/** Every file below `dir` with its size and modification time. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    const stat = statSync(join(dir, entry));
    if (stat.isFile()) files[entry] = `${stat.size} ${stat.mtimeMs}`;
  }
  return files;
}

/** Waits until `condition` holds; fails when the process `exited` first. */
async function until(condition: () => boolean, exited: () => boolean): Promise<void> {
  while (!condition()) {
    if (exited()) throw new Error("the sweep ended before it could be killed");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

it("resumes a sweep killed mid-trial without repeating finished trials", async () => {
  // Trial 2 trains 40 epochs: long enough to be killed after its first checkpoint and before its end.
  const space = `  space: { epochs: choice([1, 40, 2]) }
  sampler: grid`;
  const dir = sweepFolder(irisSpec(space));
  const folder = join(dir, "runs", "Iris-sweep");
  const sweep = spawn(process.execPath, [join(repo, "bin", "nnc.js"), "sweep", "sweep.nn"], {
    cwd: dir,
    stdio: "ignore",
    env: { ...process.env, NO_COLOR: "1" },
  });
  let exited = false;
  const ended = new Promise((resolve) => sweep.on("exit", resolve)).then(() => (exited = true));
  await until(
    () => existsSync(join(folder, "trial-2", "resume", "latest.json")),
    () => exited,
  );
  const first = snapshot(join(folder, "trial-1"));
  sweep.kill("SIGKILL");
  await ended;
  expect(trials(folder).map((r) => r.trial)).toEqual([1]);

  const result = nnc(["sweep", "sweep.nn", "--resume"], { cwd: dir, timeout: 120_000 });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(/^trial 2 resumed: epochs=40$/m);
  const records = trials(folder);
  expect(records.map((r) => [r.trial, r.state, r.epochs.length])).toEqual([
    [1, "complete", 1],
    [2, "complete", 40],
    [3, "complete", 2],
  ]);
  expect(readFileSync(join(folder, "trials.jsonl"), "utf8").trim().split("\n")).toHaveLength(3);
  expect(snapshot(join(folder, "trial-1"))).toEqual(first);
  // Trial 2 went on from its checkpoint, as its log says, rather than from its first epoch.
  expect(readFileSync(join(folder, "trial-2", "train.log"), "utf8")).toMatch(/^resuming at epoch \d+\/40/m);
});
