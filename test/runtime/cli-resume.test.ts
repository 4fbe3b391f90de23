/**
 * `nnc train` stopped for real, in child processes: Ctrl-C (SIGINT) stops after the current step, saves a
 * checkpoint and says how to resume; a SIGKILL in the middle of writing the next checkpoint, or a second
 * Ctrl-C then, leaves that checkpoint intact; resumed from it, the run ends with the history of a run never
 * stopped. One story in one test, because every step is a process that loads tfjs. Then 20 SIGKILLs at moments
 * a seeded generator picks (during steps, while a checkpoint is half-written, just after an epoch), each run
 * resumed until it ends: its weights and history equal an uninterrupted run's byte for byte.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../src/runtime/random.js";
import { nnc, repo } from "../helpers/cli.js";
import { twoBlobsCsv } from "../helpers/data-files.js";

const scratch = mkdtempSync(join(tmpdir(), "nnc-cli-resume-"));

interface Running {
  /** Resolves when the output so far matches `pattern`. */
  waitFor(pattern: RegExp): Promise<void>;
  signal(name: NodeJS.Signals): void;
  done: Promise<{ status: number | null; stdout: string; stderr: string }>;
}

function start(args: readonly string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, [join(repo, "bin", "nnc.js"), ...args], {
    cwd: scratch,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...env },
  });
  let stdout = "";
  let stderr = "";
  const waiting: { pattern: RegExp; resolve: () => void }[] = [];
  const check = () => {
    for (const wait of [...waiting]) {
      if (!wait.pattern.test(stdout + stderr)) continue;
      waiting.splice(waiting.indexOf(wait), 1);
      wait.resolve();
    }
  };
  child.stdout.on("data", (chunk: Buffer) => [(stdout += chunk.toString()), check()]);
  child.stderr.on("data", (chunk: Buffer) => [(stderr += chunk.toString()), check()]);
  const done = new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) =>
    child.on("close", (status) => resolve({ status, stdout, stderr })),
  );
  return {
    waitFor: (pattern) =>
      Promise.race([
        new Promise<void>((resolve) => [waiting.push({ pattern, resolve }), check()]),
        done.then((result) => {
          throw new Error(`nnc ended before printing ${pattern}:\n${result.stdout}\n${result.stderr}`);
        }),
      ]),
    signal: (name) => child.kill(name),
    done,
  };
}

type History = Record<string, number>[];
const history = (run: string) => JSON.parse(readFileSync(join(scratch, run, "history.json"), "utf8")) as History;

function expectSameHistory(resumed: History, whole: History): void {
  expect(resumed).toHaveLength(whole.length);
  resumed.forEach((record, i) => {
    expect(Object.keys(record)).toEqual(Object.keys(whole[i]!));
    for (const [key, value] of Object.entries(whole[i]!))
      expect(record[key], `epoch ${i + 1} ${key}`).toBeCloseTo(value, 6);
  });
}

let whole: History;

beforeAll(() => {
  // 600 rows in two blobs: 113 steps per epoch of batch 4, so a signal lands in the middle of an epoch.
  writeFileSync(join(scratch, "points.csv"), twoBlobsCsv(600, 7));
  writeFileSync(
    join(scratch, "tiny.nn"),
    `model Tiny {
  input point: [2]
  dense(8, activation: relu)
  dropout(0.2)
  dense(2, activation: softmax)
}
train Tiny {
  data: csv("points.csv", label: "side")
  loss: categorical_crossentropy
  optimizer: adam(0.01)
  metrics: [accuracy]
  batch_size: 4
  epochs: 4
  validation_split: 0.25
  seed: 5
  lr_schedule: exponential_decay(decay_steps: 100, decay_rate: 0.9)
  callbacks: [early_stopping(monitor: "val_loss", patience: 10)]
}
`,
  );
  const result = nnc(["train", "tiny.nn", "--out", "whole"], { cwd: scratch, timeout: 120_000 });
  expect(result.stderr).toBe("");
  whole = history("whole");
}, 120_000);

describe("nnc train, stopped", () => {
  it("Ctrl-C saves a checkpoint and says how to resume; a kill or a second Ctrl-C mid-write leaves it intact", async () => {
    // 1. Ctrl-C stops after the current step, saves a checkpoint and says how to resume.
    const interrupted = start(["train", "tiny.nn"]);
    await interrupted.waitFor(/^epoch 1\/4 /m);
    interrupted.signal("SIGINT");
    const stopped = await interrupted.done;
    expect(stopped.status).toBe(130);
    expect(stopped.stderr).toMatch(/stopping after this step to save a checkpoint \(Ctrl-C again quits at once\)/);
    expect(stopped.stdout).toMatch(
      /^stopped (in epoch [2-4]\/4 after step \d+|after epoch [1-3]\/4); checkpoint saved in runs\/Tiny\/resume\/$/m,
    );
    expect(stopped.stdout).toMatch(/^resume with: nnc train tiny\.nn --resume runs\/Tiny$/m);
    expect(existsSync(join(scratch, "runs", "Tiny", "history.json"))).toBe(false);
    const root = join(scratch, "runs", "Tiny", "resume");
    const latest = () =>
      (JSON.parse(readFileSync(join(root, "latest.json"), "utf8")) as { checkpoint: string }).checkpoint;
    const good = latest();

    // 2. Killed while writing its next checkpoint (after the weights, before the rest): the last one stays.
    const killed = start(["train", "tiny.nn", "--resume", "runs/Tiny"], { NNC_TEST_KILL_DURING_CHECKPOINT: "1" });
    await killed.waitFor(/^nnc-test: checkpoint 1 half-written$/m);
    killed.signal("SIGKILL");
    expect((await killed.done).status).toBeNull();
    expect(latest()).toBe(good);
    const half = readdirSync(root).filter((entry) => entry !== "latest.json" && entry !== good);
    expect(half).toHaveLength(1);
    expect(readdirSync(join(root, half[0]!))).toEqual(["weights.bin"]);
    expect(readdirSync(join(root, good)).sort()).toEqual([
      "callbacks.bin",
      "optimizer.bin",
      "state.json",
      "weights.bin",
    ]);

    // 3. Ctrl-C while a checkpoint is being written waits for it; a second Ctrl-C quits at once.
    const twice = start(["train", "tiny.nn", "--resume", "runs/Tiny"], { NNC_TEST_KILL_DURING_CHECKPOINT: "1" });
    await twice.waitFor(/^nnc-test: checkpoint 1 half-written$/m);
    twice.signal("SIGINT");
    await twice.waitFor(/stopping after this step/);
    twice.signal("SIGINT");
    const quit = await twice.done;
    expect(quit.status).toBe(130);
    expect(quit.stdout).not.toMatch(/resume with/);
    expect(latest()).toBe(good);

    // 4. Resumed from the checkpoint Ctrl-C saved, the run ends with the history of one never stopped.
    const resumed = nnc(["train", "tiny.nn", "--resume", "runs/Tiny"], { cwd: scratch, timeout: 120_000 });
    expect(resumed.stderr).toBe("");
    expect(resumed.status).toBe(0);
    expect(resumed.stdout).toMatch(/^resuming at epoch [2-4]\/4, step \d+\/113$/m);
    expectSameHistory(history(join("runs", "Tiny")), whole);
    expect(readdirSync(root)).toHaveLength(2);
  }, 240_000);
});

/** A small run for the kills: 6 epochs of 23 steps, so that 20 processes (two at a time) take well under a minute. */
const killSpec = `model Small {
  input point: [2]
  dense(8, activation: relu)
  dropout(0.2)
  dense(2, activation: softmax)
}
train Small {
  data: csv("few.csv", label: "side")
  loss: categorical_crossentropy
  optimizer: adam(0.01)
  metrics: [accuracy]
  batch_size: 4
  epochs: 6
  validation_split: 0.25
  seed: 9
  lr_schedule: exponential_decay(decay_steps: 30, decay_rate: 0.9)
  callbacks: [early_stopping(monitor: "val_loss", patience: 10, restore_best_weights: true)]
}
`;
const epochs = 6;

/** Where a run would resume: the epoch of its latest checkpoint, or null before its first. */
function resumePoint(run: string): number | null {
  const latest = join(scratch, run, "resume", "latest.json");
  if (!existsSync(latest)) return null;
  const name = (JSON.parse(readFileSync(latest, "utf8")) as { checkpoint: string }).checkpoint;
  return (
    JSON.parse(readFileSync(join(scratch, run, "resume", name, "state.json"), "utf8")) as { point: { epoch: number } }
  ).point.epoch;
}

/**
 * Kills runs of killSpec with SIGKILL `kills` times at moments `random` picks among those the next process
 * is sure to reach: while its n-th checkpoint is half-written, just after its epoch k's line, or `delay` ms
 * after it starts (less than the epochs left take, so during setup or steps). Each run is resumed after each
 * kill; one that ends before its kill (a faster machine than the delay assumed) is compared and a new run is
 * begun. Returns each kill's description and each ended run's folder.
 */
async function killRuns(
  name: string,
  kills: number,
  random: () => number,
  epochMs: number,
): Promise<{ done: string[]; log: string[] }> {
  const log: string[] = [];
  const done: string[] = [];
  let run = `${name}-0`;
  const pick = (n: number) => Math.floor(random() * n);
  while (log.length < kills) {
    const at = resumePoint(run);
    const left = epochs - (at ?? 0);
    const kinds = left >= 2 ? ["checkpoint", "epoch", "steps"] : ["checkpoint"];
    const kind = kinds[pick(kinds.length)]!;
    const n = 1 + pick(left);
    const args = at === null ? ["train", "kills.nn", "--out", run] : ["train", "kills.nn", "--resume", run];
    const child = start(args, kind === "checkpoint" ? { NNC_TEST_KILL_DURING_CHECKPOINT: String(n) } : {});
    const seen = (pattern: RegExp) =>
      child.waitFor(pattern).then(
        () => true,
        () => false,
      );
    let what: string;
    if (kind === "checkpoint") {
      what = `while checkpoint ${n} is half-written`;
      if (await seen(new RegExp(`^nnc-test: checkpoint ${n} half-written$`, "m"))) child.signal("SIGKILL");
    } else if (kind === "epoch") {
      const epoch = epochs - left + 1 + pick(left - 1);
      what = `just after epoch ${epoch}`;
      if (await seen(new RegExp(`^epoch ${epoch}/${epochs} `, "m"))) child.signal("SIGKILL");
    } else {
      const delay = Math.floor(random() * epochMs * (left - 1) * 0.9);
      what = `${delay} ms after it started`;
      if (await seen(/^(training|resuming)/m)) {
        await sleep(delay);
        child.signal("SIGKILL");
      }
    }
    const result = await child.done;
    if (result.status === null) {
      log.push(`${run} from epoch ${at ?? 0}: killed ${what}`);
      continue;
    }
    expect(result.stderr, `${run} from epoch ${at ?? 0}, to be killed ${what}`).toBe("");
    expect(result.status).toBe(0);
    done.push(run);
    run = `${name}-${done.length}`;
  }
  const last = nnc(
    resumePoint(run) === null ? ["train", "kills.nn", "--out", run] : ["train", "kills.nn", "--resume", run],
    {
      cwd: scratch,
      timeout: 120_000,
    },
  );
  expect(last.stderr, `${run} resumed after its last kill`).toBe("");
  done.push(run);
  return { done, log };
}

describe("nnc train, killed", () => {
  it("20 SIGKILLs at random moments, each run resumed to its end, give the uninterrupted run's weights and history byte for byte", async () => {
    const rows = Array.from(
      { length: 120 },
      (_, i) => `${(i % 2 ? 1 : -1) + ((i * 37) % 11) / 10 - 0.5},${((i * 53) % 17) / 17},${i % 2 ? "right" : "left"}`,
    );
    writeFileSync(join(scratch, "few.csv"), `x,y,side\n${rows.join("\n")}\n`);
    writeFileSync(join(scratch, "kills.nn"), killSpec);
    const whole = nnc(["train", "kills.nn", "--out", "kills-whole"], { cwd: scratch, timeout: 120_000 });
    expect(whole.stderr).toBe("");
    const epochMs = Math.min(...[...whole.stdout.matchAll(/^epoch \d+\/6 - (\d+)ms/gm)].map((m) => Number(m[1])));
    // Two runs killed at once (one per core), each with its own seeded generator.
    const chains = await Promise.all([
      killRuns("kills-a", 10, seededRandom(20), epochMs),
      killRuns("kills-b", 10, seededRandom(21), epochMs),
    ]);
    const log = chains.flatMap((c) => c.log);
    expect(log).toHaveLength(20);
    for (const moment of ["half-written", "just after epoch", "ms after it started"]) {
      expect(
        log.some((line) => line.includes(moment)),
        `${moment} in:\n${log.join("\n")}`,
      ).toBe(true);
    }
    const bytes = (run: string, file: string) => readFileSync(join(scratch, run, file));
    for (const run of chains.flatMap((c) => c.done)) {
      expect(
        bytes(run, "weights.bin").equals(bytes("kills-whole", "weights.bin")),
        `${run}'s weights after:\n${log.join("\n")}`,
      ).toBe(true);
      expect(bytes(run, "history.json").toString(), run).toBe(bytes("kills-whole", "history.json").toString());
    }
  }, 240_000);
});
