/**
 * Streamed data: a file larger than the memory cap a test sets (`streamAbove: 0`, first pass in chunks of 64
 * rows) trains without the loader ever holding more than 64 rows, and trains exactly as the same file read
 * whole does: same normalization, same classes, same batches, same history.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { IrCall, IrModel, IrTrain } from "../../src/compiler/ir/index.js";
import { NncUserError, trainModel, type TrainedRun } from "../../src/runtime/index.js";
import { adam, denseLayer, quiet, sequentialModel, trainBlock } from "../helpers/ir.js";

const scratch = mkdtempSync(join(tmpdir(), "nnc-stream-"));
const cap = { streamAbove: 0, chunkRows: 64 };

const model: IrModel = sequentialModel("Three", "x", 3, [denseLayer("out", 3, "softmax", "x", 3)]);

const train = (data: IrCall, validation: IrCall | null = null): IrTrain =>
  trainBlock("Three", {
    data,
    validation,
    optimizer: adam(0.05),
    epochs: 2,
    batchSize: 32,
    validationSplit: validation ? 0 : 0.2,
    seed: 9,
  });

/** Rows in three classes (one with a non-ASCII name, so offsets are bytes), features far from 0 and 1. */
function rows(count: number, seed: number): { label: string; a: number; b: number; c: number }[] {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const names = ["alpha", "señal", "gamma"];
  return Array.from({ length: count }, (_, i) => ({
    label: names[i % 3]!,
    a: 1000 + (i % 3) * 50 + next() * 40,
    b: -5 + next(),
    c: (i % 3) * 0.01 + next() * 0.02,
  }));
}

function writeCsv(name: string, count: number, seed: number): string {
  const lines = rows(count, seed).map((r, i) => `${r.a},"${r.label}",${r.b},${r.c}${i === 500 ? "\n" : ""}`);
  const file = join(scratch, name);
  writeFileSync(file, `a,label,b,c\n${lines.join("\n")}\n`);
  return file;
}

function expectSameRun(streamed: TrainedRun, whole: TrainedRun): void {
  expect(streamed.labels).toEqual(whole.labels);
  expect(streamed.data.streamed).toBe(true);
  const [s, w] = [streamed.preprocessing!.normalization!, whole.preprocessing!.normalization!];
  s.shift.forEach((v, i) => expect(v).toBeCloseTo(w.shift[i]!, 8));
  s.scale.forEach((v, i) => expect(v).toBeCloseTo(w.scale[i]!, 8));
  expect(streamed.history).toHaveLength(whole.history.length);
  streamed.history.forEach((record, i) => {
    for (const [key, value] of Object.entries(whole.history[i]!))
      expect(record[key], `epoch ${i + 1} ${key}`).toBeCloseTo(value, 6);
  });
}

describe("streamed data", () => {
  it("a CSV larger than the cap trains holding at most 64 rows, as the whole file does", async () => {
    const data: IrCall = {
      name: "csv",
      args: {
        path: writeCsv("big.csv", 3000, 1),
        label: "label",
        normalize: "standard",
      },
    };
    const whole = await trainModel(model, train(data), { output: quiet });
    const streamed = await trainModel(model, train(data), {
      output: quiet,
      ...cap,
    });
    expect(whole.data).toEqual({ streamed: false, peakRows: 3000 });
    expect(streamed.data.streamed).toBe(true);
    expect(streamed.data.peakRows).toBeLessThanOrEqual(64);
    expectSameRun(streamed, whole);
    expect(streamed.history.at(-1)!.accuracy).toBeGreaterThan(0.9);
  });

  it("a separate validation file is streamed too, scaled with the training statistics", async () => {
    const data: IrCall = {
      name: "csv",
      args: {
        path: writeCsv("train.csv", 900, 2),
        label: "label",
        normalize: "minmax",
      },
    };
    const validation: IrCall = {
      name: "csv",
      args: {
        path: writeCsv("valid.csv", 300, 3),
        label: "label",
        normalize: "minmax",
      },
    };
    const whole = await trainModel(model, train(data, validation), {
      output: quiet,
    });
    const streamed = await trainModel(model, train(data, validation), {
      output: quiet,
      ...cap,
    });
    expect(streamed.data.peakRows).toBeLessThanOrEqual(64);
    expect(Object.keys(streamed.history[0]!)).toContain("val_loss");
    expectSameRun(streamed, whole);
  });

  it("JSON Lines stream the same way", async () => {
    const file = join(scratch, "big.jsonl");
    writeFileSync(
      file,
      rows(700, 4)
        .map((r) => JSON.stringify(r))
        .join("\n"),
    ); // no newline after the last record
    const data: IrCall = {
      name: "json",
      args: { path: file, label: "label", normalize: "standard" },
    };
    const whole = await trainModel(model, train(data), { output: quiet });
    const streamed = await trainModel(model, train(data), {
      output: quiet,
      ...cap,
    });
    expect(streamed.data.streamed).toBe(true);
    expect(streamed.data.peakRows).toBeLessThanOrEqual(64);
    expectSameRun(streamed, whole);
  });

  it("npy and uncompressed idx files are read by offset, one batch at a time", async () => {
    const points = rows(600, 6);
    const npy = (name: string, descr: string, shape: string, data: Buffer) => {
      let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape}), }`;
      header += " ".repeat(63 - ((10 + header.length) % 64)) + "\n";
      const prefix = Buffer.alloc(10);
      prefix.write("\x93NUMPY", 0, "latin1");
      [prefix[6], prefix[7]] = [1, 0];
      prefix.writeUInt16LE(header.length, 8);
      writeFileSync(join(scratch, name), Buffer.concat([prefix, Buffer.from(header, "latin1"), data]));
      return join(scratch, name);
    };
    const x = npy(
      "x.npy",
      "<f4",
      "600, 3",
      Buffer.from(new Float32Array(points.flatMap((p) => [p.a / 1000, p.b, p.c])).buffer),
    );
    const y = npy("y.npy", "<i8", "600,", Buffer.from(new BigInt64Array(points.map((_, i) => BigInt(i % 3))).buffer));
    const idx = (name: string, dims: number[], data: number[]) => {
      const header = Buffer.alloc(4 + 4 * dims.length);
      [header[2], header[3]] = [8, dims.length];
      dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
      writeFileSync(join(scratch, name), Buffer.concat([header, Buffer.from(data)]));
      return join(scratch, name);
    };
    const images = idx(
      "images",
      [600, 3],
      points.flatMap((p, i) => [(i % 3) * 100 + 10, Math.round(p.b * -20), Math.round(p.c * 5000)]),
    );
    const labels = idx(
      "labels",
      [600],
      points.map((_, i) => i % 3),
    );
    const sources: IrCall[] = [
      { name: "npy", args: { x, y } },
      { name: "idx", args: { images, labels, scale: true } },
    ];
    for (const data of sources) {
      const whole = await trainModel(model, train(data), { output: quiet });
      const streamed = await trainModel(model, train(data), {
        output: quiet,
        ...cap,
      });
      expect(streamed.data.streamed, data.name).toBe(true);
      expect(streamed.data.peakRows).toBeLessThanOrEqual(64);
      expect(streamed.history, data.name).toEqual(whole.history);
    }
  });

  it("a malformed record deep in a streamed file is reported with its line before the first step", async () => {
    const file = join(scratch, "bad.csv");
    const good = rows(1000, 5).map((r) => `${r.a},${r.label},${r.b},${r.c}`);
    good[900] = "1,alpha,oops,3";
    writeFileSync(file, `a,label,b,c\n${good.join("\n")}\n`);
    const output = {
      text: "",
      write: (chunk: string) => Boolean((output.text += chunk)),
    };
    const error = await trainModel(model, train({ name: "csv", args: { path: file, label: "label" } }), {
      output: output as unknown as NodeJS.WritableStream,
      ...cap,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NncUserError);
    expect((error as NncUserError).format()).toMatch(
      /^error\[NN4006\]: .*bad\.csv:902: column 'b': 'oops' is not a number$/,
    );
    expect(output.text).toBe("");
  });
});
