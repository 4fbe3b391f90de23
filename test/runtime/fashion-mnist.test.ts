/**
 * The IDX data source on real data: examples/fashion_mnist.nn trained on the bundled 1,000-image slice of
 * Fashion-MNIST (images 0-999 of the t10k files of Debian's dataset-fashion-mnist) reaches at least 0.75
 * accuracy on 500 other images (1000-1499); and the IDX reader's errors on broken files.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import { checkFile } from "../../src/compiler/index.js";
import type { IrTrain } from "../../src/compiler/ir/index.js";
import { NncUserError, loadTable, trainModel } from "../../src/runtime/index.js";
import type { OutputClasses } from "../../src/runtime/save.js";

const repo = join(import.meta.dirname, "..", "..");
const files = (set: string) => ({
  images: join(repo, "examples", "data", "fashion-mnist", `slice-${set}-images-idx3-ubyte.gz`),
  labels: join(repo, "examples", "data", "fashion-mnist", `slice-${set}-labels-idx1-ubyte.gz`),
});
const quiet = { write: () => true } as unknown as NodeJS.WritableStream;

describe("examples/fashion_mnist.nn on the bundled slice", () => {
  it("reaches at least 0.75 test accuracy", async () => {
    const checked = checkFile(join(repo, "examples", "fashion_mnist.nn"));
    expect(checked.diagnostics).toEqual([]);
    const program = checked.program!;
    const train: IrTrain = {
      ...program.trains[0]!,
      data: { name: "idx", args: { ...files("train"), scale: true } },
      lrSchedule: null,
      callbacks: [],
      epochs: 8,
      batchSize: 32,
    };
    const run = await trainModel(program.models[0]!, train, { output: quiet });
    const test = loadTable({ name: "idx", args: { ...files("test"), scale: true } });
    expect(test.labels).toHaveLength(500);
    const x = tf.tensor4d(test.features, [500, 28, 28, 1]);
    const predicted = (run.model.predict(x) as tf.Tensor).argMax(-1).dataSync();
    const classes = (run.labels as OutputClasses).classes;
    const correct = test.labels.filter((label, i) => classes[predicted[i]!] === label).length;
    expect(correct / 500).toBeGreaterThanOrEqual(0.75);
    tf.dispose(x);
  }, 120_000);
});

describe("idx()", () => {
  const scratch = mkdtempSync(join(tmpdir(), "nnc-idx-"));
  const header = (...words: number[]) =>
    Buffer.concat(words.map((w) => Buffer.from([w >>> 24, (w >>> 16) & 255, (w >>> 8) & 255, w & 255])));
  const read = (images: string, labels: string) => {
    try {
      loadTable({ name: "idx", args: { images, labels, scale: true } });
    } catch (error) {
      return (error as NncUserError).format();
    }
    return "no error";
  };

  it("reads plain files, scales pixels and keeps them unscaled with scale: false", () => {
    writeFileSync(join(scratch, "img"), Buffer.concat([header(0x803, 2, 1, 2), Buffer.from([0, 255, 51, 102])]));
    writeFileSync(join(scratch, "lab"), gzipSync(Buffer.concat([header(0x801, 2), Buffer.from([3, 7])])));
    const table = loadTable({
      name: "idx",
      args: { images: join(scratch, "img"), labels: join(scratch, "lab"), scale: true },
    });
    expect(Array.from(table.features)).toEqual([0, 1, 0.2, 0.4].map(Math.fround));
    expect(table.labels).toEqual(["3", "7"]);
    expect(table.exampleShape).toEqual([1, 2]);
    const raw = loadTable({
      name: "idx",
      args: { images: join(scratch, "img"), labels: join(scratch, "lab"), scale: false },
    });
    expect(Array.from(raw.features)).toEqual([0, 255, 51, 102]);
  });

  it("names the file and record of a broken file, and a missing one in one line", () => {
    writeFileSync(join(scratch, "short"), Buffer.concat([header(0x803, 3, 2, 2), Buffer.alloc(9)]));
    expect(read(join(scratch, "short"), join(scratch, "lab"))).toMatch(
      /^error\[NN4006\]: .*short: record 3: the header promises 3 records of 4 bytes \(12 bytes\), the file holds 9$/,
    );
    writeFileSync(join(scratch, "text"), "hello");
    expect(read(join(scratch, "text"), join(scratch, "lab"))).toMatch(/text: not an IDX file/);
    writeFileSync(join(scratch, "three"), Buffer.concat([header(0x803, 3, 1, 2), Buffer.alloc(6)]));
    expect(read(join(scratch, "three"), join(scratch, "lab"))).toMatch(/lab: 2 labels for the 3 images of .*three$/);
    expect(read(join(scratch, "none.gz"), join(scratch, "lab"))).toMatch(/^error\[NN4005\]: .*none\.gz: no such file$/);
  });
});
