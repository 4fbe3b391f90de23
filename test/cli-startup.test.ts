/**
 * `nnc check` and friends start fast: they never load TensorFlow.js or prettier, which only `nnc train` and
 * `nnc compile` need. Resolve hooks (for require() and for import(), registered with `--require`, as a user's
 * node would run them) report every module resolved from those packages; the built bin/nnc.js (the bundle in dist/cli, which
 * leaves both packages outside) runs as users run it. The bundle's precompiled argument validators must
 * cover the registry and agree with the ones ajv compiles. Node's source-map support stays off (it would read
 * the bundle's map at each start); bin/nnc.js maps an internal error's stack trace itself. Its code cache is
 * written once and then taken.
 */
import { spawn, spawnSync } from "node:child_process";
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
import { createRequire, SourceMap, type SourceMapPayload } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { createAjv } from "../src/compiler/check/args.js";
import { registeredSchemas } from "../src/compiler/registry/registered-schemas.js";
import { repo } from "./helpers/cli.js";
import { cacheFile } from "./helpers/code-cache.js";

const probe = mkdtempSync(join(tmpdir(), "nnc-startup-"));
// The bundle require()s its packages; import() reaches ES modules. A hook for each reports every module
// resolved from the heavy packages (the ES module hooks run on their own thread in Node 20; a synchronous
// write to fd 2 still lands in the child's stderr).
const report = String.raw`function report(where) {
  const match = /\/node_modules\/(@tensorflow\/[^/]+|prettier)\//.exec(where.replaceAll("\\", "/"));
  if (match) writeSync(2, "loaded " + match[1] + "\n");
}`;
writeFileSync(
  join(probe, "hooks.mjs"),
  `import { writeSync } from "node:fs";
${report}
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  report(result.url);
  return result;
}
`,
);
writeFileSync(
  join(probe, "register.cjs"),
  `const { writeSync } = require("node:fs");
const Module = require("node:module");
${report}
Module.register(${JSON.stringify(pathToFileURL(join(probe, "hooks.mjs")).href)});
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const file = resolveFilename.apply(this, args);
  report(file);
  return file;
};
`,
);

/** Runs node with the probe; returns the exit status, stdout, and the heavy packages it loaded. */
function probed(args: readonly string[]): {
  status: number | null;
  stdout: string;
  loaded: string[];
} {
  const result = spawnSync(process.execPath, ["--require", join(probe, "register.cjs"), ...args], {
    cwd: repo,
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  const loaded = [...result.stderr.matchAll(/^loaded (.+)$/gm)].map((match) => match[1]!);
  return {
    status: result.status,
    stdout: result.stdout,
    loaded: [...new Set(loaded)],
  };
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
    writeFileSync(
      spec,
      'model M {\n  input x: [4]\n  dense(3)\n}\n\ntrain M {\n  data: csv("nowhere.csv", label: "y")\n  loss: categorical_crossentropy\n  optimizer: adam()\n  epochs: 1\n  batch_size: 4\n}\n',
    );
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
  ])("nnc %s loads neither tfjs nor prettier", (command) => {
    const result = probed([nnc, ...command.split(" ")]);
    expect(result.status).toBe(0);
    expect(result.stdout).not.toBe("");
    expect(result.loaded).toEqual([]);
  });
});

describe("standard output", () => {
  // At exit, whether Node's net module was loaded: making process.stdout loads it when stdout is a pipe.
  writeFileSync(
    join(probe, "streams.cjs"),
    `process.on("exit", () => require("node:fs").writeSync(2, "streams " + process.moduleLoadList.includes("NativeModule net") + "\\n"));`,
  );
  const streams = (args: readonly string[]) => {
    const result = spawnSync(process.execPath, ["--require", join(probe, "streams.cjs"), nnc, ...args], {
      cwd: repo,
      encoding: "utf8",
      timeout: 60_000,
    });
    return { status: result.status, stdout: result.stdout, loaded: /^streams (true|false)$/m.exec(result.stderr)?.[1] };
  };

  it("nnc check writes its result without making process.stdout (Node's net module, for a pipe, stays unloaded)", () => {
    expect(streams(["check", "examples/iris.nn"])).toEqual({
      status: 0,
      stdout: "examples/iris.nn: no problems found\n",
      loaded: "false",
    });
    const json = streams(["check", "--format", "json", "examples/iris.nn"]);
    expect([json.status, JSON.parse(json.stdout), json.loaded]).toEqual([0, { diagnostics: [] }, "false"]);
    // The probe sees them when process.stdout is made.
    expect(streams(["summary", "examples/iris.nn"]).loaded).toBe("true");
  });

  it("nnc check --format json to a reader that stops early ends quietly: exit 0, no stack trace", async () => {
    // Each mistake's diagnostics, 1,500 times over (1.2 MB): far more than a pipe holds and than the reader
    // takes in before its stream is destroyed, so nnc is still writing (with 300, 250 kB, a fast nnc could
    // write it all before the reader stopped, and exit 1 for the mistakes: once in ~200 runs).
    const mistakes = readdirSync(join(repo, "examples", "mistakes")).filter((name) => name.endsWith(".nn"));
    const files = Array.from({ length: 1500 }, () => mistakes.map((name) => join("examples", "mistakes", name))).flat();
    const child = spawn(process.execPath, [nnc, "check", "--format", "json", ...files], { cwd: repo, stdio: "pipe" });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.once("data", () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect([code, stderr]).toEqual([0, ""]);
  });
});

describe("precompiled argument validators (dist/src/compiler/check/precompiled-validators.js)", async () => {
  const built = pathToFileURL(join(repo, "dist", "src", "compiler", "check", "precompiled-validators.js")).href;
  const { precompiledValidator } = (await import(
    built
  )) as typeof import("../src/compiler/check/precompiled-validators.js");
  const ajv = createAjv();
  const schemas = registeredSchemas();

  it("cover every schema of the registry", () => {
    expect(schemas.length).toBeGreaterThan(50);
    const missing = schemas.map((schema) => JSON.stringify(schema)).filter((text) => !precompiledValidator(text));
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
        const validate = precompiledValidator(JSON.stringify(schema))!;
        const actual = input();
        expect([validate(actual), validate.errors, actual]).toEqual([compiled(expected), compiled.errors, expected]);
      }
    }
  });
});

describe("V8's young generation (bin/nnc.js)", () => {
  // The young generation's size at exit: its semi-spaces are 1 MiB each at first, and grow only by V8's factor.
  const hook = join(probe, "young-generation.cjs");
  writeFileSync(
    hook,
    `process.on("exit", () => {
  const space = require("node:v8").getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
  require("node:fs").writeSync(2, "new space " + space.space_size + "\\n");
});
`,
  );
  const newSpace = (args: readonly string[]) => {
    const result = spawnSync(process.execPath, ["--require", hook, nnc, ...args], { cwd: repo, encoding: "utf8" });
    expect(result.status).toBe(0);
    return Number(/new space (\d+)/.exec(result.stderr)?.[1]);
  };

  it("stays at its first size in a check of a large spec (V8's default grows it to 8 MiB there)", () => {
    expect(newSpace(["check", "examples/inception_v3.nn"])).toBeLessThanOrEqual(2 * 1024 * 1024);
  });

  it("grows as V8 grows it once a command loads a package (here prettier)", () => {
    expect(newSpace(["compile", "examples/iris.nn", "-o", join(probe, "iris.ts")])).toBeGreaterThan(2 * 1024 * 1024);
  });
});

describe("internal errors", () => {
  it("have their stack frames in the bundle mapped back to src/, with the functions' own names", async () => {
    const { sourceMappedStack } = createRequire(import.meta.url)(join(repo, "bin", "source-mapped-stack.js")) as {
      sourceMappedStack: (error: unknown) => string;
    };
    const bundle = join(repo, "dist", "cli", "nnc.cjs");
    // registerCheck's declaration in the bundle, under its minified name (the source map names it).
    const map = new SourceMap(JSON.parse(readFileSync(`${bundle}.map`, "utf8")) as SourceMapPayload);
    const lines = readFileSync(bundle, "utf8").split("\n");
    const at = lines
      .flatMap((text, line) =>
        [...text.matchAll(/function ([\w$]+)\(/g)].map((m) => [line, m.index + 9, m[1]!] as const),
      )
      .find(([line, column]) => (map.findEntry(line, column) as { name?: string }).name === "registerCheck");
    expect(at).toBeDefined();
    const [line, column, minified] = at!;
    expect(minified).not.toBe("registerCheck");
    const error = new Error("boom");
    error.stack = [
      "Error: boom",
      `    at ${minified} (${bundle}:${line + 1}:${column + minified.length + 3})`,
      "    at node:internal/modules/cjs/loader:1:2",
    ].join("\n");
    const mapped = sourceMappedStack(error).split("\n");
    expect(mapped[1]).toMatch(/^ {4}at registerCheck \(.*[/\\]src[/\\]cli[/\\]check\.ts:\d+:\d+\)$/);
    expect(mapped[2]).toBe("    at node:internal/modules/cjs/loader:1:2");
  });
});

/** `nnc check examples/iris.nn` run by the copy of the command in `copy` (see `builtCopy`). */
function checkIris(copy: string) {
  return spawnSync(process.execPath, [join(copy, "bin", "nnc.js"), "check", join(repo, "examples", "iris.nn")], {
    encoding: "utf8",
  });
}

/** A copy of the built command (bin/ and dist/cli/) in a new folder, using the repository's node_modules. */
function builtCopy(): string {
  const copy = mkdtempSync(join(tmpdir(), "nnc-cache-"));
  cpSync(join(repo, "bin"), join(copy, "bin"), { recursive: true });
  // Without code caches: a copy's files have other inodes, so the repo's caches would only be stale ones.
  cpSync(join(repo, "dist", "cli"), join(copy, "dist", "cli"), {
    recursive: true,
    filter: (source) => !source.endsWith(".cache"),
  });
  symlinkSync(join(repo, "node_modules"), join(copy, "node_modules"));
  return copy;
}

describe("the code cache (dist/cli/nnc.cjs.<inode>-<size>-<mtime>.cache)", () => {
  const cacheOf = (dir: string) => {
    const name = readdirSync(dir).find((file) => /^nnc\.cjs\.\d+-\d+-\d+\.cache$/.test(file));
    return name === undefined ? undefined : join(dir, name);
  };

  it("is written for the bundle and taken by the next run, which leaves it as it is", () => {
    const dir = join(repo, "dist", "cli");
    expect(probed([nnc, "check", "examples/iris.nn"]).status).toBe(0);
    const cache = cacheOf(dir)!;
    expect(cache).toBe(cacheFile(join(dir, "nnc.cjs")));
    const before = statSync(cache).mtimeMs;
    expect(probed([nnc, "check", "examples/iris.nn"]).status).toBe(0);
    expect(statSync(cache).mtimeMs).toBe(before);
  });

  it("without a built bundle, nnc says so in one line", () => {
    const copy = mkdtempSync(join(tmpdir(), "nnc-unbuilt-"));
    cpSync(join(repo, "bin"), join(copy, "bin"), { recursive: true });
    const result = spawnSync(process.execPath, [join(copy, "bin", "nnc.js"), "check", "model.nn"], {
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^nnc: .*nnc\.cjs is missing: the package is not built; run `npm run build` in it\n$/,
    );
    rmSync(copy, { recursive: true, force: true });
  });

  it("each argument validator that a check loads gets one of its own beside it, written once and then taken", () => {
    const copy = builtCopy();
    const validators = join(copy, "dist", "cli", "validators");
    const caches = () => readdirSync(validators).filter((name) => name.endsWith(".cache"));
    // Every example at once: more validators than Node's ten listeners of an event before it warns.
    const examples = readdirSync(join(repo, "examples"))
      .filter((name) => name.endsWith(".nn"))
      .map((name) => join(repo, "examples", name));
    const run = () =>
      spawnSync(process.execPath, [join(copy, "bin", "nnc.js"), "check", ...examples], { encoding: "utf8" });
    const first = run();
    expect([first.status, first.stderr]).toEqual([0, ""]);
    const written = caches();
    expect(written.length).toBeGreaterThan(10);
    for (const name of written) {
      const source = join(validators, name.replace(/\.\d+-\d+-\d+\.cache$/, ""));
      expect(join(validators, name)).toBe(cacheFile(source));
    }
    const times = written.map((name) => statSync(join(validators, name)).mtimeMs);
    expect([run().status, caches()]).toEqual([0, written]);
    expect(written.map((name) => statSync(join(validators, name)).mtimeMs)).toEqual(times);
    rmSync(copy, { recursive: true, force: true });
  });

  it("a validators folder that a cut-short build left as a file is one line saying to rebuild", () => {
    const copy = builtCopy();
    rmSync(join(copy, "dist", "cli", "validators"), { recursive: true });
    writeFileSync(join(copy, "dist", "cli", "validators"), "");
    const result = checkIris(copy);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^nnc: .*validators[/\\]\d+\.cjs is missing: the package is not built; run `npm run build` in it\n$/,
    );
    rmSync(copy, { recursive: true, force: true });
  });

  it("a validator that exports no function is one line saying to rebuild", () => {
    const copy = builtCopy();
    const validators = join(copy, "dist", "cli", "validators");
    for (const file of readdirSync(validators).filter((name) => name.endsWith(".cjs"))) {
      writeFileSync(join(validators, file), "module.exports = 42;\n");
    }
    const result = checkIris(copy);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^nnc: .*validators[/\\]\d+\.cjs exports no validator: the package's build is damaged; run `npm run build` in it\n$/,
    );
    rmSync(copy, { recursive: true, force: true });
  });

  it("is taken, not written again, when node is given its own young generation growth factor", () => {
    const copy = builtCopy();
    const run = (...flags: string[]) =>
      spawnSync(process.execPath, [...flags, join(copy, "bin", "nnc.js"), "check", join(repo, "examples", "iris.nn")]);
    expect(run().status).toBe(0);
    const cache = cacheFile(join(copy, "dist", "cli", "nnc.cjs"));
    const before = statSync(cache).mtimeMs;
    expect(run("--semi-space-growth-factor=3").status).toBe(0);
    expect(run("--semi-space-growth-factor=3").status).toBe(0);
    expect(statSync(cache).mtimeMs).toBe(before);
    rmSync(copy, { recursive: true, force: true });
  });

  it("a pipe, a folder or a file far larger than a cache in its place is no cache: nnc runs, never waits on it", () => {
    const copy = builtCopy();
    const dir = join(copy, "dist", "cli");
    const cache = cacheFile(join(dir, "nnc.cjs"));
    const check = () =>
      spawnSync(process.execPath, [join(copy, "bin", "nnc.js"), "check", join(repo, "examples", "iris.nn")], {
        encoding: "utf8",
        timeout: 30_000,
      });
    expect(spawnSync("mkfifo", [cache]).status).toBe(0);
    // The run's own cache, written at exit, takes the pipe's place.
    expect([check().status, statSync(cache).isFile()]).toEqual([0, true]);
    rmSync(cache);
    mkdirSync(cache);
    expect(check().status).toBe(0);
    rmSync(cache, { recursive: true });
    writeFileSync(cache, Buffer.alloc(64 * 2 ** 20));
    const result = check();
    expect([result.status, result.stdout]).toEqual([0, expect.stringContaining("no problems found")]);
    // Replaced by a real one (a code cache is about twice the bundle's size).
    expect(statSync(cache).size).toBeLessThan(8 * 2 ** 20);
    rmSync(copy, { recursive: true, force: true });
  });

  it("when V8 rejects it (here: garbage), nnc runs all the same and writes a good one", () => {
    const copy = builtCopy();
    const dir = join(copy, "dist", "cli");
    const cache = cacheFile(join(dir, "nnc.cjs"));
    writeFileSync(cache, "not a code cache");
    const first = probed([join(copy, "bin", "nnc.js"), "check", join(repo, "examples", "iris.nn")]);
    expect([first.status, first.stdout]).toEqual([0, expect.stringContaining("no problems found")]);
    expect(readFileSync(cache).length).toBeGreaterThan(10_000);
    const before = statSync(cache).mtimeMs;
    expect(probed([join(copy, "bin", "nnc.js"), "check", join(repo, "examples", "iris.nn")]).status).toBe(0);
    expect(statSync(cache).mtimeMs).toBe(before);
    rmSync(copy, { recursive: true, force: true });
  });
});
