/**
 * The TypeScript emitter, end to end: a golden for every case in fixtures/emit, and the emitted code judged by
 * the real tools: `tsc --strict`, `prettier --check`, tfjs itself building and training the models, and
 * `nnc train`'s own trainModel, which a seeded trainM() must match epoch for epoch.
 *
 * Emitted modules go under `.tmp/` inside the repository so that `@tensorflow/tfjs` and the package's own
 * `nnc/runtime` resolve as they do for a user; the latter goes through package.json `exports` to `dist/`,
 * which `npm test` builds first.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  builderName,
  emitTypeScript,
  trainerName,
} from "../src/compiler/emit-ts.js";
import { checkFile } from "../src/compiler/index.js";
import type { IrProgram, Shape } from "../src/compiler/ir.js";
import { trainModel } from "../src/runtime/index.js";

const execFileAsync = promisify(execFile);
const root = path.resolve(import.meta.dirname, "..");
const fixtures = path.join(root, "test/fixtures/emit");
const tool = (name: string) => path.join(root, "node_modules/.bin", name);

/** Runs a command to its end, failing or not; returns its exit code and output. */
async function run(
  command: string,
  args: readonly string[],
  cwd = root,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, { cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as {
      code: number;
      stdout: string;
      stderr: string;
    };
    return { code, stdout, stderr };
  }
}

/** A case is a spec (`.nn`, checked) or a hand-built IR (`.ir.json`, with `file` relative to the fixture). */
function loadCase(file: string): IrProgram {
  const full = path.join(fixtures, file);
  if (file.endsWith(".nn")) {
    const { program, diagnostics } = checkFile(full);
    expect(diagnostics).toEqual([]);
    return program!;
  }
  const ir = JSON.parse(readFileSync(full, "utf8")) as IrProgram;
  return { ...ir, file: path.resolve(fixtures, ir.file) };
}

const cases = readdirSync(fixtures)
  .filter((file) => /\.(nn|ir\.json)$/.test(file))
  .map((file) => ({
    name: file.replace(/\.(nn|ir\.json)$/, ""),
    program: loadCase(file),
  }));

describe("emitTypeScript goldens", () => {
  it.each(cases)("$name", async ({ name, program }) => {
    const outFile = path.join(fixtures, `${name}.out.ts`);
    await expect(
      await emitTypeScript(program, { outFile }),
    ).toMatchFileSnapshot(outFile);
  });
});

describe("emitTypeScript goldens of examples/", () => {
  const examples = path.join(root, "examples");
  const goldens = path.join(fixtures, "examples");
  const names = readdirSync(examples)
    .filter((file) => file.endsWith(".nn"))
    .map((file) => file.replace(/\.nn$/, ""));
  const outFile = (name: string) => path.join(goldens, `${name}.out.ts`);

  it.each(names)("%s", async (name) => {
    const { program, diagnostics } = checkFile(path.join(examples, `${name}.nn`));
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    await expect(
      await emitTypeScript(program!, { outFile: outFile(name) }),
    ).toMatchFileSnapshot(outFile(name));
  });

  it("type-check with tsc --strict and are formatted as prettier --check wants", async () => {
    const files = names.map(outFile);
    const tsc = await run(tool("tsc"), [
      "--strict", "--noEmit", "--module", "nodenext", "--target", "es2022", "--types", "node", "--skipLibCheck",
      ...files,
    ]);
    expect(tsc.stdout).toBe("");
    expect(tsc.code).toBe(0);
    const prettier = await run(tool("prettier"), ["--check", "--no-config", "--ignore-path", "", ...files]);
    expect(prettier.code, prettier.stderr).toBe(0);
  });
});

/** What tfjs reports for a layer's output: the batch axis first, symbolic and unknown sizes as null. */
function tfjsShape(shape: Shape): (number | null)[] {
  return [null, ...shape.map((dim) => (typeof dim === "number" ? dim : null))];
}

describe("emitted modules", () => {
  let dir: string;
  const files = new Map<string, string>();

  beforeAll(async () => {
    await mkdir(path.join(root, ".tmp"), { recursive: true });
    dir = await mkdtemp(path.join(root, ".tmp/emit-"));
    for (const { name, program } of cases) {
      const file = path.join(dir, `${name}.ts`);
      await writeFile(file, await emitTypeScript(program, { outFile: file }));
      files.set(name, file);
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("type-check with tsc --strict", async () => {
    const flags = [
      "--strict",
      "--noEmit",
      "--module",
      "nodenext",
      "--target",
      "es2022",
      "--types",
      "node",
    ];
    const result = await run(tool("tsc"), [
      ...flags,
      "--skipLibCheck",
      ...files.values(),
    ]);
    expect(result.stdout).toBe("");
    expect(result.code).toBe(0);
  });

  it("are formatted as prettier --check wants", async () => {
    // .tmp/ is gitignored, and prettier skips gitignored files unless told otherwise.
    const result = await run(tool("prettier"), [
      "--check",
      "--no-config",
      "--ignore-path",
      "",
      ...files.values(),
    ]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
  });

  it.each(cases)(
    "$name: tfjs builds the layers, shapes and parameter counts of the IR",
    async ({ name, program }) => {
      const module = (await import(files.get(name)!)) as Record<
        string,
        () => import("@tensorflow/tfjs").LayersModel
      >;
      for (const model of program.models) {
        const built = module[builderName(model.name)]!();
        expect(built.name).toBe(model.name);
        expect(built.inputs.map((input) => input.shape)).toEqual(
          model.inputs.map((input) => tfjsShape(input.shape)),
        );
        for (const layer of model.layers) {
          const tfjsLayer = built.getLayer(layer.name);
          const shapes = layer.outputShapes.map(tfjsShape);
          expect(tfjsLayer.outputShape, layer.name).toEqual(
            shapes.length === 1 ? shapes[0] : shapes,
          );
          expect(tfjsLayer.countParams(), layer.name).toBe(
            layer.params.trainable + layer.params.nonTrainable,
          );
        }
      }
    },
  );

  it("trainM() trains on a CSV exactly as nnc train does: same seed, same history", async () => {
    const { program } = cases.find((c) => c.name === "iris")!;
    const train = program.trains[0]!;
    const discard = new Writable({
      write: (_chunk, _encoding, done) => done(),
    });
    const module = (await import(files.get("iris")!)) as Record<
      string,
      (options: {
        output: NodeJS.WritableStream;
      }) => Promise<import("@tensorflow/tfjs").History>
    >;
    const history = await module[trainerName(train.model)]!({
      output: discard,
    });
    expect(history.epoch).toEqual([0, 1, 2]);
    expect(Object.keys(history.history).sort()).toEqual([
      "acc",
      "loss",
      "lr",
      "val_acc",
      "val_loss",
    ]);
    const run = await trainModel(program.models[0]!, train, {
      output: discard,
    });
    expect(history.history).toEqual(run.tfjsHistory.history);
  });

  it("run directly, the module trains, saves under runs/ and prints the final metrics", async () => {
    // Run in its own folder: it saves to runs/Iris/ there, as `nnc train` would.
    const file = files.get("iris")!;
    const result = await run(tool("tsx"), [file], path.dirname(file));
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.stdout).toMatch(
      /^Iris: (val_)?loss \d+\.\d{4}, .*\baccuracy \d+\.\d{4}/m,
    );
    const saved = path.join(path.dirname(file), "runs", "Iris", "model.json");
    expect(JSON.parse(await readFile(saved, "utf8"))).toHaveProperty("modelTopology");
  });
});

describe("nnc compile", () => {
  const nnc = (...args: string[]) =>
    run(tool("tsx"), [path.join(root, "src/cli/main.ts"), "compile", ...args]);

  it("writes the module to -o, the same as the emitter gives", async () => {
    const dir = await mkdtemp(path.join(root, ".tmp/compile-"));
    try {
      const out = path.join(dir, "iris.ts");
      const result = await nnc(path.join(fixtures, "iris.nn"), "-o", out);
      expect(result.code).toBe(0);
      const expected = await emitTypeScript(
        cases.find((c) => c.name === "iris")!.program,
        { outFile: out },
      );
      expect(await readFile(out, "utf8")).toBe(expected);
      expect(readdirSync(dir)).toEqual(["iris.ts"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("prints diagnostics and exits 1 on a spec with errors, without a stack trace", async () => {
    const dir = await mkdtemp(path.join(root, ".tmp/compile-"));
    try {
      const spec = path.join(dir, "bad.nn");
      await writeFile(
        spec,
        "model Bad {\n  input x: [4]\n  dense(units: -3)\n}\n",
      );
      const result = await nnc(spec, "-o", path.join(dir, "bad.ts"));
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/error NN2005/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(readdirSync(dir)).toEqual(["bad.nn"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reports an output it cannot write as one line", async () => {
    const result = await nnc(
      path.join(fixtures, "iris.nn"),
      "-o",
      path.join(root, ".tmp/no-such-dir/iris.ts"),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: cannot write .*iris\.ts: its directory does not exist\n$/,
    );
  });
});
