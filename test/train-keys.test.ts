/**
 * Every key of a train block reaches `runTraining` as the checker read it. A spec whose train block sets every
 * key of registry/train-keys.ts is checked and emitted as `nnc compile` emits it; esbuild bundles the module with
 * test/helpers/recording-runtime.ts in the place of `nnc/runtime` (the real runtime, whose `runTraining` keeps a
 * copy of the settings it is given), and the module's `trainTiny()` trains for real. The settings it passed
 * must be the IR's, field by field: a field the emitter forgets, renames or prints otherwise fails here, and so
 * does a key added to the table but not to the block below.
 *
 * The module sits beside its data under `.tmp/` in the repository, so its data paths are printed relative to it
 * (through `import.meta.url`) and `@tensorflow/tfjs` resolves from the repository's node_modules.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emitTypeScript } from "../src/compiler/emit/index.js";
import { checkFile, type IrProgram } from "../src/compiler/index.js";
import { trainKeys } from "../src/compiler/registry/train-keys.js";
import { parse } from "../src/compiler/syntax/index.js";
import type { TrainSettings } from "../src/runtime/index.js";
import { repo } from "./helpers/cli.js";
import { twoBlobsCsv } from "./helpers/data-files.js";
import { quiet } from "./helpers/ir.js";

/**
 * Sets every key of the table but `loss_weights` (which only a model of several outputs takes: `house` below),
 * each (but `validation_split`, which `validation` excludes) to a value that is not its default.
 */
const spec = `model Tiny {
  input point: [2]
  dense(4, activation: relu)
  dense(2, activation: softmax)
}

train Tiny {
  data: csv("points.csv", label: "side", normalize: standard)
  loss: categorical_crossentropy
  optimizer: adam(learning_rate: 0.02, beta_1: 0.8)
  metrics: [accuracy, mse]
  epochs: 2
  batch_size: 8
  validation_split: 0
  validation: csv("held out.csv", label: "side")
  test: csv("held out.csv", label: "side")
  class_weight: { left: 2 }
  shuffle: false
  seed: 11
  lr_schedule: reduce_on_plateau(monitor: "val_loss", factor: 0.5, patience: 1)
  callbacks: [early_stopping(monitor: "val_accuracy", patience: 4), csv_logger("log.csv")]
}
`;

/** A model of two outputs, with every per-output setting; `outputs` and `lossWeights` must reach runTraining. */
const house = `model House {
  input x: [1]
  h = x -> dense(4, activation: relu)
  kind = h -> dense(2, activation: softmax)
  price = h -> dense(1)
  output kind, price
}

train House {
  data: csv("points.csv", labels: { kind: "side", price: "y" })
  loss: { kind: categorical_crossentropy, price: mse }
  loss_weights: { kind: 1, price: 0.5 }
  metrics: { kind: [accuracy], price: [mae, r2] }
  optimizer: adam
  epochs: 1
  batch_size: 8
}
`;

/** A model trained to reproduce its input: `target`, which takes data without labels. */
const autoencoder = `model Auto {
  input x: [2]
  dense(1)
  dense(2)
}

train Auto {
  data: csv("points.csv", features: ["a", "b"])
  target: input
  loss: mse
  optimizer: adam
  epochs: 1
  batch_size: 8
}
`;

/**
 * A model that starts from the run the Tiny block's test saves, then fine-tunes: `init` and `fine_tune` (checked
 * clean only once that run is there).
 */
const tuned = `model Tiny {
  input point: [2]
  dense(4, activation: relu)
  dense(2, activation: softmax)
}

train Tiny {
  data: csv("points.csv", label: "side")
  loss: categorical_crossentropy
  optimizer: adam
  epochs: 1
  batch_size: 8
  init: from_run("run")
  fine_tune: fine_tune(epochs: 1, learning_rate: 0.0001, unfreeze: all)
}
`;

let dir: string;
let specFile: string;
let houseFile: string;
let tunedFile: string;

beforeAll(() => {
  mkdirSync(join(repo, ".tmp"), { recursive: true });
  dir = mkdtempSync(join(repo, ".tmp", "train-keys-"));
  writeFileSync(join(dir, "points.csv"), twoBlobsCsv(32, 4));
  writeFileSync(join(dir, "held out.csv"), twoBlobsCsv(16, 9));
  specFile = join(dir, "tiny.nn");
  writeFileSync(specFile, spec);
  houseFile = join(dir, "house.nn");
  writeFileSync(houseFile, house);
  tunedFile = join(dir, "tuned.nn");
  writeFileSync(tunedFile, tuned);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Emits the spec's module beside it and bundles it, `nnc/runtime` recording; returns the bundle's exports. */
async function bundledModule(
  program: IrProgram,
  name = "tiny",
): Promise<{
  readonly emitted: string;
  readonly module: Record<string, unknown> & { readonly receivedSettings: TrainSettings[] };
}> {
  const source = join(dir, `${name}.ts`);
  const emitted = await emitTypeScript(program, { outFile: source });
  writeFileSync(source, emitted);
  const bundle = join(dir, `${name}.mjs`);
  await build({
    stdin: {
      contents: `export * from "./${name}.ts";\nexport { receivedSettings } from "nnc/runtime";\n`,
      resolveDir: dir,
      loader: "ts",
    },
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: bundle,
    logLevel: "silent",
    // tfjs, prettier and the rest load from node_modules as usual; only `nnc/runtime` is the recording one.
    packages: "external",
    plugins: [
      {
        name: "recording-runtime",
        setup(builder) {
          builder.onResolve({ filter: /^nnc\/runtime$/ }, () => ({
            path: join(repo, "test", "helpers", "recording-runtime.ts"),
          }));
        },
      },
    ],
  });
  return { emitted, module: await import(bundle) };
}

describe("train keys", () => {
  it("the blocks above set every key of the table", () => {
    const keys = [spec, house, autoencoder, tuned].flatMap((text) => {
      const block = parse(text, specFile).value.declarations.find((d) => d.kind === "train")!;
      return block.kind === "train" ? block.entries.map((e) => e.key.text) : [];
    });
    expect([...new Set(keys)].sort()).toEqual(trainKeys.map((k) => k.name).sort());
  });

  it("each key fills its own field of the IR", () => {
    expect(new Set(trainKeys.map((k) => k.name)).size, "names").toBe(trainKeys.length);
    expect(new Set(trainKeys.map((k) => k.field)).size, "fields").toBe(trainKeys.length);
    const { program, diagnostics } = checkFile(specFile);
    expect(diagnostics).toEqual([]);
    const { model, location, keyLocations, ...fields } = program!.trains[0]!;
    expect([model, location.file]).toEqual(["Tiny", specFile]);
    // A field is there when its key is written or has a default.
    const block = parse(spec, specFile).value.declarations.find((d) => d.kind === "train")!;
    const written = block.kind === "train" ? block.entries.map((e) => e.key.text) : [];
    const filled = trainKeys.filter((k) => written.includes(k.name) || k.default !== undefined);
    expect(Object.keys(fields)).toEqual(filled.map((k) => k.field));
    // Where each written key's value is, for a compile target's NN6002; a default has no place in the file.
    const writtenFields = trainKeys.filter((k) => written.includes(k.name)).map((k) => k.field);
    expect(Object.keys(keyLocations ?? {})).toEqual(writtenFields);
  });

  it("each key reaches runTraining unchanged from a compiled module that trains", async () => {
    const { program } = checkFile(specFile);
    const { location: _, keyLocations: __, ...expected } = program!.trains[0]!;
    const { emitted, module } = await bundledModule(program!);
    // The data paths take the module-relative way, the one a moved module depends on.
    expect(emitted).toContain('new URL("./held%20out.csv", import.meta.url)');

    const trainTiny = module["trainTiny"] as (options: object) => Promise<{ epoch: number[] }>;
    const history = await trainTiny({ output: quiet, runDir: join(dir, "run") });
    expect(history.epoch).toEqual([0, 1]);
    expect(module.receivedSettings).toHaveLength(1);
    const received = module.receivedSettings[0]!;
    expect(Object.keys(received)).toEqual(Object.keys(expected));
    expect(received.model).toBe(expected.model);
    for (const key of trainKeys.filter((k) => Object.hasOwn(expected, k.field))) {
      expect(Object.hasOwn(received, key.field), `${key.name} reaches runTraining as ${key.field}`).toBe(true);
      expect(received[key.field], key.name).toStrictEqual(expected[key.field]);
    }
  });

  it("a model's output names and the loss weights reach runTraining from a compiled module", async () => {
    const { program, diagnostics } = checkFile(houseFile);
    expect(diagnostics).toEqual([]);
    const { location: _, keyLocations: __, ...expected } = program!.trains[0]!;
    expect(expected).toMatchObject({ outputs: ["kind", "price"], lossWeights: { kind: 1, price: 0.5 } });
    const { module } = await bundledModule(program!, "house");
    const trainHouse = module["trainHouse"] as (options: object) => Promise<unknown>;
    await trainHouse({ output: quiet, runDir: join(dir, "house-run") });
    const received = module.receivedSettings.at(-1)!;
    expect(Object.keys(received)).toEqual(Object.keys(expected));
    expect(received).toStrictEqual(expected);
  });

  it("init and fine_tune reach runTraining from a compiled module, which starts from the run and fine-tunes", async () => {
    const { program, diagnostics } = checkFile(tunedFile);
    expect(diagnostics).toEqual([]);
    const { location: _, keyLocations: __, ...expected } = program!.trains[0]!;
    expect(expected).toMatchObject({ init: { name: "from_run" }, fineTune: { name: "fine_tune" } });
    const { module } = await bundledModule(program!, "tuned");
    const trainTiny = module["trainTiny"] as (options: object) => Promise<{ epoch: number[] }>;
    const history = await trainTiny({ output: quiet, runDir: join(dir, "tuned-run") });
    expect(history.epoch).toEqual([0, 1]);
    const received = module.receivedSettings.at(-1)!;
    expect(Object.keys(received)).toEqual(Object.keys(expected));
    expect(received).toStrictEqual(expected);
  });
});
