/**
 * NN4083, the estimate of a training step's memory against the wasm backend's 4 GiB: its parts by the formula
 * of src/runtime/training-memory.ts, the diagnostic at `batch_size` with the batch size that fits, never for an
 * example or a bench model that trains today; and `wasmMemoryFailure`, which tells the wasm backend running out
 * of memory from other errors, on real WebAssembly errors.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { benchModels } from "../../bench/models.js";
import { checkFile, checkSource } from "../../src/compiler/index.js";
import { renderDiagnostics } from "../../src/compiler/diagnostics/render.js";
import { wasmMemoryFailure } from "../../src/runtime/errors.js";
import {
  largestBatch,
  peakBytes,
  trainingMemory,
  wasmMemoryDiagnostic,
  wasmTrainingCeiling,
} from "../../src/runtime/training-memory.js";
import { nnc, repo } from "../helpers/cli.js";

const trainBlock = (model: string, optimizer: string, batch: number) =>
  `train ${model} {\n  data: npy(x: "x.npy", y: "y.npy")\n  loss: sparse_categorical_crossentropy\n` +
  `  optimizer: ${optimizer}\n  epochs: 1\n  batch_size: ${batch}\n}\n`;

/** The checked model and train block of a spec of one of each. */
function checked(text: string, file = "spec.nn") {
  const result = checkSource(text, file);
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return { model: result.program!.models[0]!, train: result.program!.trains[0]!, sources: result.sources };
}

const vgg16 = readFileSync(join(repo, "examples", "vgg16.nn"), "utf8");

describe("trainingMemory", () => {
  it("counts weights, slots, gradients, the update and a sample's activations as float32", () => {
    const spec = `model Net {\n  input x: [1000]\n  dense(1000, activation: relu)\n}\n`;
    const params = 1000 * 1000 + 1000;
    const { model, train } = checked(spec + trainBlock("Net", "adam", 8));
    expect(trainingMemory(model, train)).toEqual({
      weights: 4 * params,
      slots: 4 * 2 * params,
      gradients: 4 * params,
      // Fused Adam: a new weight and two new moments of every weight before the old are freed.
      update: 4 * 3 * params,
      // The input, and seven times the layer's output.
      activations: 4 * (1000 + 7 * 1000),
      stepCopies: 0,
    });
    const sgd = checked(spec + trainBlock("Net", "sgd", 8));
    expect(trainingMemory(sgd.model, sgd.train)).toMatchObject({ slots: 0, update: 4 * 2 * params });
    const momentum = checked(spec + trainBlock("Net", "sgd(momentum: 0.9)", 8));
    expect(trainingMemory(momentum.model, momentum.train)).toMatchObject({ slots: 4 * params });
    const centered = checked(spec + trainBlock("Net", "rmsprop(centered: true)", 8));
    expect(trainingMemory(centered.model, centered.train)).toMatchObject({ slots: 4 * 3 * params });
  });

  it("counts a recurrent layer's steps: tfjs's GRU copies its weights a step, nnc's fused LSTM does not", () => {
    const rnn = (layer: string) =>
      checked(`model Seq {\n  input x: [200, 32]\n  ${layer}\n}\n` + trainBlock("Seq", "adam", 8));
    const gru = rnn("gru(256)");
    const gruParams = gru.model.layers[0]!.params.trainable;
    expect(trainingMemory(gru.model, gru.train).stepCopies).toBe(4 * 4 * 200 * gruParams);
    expect(trainingMemory(gru.model, gru.train).activations).toBe(4 * (200 * 32 + 7 * 256 + 45 * 200 * 256));
    const lstm = rnn("lstm(256)");
    expect(trainingMemory(lstm.model, lstm.train).stepCopies).toBe(0);
    expect(trainingMemory(lstm.model, lstm.train).activations).toBe(4 * (200 * 32 + 7 * 256 + 14 * 200 * 256));
  });

  it("leaves out the activations when the data decides a size", () => {
    const spec = `model Text {\n  input ids: [seq]\n  embedding(1000, 16)\n  lstm(8)\n}\n`;
    const { model, train } = checked(spec + trainBlock("Text", "adam", 8));
    const memory = trainingMemory(model, train);
    expect(memory.activations).toBeNull();
    expect(peakBytes(memory, 8)).toBe(memory.weights + memory.slots + memory.gradients + memory.update);
  });

  it("finds the largest batch under the ceiling", () => {
    const spec = `model Wide {\n  input x: [1000000]\n  dense(10)\n}\n`;
    const { model, train } = checked(spec + trainBlock("Wide", "adam", 8));
    const memory = trainingMemory(model, train);
    const fits = largestBatch(memory, wasmTrainingCeiling);
    expect(peakBytes(memory, fits)).toBeLessThanOrEqual(wasmTrainingCeiling);
    expect(peakBytes(memory, fits + 1)).toBeGreaterThan(wasmTrainingCeiling);
  });
});

describe("NN4083", () => {
  it("stops VGG16 with Adam at batch_size: no batch fits its weights, Adam's moments and their update", () => {
    const { model, train, sources } = checked(vgg16 + "\n" + trainBlock("VGG16", "adam", 64), "vgg16.nn");
    const found = wasmMemoryDiagnostic(model, train)!;
    expect(found.code).toBe("NN4083");
    expect(renderDiagnostics([found], sources, { color: false })).toBe(
      "vgg16.nn:32:15: error NN4083: a training step of VGG16 with batch_size 64 needs about 27.3 GiB " +
        "(weights 528 MiB, adam's slots 1 GiB, gradients 528 MiB, activations 25.3 GiB), more than the 3.5 GiB " +
        "of tensors the wasm backend's 4 GiB memory holds\n" +
        "  32 |   batch_size: 64\n" +
        "     |               ^^\n" +
        "     = hint: no batch_size fits: train with --backend cpu, which has no such ceiling, an optimizer that " +
        "keeps fewer slots (sgd without momentum keeps none), or a smaller model\n",
    );
  });

  it("names the batch size that fits, and does not fire at it", () => {
    const spec = (batch: number) => vgg16 + "\n" + trainBlock("VGG16", "sgd", batch);
    const { model, train } = checked(spec(64));
    const found = wasmMemoryDiagnostic(model, train)!;
    expect(found.hint).toBe("lower batch_size to 6, or train with --backend cpu, which has no such ceiling");
    const { model: same, train: smaller } = checked(spec(6));
    expect(wasmMemoryDiagnostic(same, smaller)).toBeUndefined();
    const { model: again, train: larger } = checked(spec(7));
    expect(wasmMemoryDiagnostic(again, larger)?.code).toBe("NN4083");
  });

  it("does not fire for any example that trains, nor for the bench models", () => {
    const examples = readdirSync(join(repo, "examples")).filter((name) => name.endsWith(".nn"));
    let trains = 0;
    for (const name of examples) {
      const program = checkFile(join(repo, "examples", name)).program!;
      for (const train of program.trains) {
        const model = program.models.find((m) => m.name === train.model)!;
        expect(wasmMemoryDiagnostic(model, train), `${name}: ${train.model}`).toBeUndefined();
        trains++;
      }
    }
    expect(trains).toBeGreaterThanOrEqual(18);
    for (const [name, bench] of Object.entries(benchModels)) {
      const { model, train } = checked(bench.spec);
      expect(wasmMemoryDiagnostic(model, train), name).toBeUndefined();
    }
  });
});

describe("nnc train", () => {
  it("stops with NN4083 on the wasm backend before building the model, and leaves no run folder (nor runs/, which it made)", () => {
    const dir = mkdtempSync(join(tmpdir(), "nnc-memory-"));
    try {
      const spec = `model Big {\n  input image: [1024, 1024, 3]\n  conv2d(64, 3, padding: same, activation: relu)\n`;
      writeFileSync(join(dir, "big.nn"), spec + "  global_average_pooling2d()\n}\n" + trainBlock("Big", "adam", 32));
      const run = nnc(["train", "big.nn", "--backend", "wasm"], { cwd: dir });
      expect(run.stderr).toBe(
        "big.nn:11:15: error NN4083: a training step of Big with batch_size 32 needs about 56.4 GiB (weights 1 MiB, " +
          "adam's slots 1 MiB, gradients 1 MiB, activations 56.4 GiB), more than the 3.5 GiB of tensors the wasm " +
          "backend's 4 GiB memory holds\n" +
          "  11 |   batch_size: 32\n" +
          "     |               ^^\n" +
          "     = hint: lower batch_size to 1, or train with --backend cpu, which has no such ceiling\n" +
          "1 error\n",
      );
      expect(run.status).toBe(1);
      expect(run.stdout).toBe("");
      expect(existsSync(join(dir, "runs"))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A module whose `load()` reads past its one page of memory: the engine's own out-of-bounds trap. */
const outOfBounds = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
  0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type: () -> ()
  0x03, 0x02, 0x01, 0x00, // function 0 of that type
  0x05, 0x03, 0x01, 0x00, 0x01, // memory: 1 page
  0x07, 0x08, 0x01, 0x04, 0x6c, 0x6f, 0x61, 0x64, 0x00, 0x00, // export "load"
  0x0a, 0x0c, 0x01, 0x0a, 0x00, 0x41, 0x80, 0x80, 0x04, 0x28, 0x02, 0x00, 0x1a, 0x0b, // i32.load(65536); drop
]); // prettier-ignore

/** The error `run` throws. */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("nothing was thrown");
}

describe("wasmMemoryFailure", () => {
  it("is the engine's trap on a read past the memory", async () => {
    const { instance } = await WebAssembly.instantiate(outOfBounds);
    const error = thrown(() => (instance.exports["load"] as () => void)());
    expect(error).toBeInstanceOf(WebAssembly.RuntimeError);
    expect(wasmMemoryFailure(error)).toBe("memory access out of bounds");
  });

  it("is a memory that cannot grow past its maximum", () => {
    const error = thrown(() => new WebAssembly.Memory({ initial: 1, maximum: 1 }).grow(1));
    expect(error).toBeInstanceOf(RangeError);
    expect(wasmMemoryFailure(error)).toMatch(/^WebAssembly\.Memory\.grow\(\): /);
  });

  it("is Emscripten's abort, without its advice to rebuild", () => {
    const error = new WebAssembly.RuntimeError("Aborted(OOM). Build with -sASSERTIONS for more info.");
    expect(wasmMemoryFailure(error)).toBe("Aborted(OOM)");
  });

  it("is not another error", () => {
    const stack = thrown(function deep(): number {
      return deep() + 1;
    });
    expect(stack).toBeInstanceOf(RangeError);
    expect(wasmMemoryFailure(stack)).toBeUndefined();
    expect(wasmMemoryFailure(new Error("memory access out of bounds"))).toBeUndefined();
    expect(wasmMemoryFailure(new WebAssembly.RuntimeError("unreachable"))).toBeUndefined();
    expect(wasmMemoryFailure("memory access out of bounds")).toBeUndefined();
  });
});
