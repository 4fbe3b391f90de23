/**
 * The built `nnc` is two bundles (scripts/build.mjs): dist/cli/nnc.cjs, which every command reads at start,
 * holds the compiler that check, summary, fmt and compile (to TypeScript) run; dist/cli/nnc-lazy.cjs holds what
 * only a dynamic import() reaches (the PyTorch emitter, the training runtime, the language server), loaded on
 * first use with a code cache of its own. These tests check that split by the bundles' contents (never by
 * timing), that a command which needs the lazy bundle runs from the built CLI and shares nnc.cjs's modules, and
 * that a lazy bundle from another build is refused rather than mixed in.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkFile } from "../src/compiler/index.js";
import { nnc, repo } from "./helpers/cli.js";

const dist = join(repo, "dist", "cli");
const eager = readFileSync(join(dist, "nnc.cjs"), "utf8");
const lazy = readFileSync(join(dist, "nnc-lazy.cjs"), "utf8");
const scratch = mkdtempSync(join(tmpdir(), "nnc-bundle-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the bundles (dist/cli)", () => {
  it("nnc.cjs holds the check path and no PyTorch emitter, runtime or language server; nnc-lazy.cjs holds those", () => {
    for (const name of ["function registerCheck(", "function checkFileWithOverrides(", "function emitTypeScript("]) {
      expect([name, eager.includes(name)]).toEqual([name, true]);
    }
    for (const name of [
      "function emitPytorch(",
      "function torchStateDict(",
      "function startServer(",
      "function runTraining(",
    ]) {
      expect([name, eager.includes(name), lazy.includes(name)]).toEqual([name, false, true]);
    }
  });

  it("a module of nnc.cjs is not copied into nnc-lazy.cjs (one checker, one registry)", () => {
    expect(lazy.includes("function checkFileWithOverrides(")).toBe(false);
    expect(lazy.includes('__nncModules["dist/src/compiler/')).toBe(true);
  });

  it("chevrotain's 65,536-entry character table is not built in nnc.cjs, nor its lookahead functions at start", () => {
    // Booleans: a failing match on a 1 MB string would print the string.
    expect(/new Array\(65536\)/.test(eager)).toBe(false);
    expect(/255 ?\+ ?~~\(charCode ?\/ ?255\)/.test(eager)).toBe(true);
    expect(/laFunc ?= ?\{ ?nncBuild:/.test(eager)).toBe(true);
  });

  it("nnc.cjs checks the digest that nnc-lazy.cjs carries", () => {
    const id = /module\.exports\.buildId = "([0-9a-f]{16})";\n$/.exec(lazy)?.[1];
    expect(id).toBeDefined();
    expect(eager.includes(`lazy.buildId !== "${id}"`)).toBe(true);
  });
});

describe("chevrotain in nnc.cjs (lookahead functions and follow sets built on first use)", () => {
  // Tokens the parser must skip to re-synchronise: that reads the follow sets.
  const resync = join(scratch, "resync.nn");
  writeFileSync(
    resync,
    "model M {\n  input x: [4]\n  dense(8) ) ) foo bar\n  dense(3)\n}\nmodel N {\n  input y: [2]\n  @@ ## dense(2)\n}\n",
  );
  it.each([resync, join(repo, "examples", "transformer_text.nn"), join(repo, "examples", "fashion_sweep.nn")])(
    "parses and recovers as chevrotain does from source: the same diagnostics for %s",
    (spec) => {
      const result = nnc(["check", "--format", "json", spec]);
      const built = (JSON.parse(result.stdout) as { diagnostics: { code: string; message: string }[] }).diagnostics;
      const source = checkFile(spec).diagnostics;
      expect(built.map((d) => [d.code, d.message])).toEqual(source.map((d) => [d.code, d.message]));
      if (spec === resync) expect(source.length).toBeGreaterThan(1);
    },
  );
});

describe("a command that needs nnc-lazy.cjs", () => {
  it("runs from the built CLI (compile --target pytorch), and lexes a spec with characters past 255", () => {
    const spec = join(scratch, "unicode.nn");
    writeFileSync(
      spec,
      "// Größe → 3 Klassen, ☃ and 😀 in a comment\nmodel M {\n  input x: [4]\n  dense(8, activation: relu)\n  dense(3)\n  softmax()\n}\n",
    );
    expect(nnc(["check", spec]).stdout).toContain("no problems found");
    const out = join(scratch, "m.py");
    const result = nnc(["compile", spec, "--target", "pytorch", "-o", out]);
    expect([result.status, result.stderr]).toEqual([0, ""]);
    expect(readFileSync(out, "utf8")).toContain("import torch");
  });

  it("from another build is refused in one line, the command exiting 1", () => {
    const copy = join(scratch, "copy");
    cpSync(join(repo, "bin"), join(copy, "bin"), { recursive: true });
    cpSync(dist, join(copy, "dist", "cli"), { recursive: true });
    symlinkSync(join(repo, "node_modules"), join(copy, "node_modules"));
    const file = join(copy, "dist", "cli", "nnc-lazy.cjs");
    writeFileSync(file, lazy.replace(/buildId = "[0-9a-f]{16}"/, 'buildId = "0000000000000000"'));
    const run = (args: string[]) =>
      spawnSync(process.execPath, [join(copy, "bin", "nnc.js"), ...args], { encoding: "utf8", timeout: 60_000 });
    expect(run(["check", join(repo, "examples", "iris.nn")]).status).toBe(0);
    const result = run(["compile", join(repo, "examples", "iris.nn"), "--target", "pytorch", "-o", join(copy, "m.py")]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^nnc: .*nnc-lazy\.cjs is not the one built with nnc\.cjs .*\n$/);
  });

  it("gets a code cache of its own, written once and then taken", () => {
    const copy = join(scratch, "cache");
    cpSync(join(repo, "bin"), join(copy, "bin"), { recursive: true });
    cpSync(dist, join(copy, "dist", "cli"), { recursive: true });
    symlinkSync(join(repo, "node_modules"), join(copy, "node_modules"));
    const dir = join(copy, "dist", "cli");
    for (const name of readdirSync(dir).filter((name) => name.endsWith(".cache"))) rmSync(join(dir, name));
    const args = ["compile", join(repo, "examples", "iris.nn"), "--target", "pytorch", "-o", join(copy, "m.py")];
    const run = () => spawnSync(process.execPath, [join(copy, "bin", "nnc.js"), ...args], { encoding: "utf8" });
    expect(run().status).toBe(0);
    const cache = join(dir, `nnc-lazy.cjs.${statSync(join(dir, "nnc-lazy.cjs")).ino}.cache`);
    const before = statSync(cache).mtimeMs;
    expect(run().status).toBe(0);
    expect(statSync(cache).mtimeMs).toBe(before);
  });
});
