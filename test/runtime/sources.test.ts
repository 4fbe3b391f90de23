/**
 * The json() (JSON Lines) source and csv()/json()'s `features:` and `normalize:`, on small files: good
 * ones read as expected, malformed ones name the file, the record (line) and the field.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkSource } from "../../src/compiler/index.js";
import type { IrCall } from "../../src/compiler/ir/index.js";
import { NncUserError, loadTable } from "../../src/runtime/index.js";
import { npyBytes } from "../helpers/data-files.js";

const scratch = mkdtempSync(join(tmpdir(), "nnc-sources-"));
const file = (name: string, text: string) => {
  writeFileSync(join(scratch, name), text);
  return join(scratch, name);
};
const problem = (source: IrCall) => {
  try {
    loadTable(source);
  } catch (error) {
    return (error as NncUserError).format().replace(`${scratch}/`, "");
  }
  return "no error";
};

describe("json()", () => {
  it("reads one object per line, features in the first record's order or as listed", () => {
    const path = file("ok.jsonl", '{"x": 1, "y": 2, "kind": "a"}\n\n{"kind": "b", "y": 4, "x": 3}\n');
    const table = loadTable({ name: "json", args: { path, label: "kind" } });
    expect(table.featureNames).toEqual(["x", "y"]);
    expect(Array.from(table.features)).toEqual([1, 2, 3, 4]);
    expect(table.labels).toEqual(["a", "b"]);
    expect(table.lines).toEqual([1, 3]);
    const picked = loadTable({ name: "json", args: { path, label: "kind", features: ["y"] } });
    expect(Array.from(picked.features)).toEqual([2, 4]);
  });

  it("names the file, line and field of a malformed record", () => {
    const bad = file("bad.jsonl", '{"x": 1, "y": 2, "kind": "a"}\n{"x": "oops", "y": 2, "kind": "a"}\n');
    expect(problem({ name: "json", args: { path: bad, label: "kind" } })).toBe(
      `error[NN4006]: bad.jsonl:2: field 'x': "oops" is not a number`,
    );
    const broken = file("broken.jsonl", '{"x": 1, "kind": "a"}\n{"x": 1,\n');
    expect(problem({ name: "json", args: { path: broken, label: "kind" } })).toMatch(/broken\.jsonl:2: not valid JSON/);
    const missing = file("missing.jsonl", '{"x": 1, "kind": "a"}\n{"kind": "b"}\n');
    expect(problem({ name: "json", args: { path: missing, label: "kind" } })).toMatch(
      /missing\.jsonl:2: no field 'x'$/,
    );
    expect(problem({ name: "json", args: { path: join(scratch, "none.jsonl"), label: "kind" } })).toMatch(
      /^error\[NN4005\]: .*none\.jsonl: no such file$/,
    );
  });
});

describe("features: and normalize:", () => {
  const csv = file("t.csv", "a,b,c,label\n1,10,5,x\n3,30,5,y\n");
  it("keeps the listed columns in order and scales them", () => {
    const picked = loadTable({ name: "csv", args: { path: csv, label: "label", features: ["b", "a"] } });
    expect(picked.featureNames).toEqual(["b", "a"]);
    expect(Array.from(picked.features)).toEqual([10, 1, 30, 3]);
    const standard = loadTable({ name: "csv", args: { path: csv, label: "label", normalize: "standard" } });
    expect(Array.from(standard.features)).toEqual([-1, -1, 0, 1, 1, 0]);
    const minmax = loadTable({ name: "csv", args: { path: csv, label: "label", normalize: "minmax" } });
    expect(Array.from(minmax.features)).toEqual([0, 0, 0, 1, 1, 0]);
  });

  it("names an unknown feature column", () => {
    expect(problem({ name: "csv", args: { path: csv, label: "label", features: ["bb"] } })).toMatch(
      /^error\[NN4006\]: .*t\.csv: no feature column 'bb'; the columns are a, b, c, label$/,
    );
  });

  it("are checked by nnc check", () => {
    const spec = (args: string) => `model M {
  input x: [2]
  dense(2, activation: softmax)
}
train M {
  data: csv("t.csv", label: "label", ${args})
  loss: categorical_crossentropy
  optimizer: adam
  epochs: 1
  batch_size: 2
}
`;
    expect(checkSource(spec("features: [a, b], normalize: standard"), "m.nn").diagnostics).toEqual([]);
    expect(checkSource(spec("normalize: zscore"), "m.nn").diagnostics.map((d) => d.code)).toEqual(["NN2005"]);
  });
});

describe("npy()", () => {
  const npy = (name: string, descr: string, shape: number[], data: Buffer) =>
    file(name, npyBytes(descr, shape, data) as unknown as string);

  it("reads float32 features and int64 targets", () => {
    const x = npy("x.npy", "<f4", [3, 2], Buffer.from(new Float32Array([1, 2, 3, 4, 5, 6]).buffer));
    const y = npy("y.npy", "<i8", [3], Buffer.from(new BigInt64Array([0n, 2n, 1n]).buffer));
    const table = loadTable({ name: "npy", args: { x, y } });
    expect(Array.from(table.features)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(table.exampleShape).toEqual([2]);
    expect(table.labels).toEqual(["0", "2", "1"]);
  });

  it("names the record where a file is cut short, and targets that do not match", () => {
    const short = npy("short.npy", "<f8", [3, 2], Buffer.alloc(8 * 5));
    const y = join(scratch, "y.npy");
    expect(problem({ name: "npy", args: { x: short, y } })).toMatch(
      /^error\[NN4006\]: .*short\.npy: record 3: shape \(3, 2\) needs 48 bytes of data, the file holds 40$/,
    );
    const x4 = npy("x4.npy", "<f4", [4, 1], Buffer.alloc(16));
    expect(problem({ name: "npy", args: { x: x4, y } })).toMatch(
      /y\.npy: expected targets of shape \[4\] or \[4, 1\] for the 4 rows of .*x4\.npy, found \[3\]$/,
    );
  });
});

describe("validation:", () => {
  it("validates on a separate source, with the training data's classes", async () => {
    const { trainModel } = await import("../../src/runtime/index.js");
    const { checkFile } = await import("../../src/compiler/index.js");
    const rows = (n: number, shift: number) =>
      Array.from(
        { length: n },
        (_, i) => `${(i % 2 ? 1 : -1) * (2 + (i % 5) / 5) + shift},${(i % 3) / 3},${i % 2 ? "right" : "left"}`,
      );
    file("train.csv", `x,y,side\n${rows(40, 0).join("\n")}\n`);
    file("valid.csv", `x,y,side\n${rows(10, 0.1).join("\n")}\n`);
    file("strange.csv", `x,y,side\n1,2,left\n3,4,up\n`);
    const spec = (validation: string, extra = "") => `model M {
  input p: [2]
  dense(2, activation: softmax)
}
train M {
  data: csv("train.csv", label: "side")
  validation: csv("${validation}", label: "side")
  loss: categorical_crossentropy
  optimizer: adam(0.1)
  metrics: [accuracy]
  epochs: 2
  batch_size: 8
  seed: 1
  callbacks: [early_stopping(monitor: val_accuracy, patience: 5)]${extra}
}
`;
    writeFileSync(join(scratch, "v.nn"), spec("valid.csv"));
    const program = checkFile(join(scratch, "v.nn")).program!;
    const run = await trainModel(program.models[0]!, program.trains[0]!, {
      output: { write: () => true } as unknown as NodeJS.WritableStream,
    });
    expect(Object.keys(run.history[0]!)).toEqual(["epoch", "loss", "accuracy", "val_loss", "val_accuracy", "lr"]);
    writeFileSync(join(scratch, "s.nn"), spec("strange.csv"));
    const strange = checkFile(join(scratch, "s.nn")).program!;
    await expect(
      trainModel(strange.models[0]!, strange.trains[0]!, {
        output: { write: () => true } as unknown as NodeJS.WritableStream,
      }),
    ).rejects.toThrow(/strange\.csv:3: label 'up' is not one of the training data's classes \(left, right\)/);
    writeFileSync(join(scratch, "both.nn"), spec("valid.csv", "\n  validation_split: 0.2"));
    expect(checkFile(join(scratch, "both.nn")).diagnostics.map((d) => d.code)).toEqual(["NN4003"]);
  });
});
