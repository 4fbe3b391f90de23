/**
 * The `nnc` command as programs outside the project use it: the JSON of docs/language.md, exit codes, help, and
 * one-line errors instead of stack traces.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nnc, repo } from "./helpers/cli.js";

const scratch = mkdtempSync(join(tmpdir(), "nnc-cli-"));
function spec(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

const position = { line: expect.any(Number), column: expect.any(Number) };

describe("nnc check --format json", () => {
  it("prints every diagnostic with a 1-based, end-exclusive range and exits 1 on errors", () => {
    const file = spec("bad.nn", "model M {\n  input x: [4]\n  dense(-3)\n  dens(2)\n}\n");
    const result = nnc(["check", file, "--format", "json"]);
    expect(result.status).toBe(1);
    const output = JSON.parse(result.stdout) as { diagnostics: unknown[] };
    expect(output.diagnostics).toEqual([
      {
        file,
        severity: "error",
        code: "NN2005",
        message: expect.any(String),
        range: { start: { line: 3, column: 9 }, end: { line: 3, column: 11 } },
      },
      {
        file,
        severity: "error",
        code: "NN2001",
        message: expect.any(String),
        range: { start: { line: 4, column: 3 }, end: { line: 4, column: 7 } },
        hint: "did you mean 'dense'?",
      },
    ]);
  });

  it("prints an empty list and exits 0 for a good spec", () => {
    const file = spec("good.nn", "model M {\n  input x: [4]\n  dense(2)\n}\n");
    const result = nnc(["check", file, "--format", "json"]);
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ diagnostics: [] });
  });

  it("checks several files in one run", () => {
    const good = spec("good2.nn", "model M {\n  input x: [4]\n  dense(2)\n}\n");
    const bad = spec("bad2.nn", "model M {\n  input x: [4]\n  dense(0)\n}\n");
    const result = nnc(["check", good, bad, "--format", "json"]);
    expect(result.status).toBe(1);
    const { diagnostics } = JSON.parse(result.stdout) as { diagnostics: { file: string; range: unknown }[] };
    expect(diagnostics.map((d) => d.file)).toEqual([bad]);
    expect(diagnostics[0]!.range).toEqual({ start: position, end: position });
  });
});

describe("nnc check for people", () => {
  it("shows file:line:col, the source line, a caret underline and the hint", () => {
    const file = spec("typo.nn", "model M {\n  input x: [4]\n  dense(3, activaton: relu)\n}\n");
    const result = nnc(["check", file], { cwd: scratch });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain("typo.nn:3:12: error NN2003: 'dense' has no argument 'activaton'");
    expect(result.stdout).toContain("   3 |   dense(3, activaton: relu)\n     |            ^^^^^^^^^\n");
    expect(result.stdout).toContain("= hint: did you mean 'activation'?");
  });

  it("reports a missing file in one line, without a stack trace", () => {
    const result = nnc(["check", join(scratch, "missing.nn")]);
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/missing\.nn:1:1: error NN1004: cannot read '.*missing\.nn': no such file/);
    expect(result.stdout + result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("nnc summary --format json", () => {
  it("prints the fields docs/language.md promises for every model", () => {
    const file = spec(
      "two.nn",
      "model M {\n  input x: [seq, 4]\n  dense(8)\n}\nmodel N {\n  input y: [3]\n  dense(2, use_bias: false)\n}\n",
    );
    const result = nnc(["summary", file, "--format", "json"]);
    expect(result.status).toBe(0);
    const { models } = JSON.parse(result.stdout) as { models: unknown[] };
    expect(models).toEqual([
      expect.objectContaining({
        name: "M",
        totalParams: 40,
        trainableParams: 40,
        nonTrainableParams: 0,
        inputs: [{ name: "x", shape: [null, "seq", 4] }],
        outputs: [{ name: "dense", shape: [null, "seq", 8] }],
        layers: [expect.objectContaining({ name: "dense", kind: "dense", outputShape: [null, "seq", 8], params: 40 })],
      }),
      expect.objectContaining({ name: "N", totalParams: 6, outputs: [{ name: "dense", shape: [null, 2] }] }),
    ]);
  });

  it("prints diagnostics as check does and exits 1 on errors", () => {
    const file = spec("broken.nn", "model M {\n  input x: [4]\n  dense(0)\n}\n");
    const result = nnc(["summary", file, "--format", "json"]);
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({ diagnostics: [expect.objectContaining({ code: "NN2005" })] });
  });

  it("prints a Keras-style table with thousands separators", () => {
    const file = spec("wide.nn", "model Wide {\n  input x: [1000]\n  dense(1000)\n}\n");
    const result = nnc(["summary", file]);
    expect(result.stdout).toContain('Model: "Wide"');
    expect(result.stdout).toMatch(/dense \(dense\)\s+│ \(None, 1000\)\s+│\s+1,001,000 │/);
    expect(result.stdout).toContain("Total params: 1,001,000 (3.82 MB)");
  });
});

describe("help", () => {
  it("lists the commands", () => {
    const result = nnc(["--help"]);
    expect(result.status).toBe(0);
    for (const command of ["check", "summary", "compile", "train"]) expect(result.stdout).toContain(command);
  });

  it("explains each command", () => {
    const result = nnc(["check", "--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("--format");
  });

  it("--version is nnc's own, also run by npm in a project of another version", () => {
    const project = mkdtempSync(join(tmpdir(), "nnc-project-"));
    writeFileSync(join(project, "package.json"), '{ "name": "user-project", "version": "9.9.9" }\n');
    const { version } = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string };
    // npm exports the project's version to the scripts it runs (`npx nnc`, an npm script).
    const result = nnc(["--version"], { cwd: project, env: { npm_package_version: "9.9.9" } });
    expect([result.status, result.stdout]).toEqual([0, `${version}\n`]);
  });
});

describe("a reader that stops early (nnc ... | head)", () => {
  it("ends the output quietly: exit 0, no stack trace", async () => {
    // A summary of 3,000 layers is far more than a pipe holds, so nnc is still writing when the reader goes.
    const dir = mkdtempSync(join(tmpdir(), "nnc-epipe-"));
    const spec = join(dir, "deep.nn");
    writeFileSync(spec, "model Deep {\n  input x: [4]\n  repeat 3000 { dense(4, activation: relu) }\n}\n");
    const child = spawn(process.execPath, [join(repo, "bin", "nnc.js"), "summary", spec], { stdio: "pipe" });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });
});
