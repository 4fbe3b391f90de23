/**
 * The PyTorch target end to end: a spec compiled with `nnc compile --target pytorch`, trained by the script with
 * Debian's PyTorch, brought back with `nnc import-weights`, evaluated by `nnc evaluate` (the figures PyTorch
 * printed for the validation data), and sent back with `nnc export-weights` for the script's `--init`.
 */
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { readSafetensors } from "../src/io/safetensors.js";
import { nnc, repo } from "./helpers/cli.js";
import { hasTorch, python, torchrun } from "./helpers/torch.js";

/** Runs `command args` (python3 by default) in `cwd`, expects success, returns its output. */
function runPython(args: readonly string[], cwd: string, command = python): string {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 120_000 });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
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

/** Runs `nnc args` in `cwd`, expects success without anything on stderr, returns its output. */
function succeeds(args: readonly string[], cwd: string): string {
  const result = nnc(args, { cwd });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return result.stdout;
}

/** The last `name: 0.1234` figures of an output line, by name. */
function printed(line: string): Record<string, string> {
  return Object.fromEntries([...line.matchAll(/([a-z_]+): (\d+\.\d{4})/g)].map((m) => [m[1]!, m[2]!]));
}

describe.runIf(hasTorch)("iris through PyTorch and back", () => {
  // examples/iris.nn with its rows split into files (every fifth row held out): PyTorch's validation rows are
  // then the ones nnc evaluate reads by default, whatever generator each side shuffles with.
  const dir = mkdtempSync(join(tmpdir(), "nnc-pytorch-roundtrip-"));
  const [header, ...rows] = readFileSync(join(repo, "examples", "data", "iris.csv"), "utf8")
    .trim()
    .split("\n");
  writeFileSync(join(dir, "train.csv"), [header, ...rows.filter((_, i) => i % 5 !== 0)].join("\n") + "\n");
  writeFileSync(join(dir, "val.csv"), [header, ...rows.filter((_, i) => i % 5 === 0)].join("\n") + "\n");
  const spec = readFileSync(join(repo, "examples", "iris.nn"), "utf8")
    .replace('csv("data/iris.csv", label: "species")', 'csv("train.csv", label: "species")')
    .replace(/ {2}validation_split: .*\n/, '  validation: csv("val.csv", label: "species")\n');
  expect(spec).toContain('validation: csv("val.csv"');
  writeFileSync(join(dir, "iris.nn"), spec);
  beforeAll(() => void succeeds(["compile", "iris.nn", "--target", "pytorch", "-o", "train.py"], dir));

  /** nnc import-weights of the PyTorch run `folder` into `out`, and what nnc evaluate prints for it (4 digits). */
  function evaluateImported(folder: string, out: string): Record<string, string> {
    succeeds(["import-weights", folder, "--out", out], dir);
    return printed(succeeds(["evaluate", "iris.nn", "--model", out], dir).trim().split("\n").at(-1)!);
  }

  it("nnc evaluate gives the figures PyTorch printed; export-weights gives back PyTorch's weights for --init", async () => {
    const trained = runPython(["train.py", "--epochs", "5"], dir);
    const last = trained.split("\n").find((line) => line.startsWith("epoch 5/5"))!;
    const run = JSON.parse(readFileSync(join(dir, "runs", "Iris-pytorch", "run.json"), "utf8")) as {
      final: Record<string, number>;
    };

    const imported = succeeds(["import-weights", "runs/Iris-pytorch"], dir);
    expect(imported).toContain("imported Iris from runs/Iris-pytorch/ (PyTorch ");
    expect(imported).toContain("saved runs/Iris/ (history.json,");
    const evaluated = succeeds(["evaluate", "iris.nn", "--model", "runs/Iris"], dir);
    expect(evaluated).toContain("evaluated Iris on val.csv (30 rows, the validation data)");
    const figures = printed(evaluated.trim().split("\n").at(-1)!);
    expect(figures).toEqual({ loss: printed(last)["val_loss"], accuracy: printed(last)["val_accuracy"] });
    const exact = JSON.parse(succeeds(["evaluate", "iris.nn", "--model", "runs/Iris", "--format", "json"], dir));
    expect(Math.abs(exact.loss - run.final["val_loss"]!)).toBeLessThan(1e-5);
    expect(exact.accuracy).toBeCloseTo(run.final["val_accuracy"]!, 6);

    succeeds(["export-weights", "runs/Iris", "--spec", "iris.nn", "-o", "back.safetensors"], dir);
    const [original, back] = await Promise.all(
      [join(dir, "runs", "Iris-pytorch", "weights.safetensors"), join(dir, "back.safetensors")].map(readSafetensors),
    );
    expect(back!.tensors).toEqual(original!.tensors);

    // The script's own --init loader takes them as they are...
    const check = [
      "import importlib.util, json, torch",
      "spec = importlib.util.spec_from_file_location('train', 'train.py')",
      "script = importlib.util.module_from_spec(spec)",
      "spec.loader.exec_module(script)",
      "module = script.Model()",
      "script.load_weights(module, 'back.safetensors')",
      "saved = script.load_safetensors('runs/Iris-pytorch/weights.safetensors')",
      "print(json.dumps(all(torch.equal(module.state_dict()[k], v) for k, v in saved.items())))",
    ].join("\n");
    expect(runPython(["-c", check], dir).trim()).toBe("true");
    // ...and a run started from them goes on from where PyTorch's ended, not from fresh weights.
    const fresh = printed(trained.split("\n").find((line) => line.startsWith("epoch 1/5"))!);
    const resumed = runPython(
      ["train.py", "--epochs", "1", "--init", "back.safetensors", "--run-dir", "runs/init"],
      dir,
    );
    const first = printed(resumed.split("\n").find((line) => line.startsWith("epoch 1/1"))!);
    expect(Number(first["val_loss"])).toBeLessThan(Number(fresh["val_loss"]));
    expect(Math.abs(Number(first["val_loss"]) - run.final["val_loss"]!)).toBeLessThan(0.1);
  });

  it("a 2-process torchrun's weights come back as well: nnc evaluate prints its validation figures", async () => {
    const port = await freePort();
    const args = ["--redirects", "1", "--tee", "1", "--nproc_per_node=2", "--master_addr=127.0.0.1"];
    // torchrun looks at its workers every --monitor_interval seconds (5 by default): it would idle up to 5 s after they end.
    args.push("--monitor_interval=0.2");
    const launch = [...args, `--master_port=${port}`, "train.py", "--epochs", "5", "--run-dir", "runs/two"];
    const trained = runPython(launch, dir, torchrun);
    const last = trained.split("\n").find((line) => line.startsWith("[default0]:epoch 5/5"))!;
    expect(evaluateImported("runs/two", "runs/two-nnc")).toEqual({
      loss: printed(last)["val_loss"],
      accuracy: printed(last)["val_accuracy"],
    });
  });
});
