/**
 * The PyTorch target's script trains: examples/iris.nn (copied to a temporary folder) on one process and on three
 * (torchrun on loopback, DistributedDataParallel over gloo) into the validation accuracy band `nnc train` reaches
 * on iris (0.9 to 1), with the ranks' final weights identical (each rank's checksum, which the script records
 * in run.json) and every epoch's figures those of one process (3 divides neither batch_size 16 nor the last
 * batch's 8 rows), and a run killed after some epochs continues from its checkpoint.pt with --resume to the
 * weights of a run never stopped.
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { checkFile } from "../src/compiler/index.js";
import { emitPytorch } from "../src/compiler/emit/pytorch/script.js";
import { repo } from "./helpers/cli.js";
import { hasTorch, python, torchrun } from "./helpers/torch.js";

/** What run.json holds that these tests read. */
interface RunJson {
  readonly world_size: number;
  readonly completed_epochs: number;
  readonly final: Readonly<Record<string, number>>;
  readonly weights_sha256: readonly string[];
  readonly data: { readonly labels: { readonly classes: readonly string[] } };
}

/** The environment of the script's processes: OpenBLAS's settings for old builds slow a current one. */
function environment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: "1", ...extra };
  delete env["OPENBLAS_CORETYPE"];
  delete env["OPENBLAS_L2_SIZE"];
  return env;
}

/** A TCP port nothing listens on now, for torchrun's rendezvous. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe.runIf(hasTorch)("the iris script trains with PyTorch", () => {
  const work = mkdtempSync(join(tmpdir(), "nnc-pytorch-train-"));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const run = (folder: string): RunJson => JSON.parse(readFileSync(join(work, folder, "run.json"), "utf8"));

  beforeAll(() => {
    mkdirSync(join(work, "data"));
    copyFileSync(join(repo, "examples", "data", "iris.csv"), join(work, "data", "iris.csv"));
    copyFileSync(join(repo, "examples", "iris.nn"), join(work, "iris.nn"));
    const script = join(work, "train.py");
    const emitted = emitPytorch(checkFile(join(work, "iris.nn")).program!, { outFile: script });
    if ("diagnostics" in emitted) throw new Error(emitted.diagnostics.map((d) => d.message).join("\n"));
    writeFileSync(script, emitted.code);
  });

  test("on one process, into nnc train's band, printing an epoch a line", () => {
    const result = spawnSync(python, ["train.py", "--run-dir", "runs/one"], {
      cwd: work,
      encoding: "utf8",
      env: environment(),
      timeout: 60_000,
    });
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /^epoch 1\/60 - \d+ms - loss: [\d.]+ - accuracy: [\d.]+ - val_loss: [\d.]+ - val_accuracy: /,
    );
    expect(result.stdout).toContain("saved runs/one/ (checkpoint.pt, history.json, run.json, weights.safetensors)");
    const one = run("runs/one");
    expect(one.final["val_accuracy"]).toBeGreaterThanOrEqual(0.9);
    expect(one.completed_epochs).toBe(60);
    expect(one.data.labels.classes).toEqual(["setosa", "versicolor", "virginica"]);
    const history = JSON.parse(readFileSync(join(work, "runs/one/history.json"), "utf8")) as { epoch: number }[];
    expect(history.map((h) => h.epoch)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  test("on three processes with torchrun: one process's figures, rank 0 alone printing, the ranks' weights identical", async () => {
    const port = await freePort();
    const logs = ["--log_dir", join(work, "torchrun-logs")];
    // torchrun looks at its workers every --monitor_interval seconds (5 by default): it would idle up to 5 s after they end.
    const args = ["--redirects", "1", "--tee", "1", ...logs, "--nproc_per_node=3", "--master_addr=127.0.0.1"];
    args.push("--monitor_interval=0.2");
    const result = spawnSync(torchrun, [...args, `--master_port=${port}`, "train.py", "--run-dir", "runs/three"], {
      cwd: work,
      encoding: "utf8",
      env: environment(),
      timeout: 120_000,
    });
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines.filter((line) => /^\[default0\]:epoch \d+\/60 /.test(line))).toHaveLength(60);
    expect(lines.filter((line) => /^\[default[12]\]:/.test(line))).toEqual([]);
    const three = run("runs/three");
    expect(three.world_size).toBe(3);
    expect(three.final["val_accuracy"]).toBeGreaterThanOrEqual(0.9);
    expect(three.weights_sha256).toHaveLength(3);
    expect(three.weights_sha256[0]).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set(three.weights_sha256).size).toBe(1);
    // batch_size is the global batch, each process takes its share of each: the steps one process takes.
    const history = (folder: string) =>
      JSON.parse(readFileSync(join(work, folder, "history.json"), "utf8")) as Record<string, number>[];
    const one = history("runs/one");
    history("runs/three").forEach((epoch, i) => {
      for (const [figure, value] of Object.entries(epoch))
        expect(Math.abs(value - one[i]![figure]!)).toBeLessThan(1e-4);
    });
  });

  test("a run killed after some epochs continues from its checkpoint with --resume", async () => {
    const child = spawn(python, ["train.py", "--run-dir", "runs/killed", "--epochs", "1000"], {
      cwd: work,
      env: environment(),
    });
    await new Promise<void>((resolve) => {
      let seen = "";
      child.stdout.on("data", (chunk: Buffer) => {
        seen += chunk.toString();
        if (/epoch 5\/1000/.test(seen)) child.kill("SIGKILL");
      });
      child.on("exit", () => resolve());
    });
    expect(existsSync(join(work, "runs/killed/run.json"))).toBe(false);
    const checkpoint = spawnSync(
      python,
      ["-c", "import torch, sys; print(torch.load(sys.argv[1])['state'])", "runs/killed/checkpoint.pt"],
      { cwd: work, encoding: "utf8", env: environment() },
    );
    const state = JSON.parse(checkpoint.stdout) as { pairs: [string, unknown][] };
    const done = Number(state.pairs.find(([key]) => key === "completed_epochs")![1]);
    expect(done).toBeGreaterThanOrEqual(4);
    const epochs = done + 3;
    const resumed = spawnSync(
      python,
      ["train.py", "--run-dir", "runs/killed", "--resume", "--epochs", String(epochs)],
      {
        cwd: work,
        encoding: "utf8",
        env: environment(),
        timeout: 60_000,
      },
    );
    expect(resumed.stderr).toBe("");
    expect(resumed.stdout.split("\n")[0]).toBe(`resuming at epoch ${done + 1}/${epochs}`);
    const history = JSON.parse(readFileSync(join(work, "runs/killed/history.json"), "utf8")) as { epoch: number }[];
    expect(history.map((h) => h.epoch)).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
    expect(run("runs/killed").completed_epochs).toBe(epochs);
    // The weights and the optimizer's state came back: the same weights as a run of as many epochs never stopped.
    const straight = spawnSync(python, ["train.py", "--run-dir", "runs/straight", "--epochs", String(epochs)], {
      cwd: work,
      encoding: "utf8",
      env: environment(),
      timeout: 60_000,
    });
    expect(straight.stderr).toBe("");
    expect(run("runs/killed").weights_sha256[0]).toBe(run("runs/straight").weights_sha256[0]);
  });

  test("a folder that holds a finished run is refused unless --overwrite replaces it", () => {
    const again = spawnSync(python, ["train.py", "--run-dir", "runs/one", "--epochs", "1"], {
      cwd: work,
      encoding: "utf8",
      env: environment(),
    });
    expect(again.status).toBe(1);
    const how = "--resume continues it, --overwrite replaces it, or choose another --run-dir";
    expect(again.stderr).toBe(`error: runs/one holds a run already: ${how}\n`);
    expect(run("runs/one").completed_epochs).toBe(60);
  });

  test("a folder it did not make is refused in one line, and nothing is written into it", () => {
    mkdirSync(join(work, "mine"));
    writeFileSync(join(work, "mine", "notes.txt"), "mine");
    const result = spawnSync(python, ["train.py", "--run-dir", "mine"], {
      cwd: work,
      encoding: "utf8",
      env: environment(),
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("error: mine holds files this script did not write; choose another --run-dir\n");
    expect(existsSync(join(work, "mine", ".nnc-pytorch-run.json"))).toBe(false);
  });
});
