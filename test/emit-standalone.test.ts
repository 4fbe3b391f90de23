/**
 * The module `nnc compile` emits runs outside this repository: in a folder that has only nnc and tfjs
 * installed (node_modules links to this repository as `nnc` and to its @tensorflow/tfjs; nothing else),
 * `tsx out.ts` resolves `nnc/runtime` through package.json's "exports", trains examples/iris.nn and prints
 * its final figures.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { nnc, repo } from "./helpers/cli.js";

it("trains examples/iris.nn from a folder with only nnc and tfjs installed", () => {
  const folder = mkdtempSync(join(tmpdir(), "nnc-standalone-"));
  mkdirSync(join(folder, "node_modules", "@tensorflow"), { recursive: true });
  symlinkSync(repo, join(folder, "node_modules", "nnc"));
  symlinkSync(join(repo, "node_modules", "@tensorflow", "tfjs"), join(folder, "node_modules", "@tensorflow", "tfjs"));
  // The emitted module is ESM (top-level await, import.meta.url): the folder says so, as `npm pkg set type=module` does.
  writeFileSync(join(folder, "package.json"), JSON.stringify({ private: true, type: "module" }));
  const compiled = nnc(["compile", "examples/iris.nn", "-o", join(folder, "out.ts")]);
  expect(compiled.status, compiled.stderr).toBe(0);
  expect(readFileSync(join(folder, "out.ts"), "utf8")).toMatch(/from "nnc\/runtime"/);

  const tsx = join(repo, "node_modules", ".bin", "tsx");
  const result = spawnSync(tsx, ["out.ts"], { cwd: folder, encoding: "utf8", timeout: 120_000 });
  expect(result.status, result.stderr).toBe(0);
  const last = result.stdout.trimEnd().split("\n").at(-1)!;
  expect(last).toMatch(/^Iris: .*\bloss \d+\.\d{4}/);
  const loss = Number(/(?:^|, )loss (\d+\.\d{4})/.exec(last.replace(/^Iris: /, ""))![1]);
  // 60 epochs of adam(0.01) on iris: far below the ~1.1 of an untrained three-class softmax.
  expect(loss).toBeLessThan(0.5);
  expect(last).toMatch(/\baccuracy \d/);
  // Saved where `nnc train` saves, relative to the working folder.
  for (const file of ["model.json", "weights.bin", "history.json", "labels.json"])
    expect(existsSync(join(folder, "runs", "Iris", file)), file).toBe(true);
});
