/**
 * Training and validation batches of `.npy` data, value for value. On the wasm backend a batch's features
 * are read into one array per reader, reused from batch to batch (the backend copies a tensor's values as it
 * makes it); on the cpu backend each batch has its own array; a whole file's float32 values are a view of
 * its bytes, other dtypes one conversion. Every way must give each batch the rows the shuffled order and the
 * validation split name, each value as `Number(value)` stored in a float32, the one-hot targets of their
 * labels, whole and streamed alike, and a batch's tensors must keep their values after later batches are read.
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import type { IrCall } from "../../src/compiler/ir/index.js";
import { buildModel, openTrainingData, seededRandom, withRandom } from "../../src/runtime/index.js";
import { copiesTensorValues } from "../../src/runtime/data/tensors.js";
import { denseLayer, sequentialModel } from "../helpers/ir.js";
import { scratchFolder } from "../helpers/runs.js";
import { prepareBackends, useBackend } from "../helpers/wasm.js";

beforeAll(prepareBackends);

const { file } = scratchFolder("nnc-npy-batches-");
const rows = 45;
const width = 6;
const classes = 3;

/** Each dtype: its size and how a value is written (little-endian) into a DataView. */
const dtypes: Record<string, [number, (view: DataView, at: number, value: number) => void]> = {
  "<f4": [4, (v, at, x) => v.setFloat32(at, x, true)],
  "<f8": [8, (v, at, x) => v.setFloat64(at, x, true)],
  "|i1": [1, (v, at, x) => v.setInt8(at, x)],
  "|u1": [1, (v, at, x) => v.setUint8(at, x)],
  "|b1": [1, (v, at, x) => v.setUint8(at, x & 1)],
  "<i2": [2, (v, at, x) => v.setInt16(at, x, true)],
  "<u2": [2, (v, at, x) => v.setUint16(at, x, true)],
  "<i4": [4, (v, at, x) => v.setInt32(at, x, true)],
  "<u4": [4, (v, at, x) => v.setUint32(at, x, true)],
  "<i8": [8, (v, at, x) => v.setBigInt64(at, BigInt(x), true)],
  "<u8": [8, (v, at, x) => v.setBigUint64(at, BigInt(x), true)],
};

/**
 * A version 1.0 `.npy` file of `values` as `descr`; `pad` extra header bytes put the data at an offset that
 * is no multiple of 4 (NumPy pads to 64, other writers need not).
 */
function npy(descr: string, shape: readonly number[], values: readonly number[], pad = 0): Buffer {
  const [size, set] = dtypes[descr]!;
  const data = new DataView(new ArrayBuffer(values.length * size));
  values.forEach((value, i) => set(data, i * size, value));
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(", ")}${shape.length === 1 ? "," : ""}), }`;
  header += " ".repeat(63 - ((10 + header.length) % 64) + pad) + "\n";
  const length = Buffer.alloc(2);
  length.writeUInt16LE(header.length);
  const bytes = [Buffer.from("\x93NUMPY\x01\x00", "latin1"), length, Buffer.from(header, "latin1")];
  return Buffer.concat([...bytes, Buffer.from(data.buffer)]);
}

/**
 * Features each dtype can hold: floats with fractions, past float32's precision; integers of each sign, those
 * of 4 and 8 bytes past float32's 24 bits (rounded as they become float32s).
 */
function features(descr: string): number[] {
  const floating = descr.includes("f");
  const signed = descr.includes("i") || floating;
  const size = dtypes[descr]![0];
  const top = descr === "|b1" ? 2 : size === 1 ? 100 : 30_000;
  const scale = floating || size < 4 ? 1 : size === 4 ? 65_537 : 2 ** 33 + 1;
  return Array.from({ length: rows * width }, (_, i) => {
    const whole = (i * 7919) % top;
    if (floating) return (whole - top / 2) / 7 + 1e-9 * i;
    return signed && i % 3 === 0 && whole > 0 ? -whole * scale : whole * scale;
  });
}

const labels = Array.from({ length: rows }, (_, i) => (i * 5) % classes);

const model = () => sequentialModel("M", "x", width, [denseLayer("out", classes, "softmax", "x", width)]);

interface Batches {
  /** Each batch's rows (0-based), training batches first, and its features and one-hot targets. */
  readonly batches: { rows: number[]; x: number[]; y: number[] }[];
}

/** Every training batch of 16 and the validation batch, read one after another, their tensors held to the end. */
async function readBatches(data: IrCall, streamed: boolean): Promise<Batches> {
  const built = buildModel(model());
  const opened = await withRandom(seededRandom(11), () =>
    openTrainingData(
      built,
      { data, loss: "categorical_crossentropy", validationSplit: 0.2, shuffle: true },
      streamed ? { streamAbove: 0 } : {},
    ),
  );
  expect(opened.streamed).toBe(streamed);
  const held: { rows: number[]; x: tf.Tensor; y: tf.Tensor }[] = [];
  const parts = [
    { count: opened.trainingRows, read: opened.training, table: opened.tables.training },
    { count: opened.validationRows, read: opened.validation, table: opened.tables.validation },
  ];
  for (const part of parts) {
    for (let from = 0; from < part.count; from += 16) {
      const positions = Array.from({ length: Math.min(16, part.count - from) }, (_, k) => from + k);
      const [x, y] = part.read(positions) as [tf.Tensor, tf.Tensor];
      held.push({ rows: part.table(positions).lines.map((line) => line - 1), x, y });
    }
  }
  const batches = held.map(({ rows, x, y }) => ({ rows, x: Array.from(x.dataSync()), y: Array.from(y.dataSync()) }));
  tf.dispose(held.flatMap(({ x, y }) => [x, y]));
  opened.close();
  built.dispose();
  return { batches };
}

/** What a batch of `rows` must hold: their features as float32s, their labels one-hot. */
function expected(values: readonly number[], rows: readonly number[]): { x: number[]; y: number[] } {
  const x = rows.flatMap((row) => values.slice(row * width, (row + 1) * width).map((v) => Math.fround(v)));
  const y = rows.flatMap((row) => Array.from({ length: classes }, (_, c) => (labels[row] === c ? 1 : 0)));
  return { x, y };
}

describe(".npy training batches", () => {
  it("wasm makes a tensor's values its own copy, so a batch's array may be written again", async () => {
    await useBackend("wasm");
    try {
      expect(copiesTensorValues()).toBe(true);
      const values = new Float32Array([1, 2, 3]);
      const tensor = tf.tensor(values);
      values.fill(9);
      expect(Array.from(tensor.dataSync())).toEqual([1, 2, 3]);
      tensor.dispose();
    } finally {
      await useBackend("cpu");
    }
    expect(copiesTensorValues()).toBe(false);
  });

  const cases = [...Object.keys(dtypes).map((descr) => ({ descr, pad: 0 })), { descr: "<f4", pad: 1 }];
  for (const { descr, pad } of cases) {
    const name = `${descr}${pad ? ", data at an odd offset" : ""}`;
    it(`${name}: the rows of the shuffled order and the split, on wasm and cpu, whole and streamed`, async () => {
      const values = features(descr);
      const stem = `${descr.slice(1)}-${pad}`;
      const x = file(`${stem}-x.npy`, npy(descr, [rows, 2, 3], values, pad));
      const y = file(`${stem}-y.npy`, npy("<i4", [rows], labels));
      const data: IrCall = { name: "npy", args: { x, y } };
      const runs: Batches[] = [];
      for (const backend of ["wasm", "cpu"] as const) {
        await useBackend(backend);
        try {
          for (const streamed of [false, true]) runs.push(await readBatches(data, streamed));
        } finally {
          await useBackend("cpu");
        }
      }
      const [first] = runs;
      const order = first!.batches.flatMap((batch) => batch.rows);
      // Every row once, shuffled, the last 9 (0.2 of 45) held out for validation in 3 training batches and one.
      expect([...order].sort((a, b) => a - b)).toEqual([...Array(rows).keys()]);
      expect(order).not.toEqual([...Array(rows).keys()]);
      expect(first!.batches.map((batch) => batch.rows.length)).toEqual([16, 16, 4, 9]);
      for (const run of runs) {
        expect(run.batches.map((batch) => batch.rows)).toEqual(first!.batches.map((batch) => batch.rows));
        for (const batch of run.batches) expect({ x: batch.x, y: batch.y }).toEqual(expected(values, batch.rows));
      }
    });
  }
});
