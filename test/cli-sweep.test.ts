/**
 * `nnc sweep` as a user runs it (the built bin/nnc.js): tiny iris models, 1 to 3 epochs, trials as processes.
 * A grid ranks its trials as their learning rates make certain, never starts a configuration its check
 * rejects, a median pruner stops a trial that is worse than the finished one, and a seeded random search
 * with two trials at once draws and trains the same trials twice.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nnc } from "./helpers/cli.js";
import { irisSpec, sweepFolder, trials } from "./helpers/sweeps.js";

describe("nnc sweep", () => {
  it("ranks a 4-trial grid as its learning rates make certain, and never starts a rejected configuration", () => {
    const space = `  space: {
    "optimizer.learning_rate": choice([0.000001, 0.05]),
    units: choice([4, 8]),
    side: choice([2, 3])
  }
  sampler: grid
  parallel: 2`;
    const dir = sweepFolder(irisSpec(space));
    const result = nnc(["sweep", "sweep.nn"], { cwd: dir, timeout: 120_000 });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    // The four side=3 configurations are shape errors, listed with their code and never trained.
    expect(result.stdout).toMatch(
      /^rejected 4 of 8 configurations:\n {2}NN3004 at sweep\.nn:5:\d+: .*\(4 configurations: /m,
    );
    const folder = join(dir, "runs", "Iris-sweep");
    expect(
      readdirSync(folder)
        .filter((name) => name.startsWith("trial-"))
        .sort(),
    ).toEqual(["trial-1", "trial-2", "trial-3", "trial-4"]);
    const records = trials(folder);
    expect(records.map((r) => [r.trial, r.state, r.config["side"]])).toEqual(
      [1, 2, 3, 4].map((trial) => [trial, "complete", "2"]),
    );
    // 3 epochs at 1e-6 barely move the weights; at 0.05 the loss falls: both fast trials rank first.
    const ranked = result.stdout.split("\n").filter((line) => /^ +\d+ +\d+ +0\.0/.test(line));
    expect(ranked.map((line) => line.trim().split(/ +/)[2])).toEqual(["0.05", "0.05", "0.000001", "0.000001"]);
    const slow = records.filter((r) => r.config["optimizer.learning_rate"] === "0.000001");
    const fast = records.filter((r) => r.config["optimizer.learning_rate"] === "0.05");
    expect(Math.max(...fast.map((r) => r.objective!))).toBeLessThan(Math.min(...slow.map((r) => r.objective!)));
    for (const r of records) expect(existsSync(join(folder, r.run, "history.json"))).toBe(true);
    expect(result.stdout).toMatch(/^ {2}nnc train sweep\.nn --set seed=0 --set optimizer\.learning_rate=0\.05 /m);
  });

  it("prunes a trial worse than the median of the finished ones, at an epoch of its own swept epochs", () => {
    // The train block says 1 epoch, the space 3 (choice's value is text): thresholds exist for all 3 epochs.
    const space = `  space: { epochs: choice([3]), "optimizer.learning_rate": choice([0.05, 0.000001]) }
  sampler: grid
  pruner: median(warmup: 1, min_trials: 1)`;
    const dir = sweepFolder(irisSpec(space, 1));
    const result = nnc(["sweep", "sweep.nn"], { cwd: dir, timeout: 120_000 });
    expect(result.status).toBe(0);
    const folder = join(dir, "runs", "Iris-sweep");
    const [first, second] = trials(folder);
    expect([first!.state, first!.epochs.length]).toEqual(["complete", 3]);
    expect([second!.state, second!.epochs.length]).toEqual(["pruned", 2]);
    // A pruned trial is a finished run: saved, with the epochs it trained.
    const history = JSON.parse(readFileSync(join(folder, "trial-2", "history.json"), "utf8")) as unknown[];
    expect(history).toHaveLength(2);
    expect(result.stdout).toMatch(/^trial 2 pruned at epoch 2: val_loss /m);
  });

  it("draws and trains the same trials when a seeded random search runs again, two trials at once", () => {
    const space = `  space: { units: int_range(2, 12), "optimizer.learning_rate": log_uniform(0.001, 0.1) }
  sampler: random(trials: 2)
  seed: 7
  parallel: 2`;
    const dir = sweepFolder(irisSpec(space, 2));
    const runs = ["a", "b"].map((out) => {
      const result = nnc(["sweep", "sweep.nn", "--out", out], { cwd: dir, timeout: 120_000 });
      expect(result.status).toBe(0);
      return trials(join(dir, out)).map((r) => ({ config: r.config, state: r.state, epochs: r.epochs }));
    });
    expect(runs[0]).toHaveLength(2);
    expect(runs[1]).toEqual(runs[0]);
  });
  it("stops a tpe sweep whose draws are all rejected with NN4080 and the groups, not a stack trace", () => {
    const space = `  space: { units: int_range(8, 64) }
  sampler: tpe(trials: 2, startup: 1)
  assert params < 10`;
    const dir = sweepFolder(irisSpec(space));
    const result = nnc(["sweep", "sweep.nn"], { cwd: dir, timeout: 120_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^ {2}NN3008 at sweep\.nn:\d+:\d+: params is /m);
    expect(result.stderr).toMatch(/error NN4080: the space is mostly invalid: 100 configurations drawn in a row/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, "runs", "Iris-sweep", "trial-1"))).toBe(false);
  });
  it("refuses a folder that holds a sweep (NN4082) before it checks any configuration", () => {
    const dir = sweepFolder(irisSpec(`  space: { units: choice([4, 8]), side: choice([2, 3]) }`));
    mkdirSync(join(dir, "runs", "Iris-sweep"), { recursive: true });
    const state = { fingerprint: "earlier", overrides: [], parallel: 1, trials: [] };
    writeFileSync(join(dir, "runs", "Iris-sweep", "sweep.json"), JSON.stringify(state));
    const result = nnc(["sweep", "sweep.nn"], { cwd: dir, timeout: 60_000 });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^error\[NN4082\]: .*Iris-sweep holds a sweep already/);
  });
  it("refuses a folder of the user's files (NN4012) with a hint nnc sweep can follow", () => {
    const dir = sweepFolder(irisSpec(`  space: { units: choice([4, 8]) }`));
    const result = nnc(["sweep", "sweep.nn", "--out", "."], { cwd: dir, timeout: 60_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error\[NN4012\]: .*\(choose a new or empty folder with --out\)$/m);
    expect(result.stderr).not.toContain("--overwrite");
  });
  it("says it checks a large grid before checking it", () => {
    const space = `  space: { units: int_range(1, 25), side: int_range(1, 20) }
  assert params < 5`;
    const dir = sweepFolder(irisSpec(space));
    const result = nnc(["sweep", "sweep.nn"], { cwd: dir, timeout: 60_000 });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/^checking the 500 configurations of the grid\.\.\.\n/);
    expect(result.stderr).toMatch(/error NN4080: every configuration of the grid is rejected \(500\)/);
  });
  it("lists the trials a grid would train with --dry-run, after its rejections, and writes nothing", () => {
    const space = `  space: { units: choice([4, 8]), side: choice([2, 3]) }`;
    const dir = sweepFolder(irisSpec(space));
    const result = nnc(["sweep", "sweep.nn", "--dry-run"], { cwd: dir, timeout: 60_000 });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^rejected 2 of 4 configurations:\n {2}NN3004 at sweep\.nn:5:/m);
    expect(result.stdout).toMatch(
      /^Iris-sweep would train 2 trials:\n {2}trial 1 {2}units=4 side=2 {2}\(\d+ params\)\n {2}trial 2 {2}units=8 side=2 /m,
    );
    expect(existsSync(join(dir, "runs"))).toBe(false);
  });
});
