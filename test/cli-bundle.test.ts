/**
 * The built `nnc` is two bundles (scripts/build.mjs): dist/cli/nnc.cjs, which every command reads at start,
 * holds the compiler that check, summary, fmt and compile (to TypeScript) run; dist/cli/nnc-lazy.cjs holds what
 * only a dynamic import() reaches (the PyTorch emitter, the training runtime, the language server), loaded on
 * first use with a code cache of its own. These tests check that split by the bundles' contents (never by
 * timing), that a command which needs the lazy bundle runs from the built CLI and shares nnc.cjs's modules, and
 * that a lazy bundle from another build is refused rather than mixed in.
 */
import { spawnSync } from "node:child_process";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkFile } from "../src/compiler/index.js";
import { nnc, repo } from "./helpers/cli.js";
import { cacheFile } from "./helpers/code-cache.js";

const dist = join(repo, "dist", "cli");
const eager = readFileSync(join(dist, "nnc.cjs"), "utf8");
const lazy = readFileSync(join(dist, "nnc-lazy.cjs"), "utf8");
/**
 * The files of src/ and grammar/ whose code a bundle holds, by its source map (the bundles' local names are
 * minified, so their text does not say): a module that one bundle takes from the other is not one of them.
 */
const sourcesOf = (bundle: string) =>
  (JSON.parse(readFileSync(join(dist, `${bundle}.map`), "utf8")) as { sources: string[] }).sources
    .filter((source) => !source.includes(":"))
    .map((source) => source.replace(/^(\.\.\/)+/, ""));
const eagerSources = sourcesOf("nnc.cjs");
const lazySources = sourcesOf("nnc-lazy.cjs");
const scratch = mkdtempSync(join(tmpdir(), "nnc-bundle-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("the bundles (dist/cli)", () => {
  it("nnc.cjs holds the check path and no PyTorch emitter, runtime or language server; nnc-lazy.cjs holds those", () => {
    // registerCheck, checkFileWithOverrides, emitTypeScript; emitPytorch, torchStateDict, startServer, runTraining.
    for (const file of [
      "src/cli/check.ts",
      "src/compiler/overrides/check-with-overrides.ts",
      "src/compiler/emit/index.ts",
    ]) {
      expect([file, eagerSources.includes(file)]).toEqual([file, true]);
    }
    for (const file of [
      "src/compiler/emit/pytorch/script.ts",
      "src/compiler/emit/pytorch/module.ts",
      "src/lsp/server.ts",
      "src/runtime/run-training.ts",
    ]) {
      expect([file, eagerSources.includes(file), lazySources.includes(file)]).toEqual([file, false, true]);
    }
  });

  it("a module of nnc.cjs is not copied into nnc-lazy.cjs (one checker, one registry)", () => {
    expect(eagerSources.filter((file) => lazySources.includes(file))).toEqual([]);
    expect(lazy.includes('__nncModules["dist/src/compiler/')).toBe(true);
  });

  it("chevrotain's 65,536-entry character table is not built in nnc.cjs, nor its lookahead functions at start", () => {
    // Booleans: a failing match on a 1 MB string would print the string.
    expect(/new Array\(65536\)/.test(eager)).toBe(false);
    expect(/255 ?\+ ?~~\([\w$]+ ?\/ ?255\)/.test(eager)).toBe(true);
    expect(/[\w$]+ ?= ?\{ ?nncBuild:/.test(eager)).toBe(true);
  });

  it("each is the function that Node's CommonJS loader would wrap its code in (bin/nnc.js compiles it as read)", () => {
    const head = "(function (exports, require, module, __filename, __dirname) {\n";
    for (const text of [eager, lazy]) {
      expect(text.startsWith(head)).toBe(true);
      expect(/\n\}\);\n\n?(\/\/# sourceMappingURL=.*\n)?$/.test(text)).toBe(true);
    }
  });

  it("nnc.cjs checks the digest that nnc-lazy.cjs carries", () => {
    const id = /module\.exports\.buildId = "([0-9a-f]{16})";\n\}\);\n$/.exec(lazy)?.[1];
    expect(id).toBeDefined();
    expect(eager.includes(`lazy.buildId !== "${id}"`)).toBe(true);
  });
});

describe("chevrotain in nnc.cjs (grammar recorded by the build, lookahead functions and follow sets built on first use)", () => {
  it("takes the grammar's productions that the build recorded", () => {
    expect(/\.nncRecordedGrammar ?= ?function/.test(eager)).toBe(true);
  });

  // Tokens the parser must skip to re-synchronise: that reads the follow sets.
  const resync = join(scratch, "resync.nn");
  writeFileSync(
    resync,
    "model M {\n  input x: [4]\n  dense(8) ) ) foo bar\n  dense(3)\n}\nmodel N {\n  input y: [2]\n  @@ ## dense(2)\n}\n",
  );
  it.each([
    resync,
    ...["transformer_text", "fashion_sweep", "inception_v3", "mistakes/flat", "mistakes/typo"].map((name) =>
      join(repo, "examples", `${name}.nn`),
    ),
  ])("parses and recovers as chevrotain does from source: the same diagnostics for %s", (spec) => {
    const result = nnc(["check", "--format", "json", spec]);
    const built = (JSON.parse(result.stdout) as { diagnostics: { code: string; message: string }[] }).diagnostics;
    const source = checkFile(spec).diagnostics;
    expect(built.map((d) => [d.code, d.message])).toEqual(source.map((d) => [d.code, d.message]));
    if (spec === resync) expect(source.length).toBeGreaterThan(1);
  });
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

  /** A copy of the built CLI (bin/ and dist/cli, without code caches) in `scratch/name`, and a way to run it. */
  function copyOfCli(name: string) {
    const copy = join(scratch, name);
    cpSync(join(repo, "bin"), join(copy, "bin"), { recursive: true });
    cpSync(dist, join(copy, "dist", "cli"), { recursive: true });
    symlinkSync(join(repo, "node_modules"), join(copy, "node_modules"));
    const dir = join(copy, "dist", "cli");
    for (const file of readdirSync(dir).filter((file) => file.endsWith(".cache"))) rmSync(join(dir, file));
    const run = (args: string[]) =>
      spawnSync(process.execPath, [join(copy, "bin", "nnc.js"), ...args], { encoding: "utf8", timeout: 60_000 });
    const pytorch = ["compile", join(repo, "examples", "iris.nn"), "--target", "pytorch", "-o", join(copy, "m.py")];
    return { copy, dir, lazyFile: join(dir, "nnc-lazy.cjs"), run, pytorch };
  }

  it("from another build is refused in one line, the command exiting 1", () => {
    const { lazyFile, run, pytorch } = copyOfCli("copy");
    writeFileSync(lazyFile, lazy.replace(/buildId = "[0-9a-f]{16}"/, 'buildId = "0000000000000000"'));
    expect(run(["check", join(repo, "examples", "iris.nn")]).status).toBe(0);
    const result = run(pytorch);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^nnc: .*nnc-lazy\.cjs is not the one built with nnc\.cjs .*\n$/);
  });

  it.each([
    ["empty", "", /nnc-lazy\.cjs is empty: /],
    ["cut short inside a statement", lazy.slice(0, lazy.length / 2), /nnc-lazy\.cjs does not parse \(.+\): /],
    [
      "cut short after a statement",
      lazy.replace(/module\.exports\.buildId = .*\n/, ""),
      /nnc-lazy\.cjs is incomplete: /,
    ],
  ])("%s is one line saying to rebuild, the command exiting 1", (_, text, problem) => {
    const { lazyFile, run, pytorch } = copyOfCli(`damaged-${text.length}`);
    writeFileSync(lazyFile, text);
    const result = run(pytorch);
    expect([result.status, result.stdout]).toEqual([1, ""]);
    expect(result.stderr).toMatch(problem);
    expect(result.stderr).toMatch(/^nnc: [^\n]*: the package's build is damaged; run `npm run build` in it\n$/);
  });

  it("gets a code cache of its own, written once and then taken", () => {
    const { lazyFile, run, pytorch } = copyOfCli("cache");
    expect(run(pytorch).status).toBe(0);
    const cache = cacheFile(lazyFile);
    const before = statSync(cache).mtimeMs;
    expect(run(pytorch).status).toBe(0);
    expect(statSync(cache).mtimeMs).toBe(before);
  });

  it("edited in place to the same length runs as edited, not from the cache of what it was", () => {
    const { copy, lazyFile, run, pytorch } = copyOfCli("edited");
    expect(run(pytorch).status).toBe(0);
    expect(readFileSync(join(copy, "m.py"), "utf8")).toContain("import torch\n");
    // The line the PyTorch emitter starts its imports with, written once in the bundle.
    expect(lazy.split('"import torch",').length).toBe(2);
    const edited = lazy.replace('"import torch",', '"import TORCH",');
    writeFileSync(lazyFile, edited);
    expect(run(pytorch).status).toBe(0);
    expect(readFileSync(join(copy, "m.py"), "utf8")).toContain("import TORCH\n");
  });

  it("removes the caches nnc wrote for earlier versions of a bundle, and their leftover temporaries, when it writes a new one, and no other file", () => {
    const { dir, run, pytorch } = copyOfCli("stale");
    const stale = [
      "nnc.cjs.12345.cache",
      "nnc.cjs.1-2-3.cache",
      "nnc-lazy.cjs.12345.cache",
      "nnc-lazy.cjs.4-5-6.cache",
      // What a run killed between writing its cache and renaming it into place leaves.
      "nnc.cjs.1-2-3.cache.4242",
    ];
    const others = [
      "nnc.cjs.notes.cache",
      "other.cjs.1-2-3.cache",
      "nnc.cjs.1-2-3.cache.bak",
      "nnc.cjs.12345.cache.txt",
    ];
    for (const name of [...stale, ...others]) writeFileSync(join(dir, name), "not a code cache");
    expect(run(pytorch).status).toBe(0);
    const caches = [cacheFile(join(dir, "nnc.cjs")), cacheFile(join(dir, "nnc-lazy.cjs"))].map((f) => basename(f));
    expect(
      readdirSync(dir)
        .filter((name) => name.includes(".cache"))
        .sort(),
    ).toEqual([...caches, ...others].sort());
  });

  it.each([
    ["throwing at its top level", "cb();\n", /nnc\.cjs fails to load \(ReferenceError: cb is not defined\): /],
    ["without a main function", "module.exports.other = 1;\n", /nnc\.cjs has no main function: /],
    ["a folder", null, /nnc\.cjs is a folder: /],
  ])("nnc.cjs %s is one line saying to rebuild, the command exiting 1", (_, text, problem) => {
    const { dir, run } = copyOfCli(`main-${problem.source.length}`);
    rmSync(join(dir, "nnc.cjs"));
    if (text === null) mkdirSync(join(dir, "nnc.cjs"));
    else writeFileSync(join(dir, "nnc.cjs"), text);
    const result = run(["check", join(repo, "examples", "iris.nn")]);
    expect([result.status, result.stdout]).toEqual([1, ""]);
    expect(result.stderr).toMatch(problem);
    expect(result.stderr).toMatch(/^nnc: [^\n]*: the package's build is damaged; run `npm run build` in it\n$/);
  });
});
