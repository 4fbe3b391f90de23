/**
 * `nnc check` and friends start fast: they never load TensorFlow.js or prettier, which only `nnc train` and
 * `nnc compile` need. A module resolve hook (registered with `--import`, as a user's node would run it)
 * reports every module resolved from those packages; the built bin/nnc.js (the bundle in dist/cli, which
 * leaves both packages outside) runs as users run it. The bundle's precompiled argument validators must
 * cover the registry and agree with the ones ajv compiles. Node's source-map support stays off (it would read
 * every chunk's map at each start); bin/nnc.js maps an internal error's stack trace itself.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { createAjv } from "../src/compiler/args.js";
import { registeredSchemas } from "../src/compiler/registered-schemas.js";
import { repo } from "./helpers/cli.js";

const probe = mkdtempSync(join(tmpdir(), "nnc-startup-"));
// Hooks run on their own thread in Node 20; a synchronous write to fd 2 still lands in the child's stderr.
writeFileSync(
  join(probe, "hooks.mjs"),
  `import { writeSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  const heavy = /\\/node_modules\\/(@tensorflow\\/[^/]+|prettier)\\//.exec(result.url);
  if (heavy) writeSync(2, "loaded " + heavy[1] + "\\n");
  return result;
}
`,
);
writeFileSync(
  join(probe, "register.mjs"),
  `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(probe, "hooks.mjs")).href)});\n`,
);

/** Runs node with the probe; returns the exit status, stdout, and the heavy packages it loaded. */
function probed(args: readonly string[]): { status: number | null; stdout: string; loaded: string[] } {
  const result = spawnSync(process.execPath, ["--import", pathToFileURL(join(probe, "register.mjs")).href, ...args], {
    cwd: repo,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  const loaded = [...result.stderr.matchAll(/^loaded (.+)$/gm)].map((match) => match[1]!);
  return { status: result.status, stdout: result.stdout, loaded: [...new Set(loaded)] };
}

const nnc = join(repo, "bin", "nnc.js");

describe("start-up", () => {
  it("the probe sees tfjs and prettier when they are loaded", () => {
    const result = probed(["--input-type=module", "-e", 'await import("prettier"); await import("@tensorflow/tfjs");']);
    expect(result.status).toBe(0);
    expect(result.loaded).toEqual(expect.arrayContaining(["prettier", "@tensorflow/tfjs"]));
  });

  it("nnc train loads tfjs (here it stops at the missing data file)", () => {
    const spec = join(probe, "missing-data.nn");
    writeFileSync(spec, 'model M {\n  input x: [4]\n  dense(3)\n}\n\ntrain M {\n  data: csv("nowhere.csv", label: "y")\n  loss: categorical_crossentropy\n  optimizer: adam()\n  epochs: 1\n  batch_size: 4\n}\n');
    const result = probed([nnc, "train", spec]);
    expect(result.status).toBe(1);
    expect(result.loaded).toContain("@tensorflow/tfjs");
    expect(result.loaded).not.toContain("prettier");
  });

  it("nnc compile loads prettier, but not tfjs", () => {
    const result = probed([nnc, "compile", "examples/iris.nn"]);
    expect(result.status).toBe(0);
    expect(result.loaded).toEqual(["prettier"]);
  });

  it.each([
    "check examples/iris.nn",
    "summary examples/iris.nn",
    "--help",
    "check --help",
    "compile --help",
    "train --help",
    "evaluate --help",
    "predict --help",
  ])(
    "nnc %s loads neither tfjs nor prettier",
    (command) => {
      const result = probed([nnc, ...command.split(" ")]);
      expect(result.status).toBe(0);
      expect(result.stdout).not.toBe("");
      expect(result.loaded).toEqual([]);
    },
  );
});

describe("precompiled argument validators (dist/src/compiler/precompiled-validators.js)", async () => {
  const built = pathToFileURL(join(repo, "dist", "src", "compiler", "precompiled-validators.js")).href;
  const { precompiledValidators } = (await import(built)) as typeof import("../src/compiler/precompiled-validators.js");
  const ajv = createAjv();
  const schemas = registeredSchemas();

  it("cover every schema of the registry", () => {
    expect(schemas.length).toBeGreaterThan(50);
    const missing = schemas.map((schema) => JSON.stringify(schema)).filter((text) => !precompiledValidators.has(text));
    expect(missing).toEqual([]);
  });

  it("report what ajv's own compilation reports, defaults filled in", () => {
    // Each schema's properties given a number, a string, a list and nothing: every kind of error ajv reports.
    for (const schema of schemas) {
      const names = Object.keys((schema["properties"] as object | undefined) ?? {});
      for (const value of [1.5, "x", [0, -1], undefined]) {
        const input = () => Object.fromEntries(names.map((name) => [name, value]).filter(([, v]) => v !== undefined));
        const expected = input();
        const compiled = ajv.compile(schema);
        const validate = precompiledValidators.get(JSON.stringify(schema))!;
        const actual = input();
        expect([validate(actual), validate.errors, actual]).toEqual([compiled(expected), compiled.errors, expected]);
      }
    }
  });
});

describe("internal errors", () => {
  it("have their stack frames in the bundle mapped back to src/", async () => {
    const { sourceMappedStack } = (await import(pathToFileURL(join(repo, "bin", "source-mapped-stack.js")).href)) as {
      sourceMappedStack: (error: unknown) => string;
    };
    const bundle = join(repo, "dist", "cli", "main.js");
    const before = readFileSync(bundle, "utf8").split("function registerCheck(")[0]!.split("\n");
    const error = new Error("boom");
    error.stack = [
      "Error: boom",
      `    at registerCheck (${pathToFileURL(bundle).href}:${before.length}:${before.at(-1)!.length + 1})`,
      "    at node:internal/modules/esm/module_job:1:2",
    ].join("\n");
    const lines = sourceMappedStack(error).split("\n");
    expect(lines[1]).toMatch(/^ {4}at registerCheck \(.*[/\\]src[/\\]cli[/\\]check\.ts:\d+:\d+\)$/);
    expect(lines[2]).toBe("    at node:internal/modules/esm/module_job:1:2");
  });
});
