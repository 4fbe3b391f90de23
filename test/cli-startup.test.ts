/**
 * `nnc check` and friends start fast: they never load TensorFlow.js or prettier, which only `nnc train` and
 * `nnc compile` need. A module resolve hook (registered with `--import`, as a user's node would run it)
 * reports every module resolved from those packages; the built bin/nnc.js runs as users run it.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
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

  it("nnc compile loads prettier, but not tfjs", () => {
    const result = probed([nnc, "compile", "examples/iris.nn"]);
    expect(result.status).toBe(0);
    expect(result.loaded).toEqual(["prettier"]);
  });

  it.each(["check examples/iris.nn", "summary examples/iris.nn", "--help", "check --help", "compile --help", "train --help"])(
    "nnc %s loads neither tfjs nor prettier",
    (command) => {
      const result = probed([nnc, ...command.split(" ")]);
      expect(result.status).toBe(0);
      expect(result.stdout).not.toBe("");
      expect(result.loaded).toEqual([]);
    },
  );
});
