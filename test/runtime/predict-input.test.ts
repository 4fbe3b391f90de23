/**
 * `nnc predict`'s fast paths give what the general ones give, byte for byte: a `.npy` features file read
 * straight into the features array (predict-input.ts) against `readNpy`, for every dtype, an unaligned header
 * and a non-finite value; predictions written as CSV and JSON without an object per row against
 * JSON.stringify of those objects, for awkward values and column names; outputs computed a chunk of rows at a
 * time against predict's for the whole table.
 */
import { describe, expect, it } from "vitest";
import { readNpy } from "../../src/runtime/data/npy.js";
import { readNpyFeatures } from "../../src/runtime/predict-input.js";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/runtime/index.js";
import { forward, predictionsCsv, predictionsJson, type Predictions } from "../../src/runtime/predict.js";
import { npyBytes, userError } from "../helpers/data-files.js";
import { scratchFolder } from "../helpers/runs.js";

const { file } = scratchFolder("nnc-predict-input-");

/** The bytes of `values` as the typed array `T` holds them. */
function bytesOf<T extends ArrayLike<number | bigint>>(values: T & { buffer: ArrayBufferLike }): Buffer {
  return Buffer.from(values.buffer);
}

const values = [0, 1, -1, 2.5, 127, 200, -3.75, 65_535, 1e-7, 3.4e38, 0.1, 42];
const arrays: Record<string, Buffer> = {
  "<f4": bytesOf(Float32Array.from(values)),
  "<f8": bytesOf(Float64Array.from(values, (v) => v + 1e-12)),
  "|i1": bytesOf(Int8Array.from(values)),
  "|u1": bytesOf(Uint8Array.from(values)),
  "|b1": bytesOf(Uint8Array.from(values, (v) => (v > 0 ? 1 : 0))),
  "<i2": bytesOf(Int16Array.from(values)),
  "<u2": bytesOf(Uint16Array.from(values)),
  "<i4": bytesOf(Int32Array.from(values)),
  "<u4": bytesOf(Uint32Array.from(values)),
  "<i8": bytesOf(BigInt64Array.from(values, (v) => BigInt(Math.trunc(v)))),
  "<u8": bytesOf(BigUint64Array.from(values, (v) => BigInt(Math.abs(Math.trunc(v))))),
};

describe("readNpyFeatures", () => {
  it.each(Object.keys(arrays))("reads %s as readNpy does", (descr) => {
    const path = file(`x${descr.slice(1)}.npy`, npyBytes(descr, [4, 3], arrays[descr]!));
    const table = readNpyFeatures(path);
    expect(table).toEqual(readNpy(path, null));
    expect(table.features).toBeInstanceOf(Float32Array);
    expect(table.features.length).toBe(12);
  });

  it("reads a header that leaves the values unaligned, and arrays of three axes", () => {
    const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 2), }\n";
    const length = Buffer.alloc(2);
    length.writeUInt16LE(header.length);
    const bytes = Buffer.concat([Buffer.from("\x93NUMPY\x01\x00", "latin1"), length, Buffer.from(header, "latin1")]);
    expect(bytes.length % 4).not.toBe(0);
    const path = file("odd.npy", Buffer.concat([bytes, arrays["<f4"]!]));
    const table = readNpyFeatures(path);
    expect(table).toEqual(readNpy(path, null));
    expect(table.exampleShape).toEqual([3, 2]);
    expect(Array.from(table.features)).toEqual(Array.from(Float32Array.from(values)));
  });

  it("rejects what readNpy rejects, with its message", async () => {
    const nan = Float32Array.from(values);
    nan[7] = NaN;
    const tooLarge = Float64Array.from(values);
    tooLarge[4] = 1e300;
    const cases = [
      file("nan.npy", npyBytes("<f4", [4, 3], Buffer.from(nan.buffer))),
      file("large.npy", npyBytes("<f8", [4, 3], Buffer.from(tooLarge.buffer))),
      file("flat.npy", npyBytes("<f4", [12], arrays["<f4"]!)),
      file("short.npy", npyBytes("<f4", [5, 3], arrays["<f4"]!)),
    ];
    for (const path of cases) {
      const fast = (await userError(() => readNpyFeatures(path))).format();
      expect(fast).toBe((await userError(() => readNpy(path, null))).format());
      expect(fast).toMatch(/NN40(20|06)/);
    }
  });
});

/** The writers as they were: an object per row, JSON.stringify; each field tested for quoting. */
const reference = {
  csv(p: Predictions): string {
    const field = (value: string | number) => {
      const text = String(value);
      return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
    };
    return [p.columns, ...p.rows].map((row) => `${row.map(field).join(",")}\n`).join("");
  },
  json(p: Predictions): string {
    const objects = p.rows.map((row) => Object.fromEntries(p.columns.map((name, i) => [name, row[i]])));
    return `${JSON.stringify(objects, null, 2)}\n`;
  },
};

describe("predictionsCsv and predictionsJson", () => {
  const rows = [
    ["a,b", 0.1, -0, NaN],
    ['say "hi"', Infinity, -Infinity, 1e-7],
    ["line\nbreak\r", 3, 2.5e21, -1.5],
    ["ünïcode \u2028 \\ /", 0.30000001192092896, 5, 6],
    ["short", 1],
  ];
  const tables: Predictions[] = [
    { columns: ["predicted", "p_a,b", 'p_"q"', "p_x"], rows },
    { columns: ["file", "__proto__", "constructor", "toString"], rows },
    { columns: ["0", "b", "1", "a"], rows },
    { columns: ["a", "b", "a", "c"], rows },
    { columns: ["a", "b"], rows: [] },
    { columns: [], rows: [[], [1]] },
    { columns: ["x", "y"], rows: [[], [1]] },
  ];
  it.each(tables.map((t, i) => [i, t] as const))("table %i is written as before", (_, table) => {
    expect(predictionsCsv(table)).toBe(reference.csv(table));
    expect(predictionsJson(table)).toBe(reference.json(table));
  });
});

describe("forward", () => {
  it("gives the same outputs in chunks of rows as predict gives for the whole table, shared layer or not", async () => {
    await initBackend();
    const input = tf.input({ shape: [3] });
    const hidden = tf.layers.dense({ units: 4, activation: "relu" }).apply(input) as tf.SymbolicTensor;
    const head = tf.layers.dense({ units: 4, activation: "softmax" });
    const plain = tf.model({ inputs: input, outputs: head.apply(hidden) as tf.SymbolicTensor });
    const shared = tf.model({ inputs: input, outputs: head.apply(head.apply(hidden)) as tf.SymbolicTensor });
    const features = Float32Array.from({ length: 30 }, (_, i) => Math.sin(i));
    const table = { source: "t", featureNames: ["a", "b", "c"], features, labelName: "", labels: [] };
    const rows = { ...table, lines: Array.from({ length: 10 }, (_, i) => i + 1) };
    for (const model of [plain, shared]) {
      const expected = tf.tidy(() => (model.predict(tf.tensor2d(features, [10, 3])) as tf.Tensor).dataSync());
      for (const step of [3, 10]) {
        const [out] = forward(model, model, rows, 0, step);
        expect([out!.rows, out!.width]).toEqual([10, 4]);
        expect(Array.from(out!.data)).toEqual(Array.from(expected));
      }
    }
  });
});
