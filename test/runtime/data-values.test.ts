/**
 * Values the data readers refuse because they would train garbage without a word: NaN and infinities (and
 * numbers past float32's range) in any source, text JavaScript reads as a number but a person does not
 * (`0x10`), a CSV column name used twice, and a JSON Lines label that is an object. Each is an error
 * naming the file, the record and the column or field.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { openRecords } from "../../src/runtime/data/records.js";
import { cellNumber } from "../../src/runtime/data/values.js";
import { buildModel, loadTable, NncUserError, openTrainingData } from "../../src/runtime/index.js";
import { npyBytes, userError } from "../helpers/data-files.js";
import { scratchFolder } from "../helpers/runs.js";
import { denseLayer, sequentialModel } from "../helpers/ir.js";

const { dir, file } = scratchFolder("nnc-values-");
/** An error as `nnc train` prints it, the scratch folder left out. */
const shown = (error: NncUserError) => error.format().replaceAll(`${dir}/`, "");

const floats = (values: number[]) => Buffer.from(new Float32Array(values).buffer);
const doubles = (values: number[]) => Buffer.from(new Float64Array(values).buffer);
const classes = file("y.npy", npyBytes("<i8", [3], Buffer.from(new BigInt64Array([0n, 1n, 0n]).buffer)));
const npy = (x: string, y = classes) => ({ name: "npy", args: { x, y } });

describe("values that are not finite (NN4020)", () => {
  it("npy features holding NaN or an infinity name the record and the element", async () => {
    const nan = file("nan.npy", npyBytes("<f4", [3, 2], floats([1, 2, 3, NaN, 5, 6])));
    expect(shown(await userError(() => loadTable(npy(nan))))).toMatch(
      /^error\[NN4020\]: nan\.npy: record 2: x\[1, 1\]: NaN is not a finite number \(fill in or drop/,
    );
    const inf = file("inf.npy", npyBytes("<f8", [3, 1, 2], doubles([1, 2, 3, 4, 5, -Infinity])));
    expect(shown(await userError(() => loadTable(npy(inf))))).toMatch(
      /inf\.npy: record 3: x\[2, 0, 1\]: -Infinity is not a finite/,
    );
  });

  it("float64 values past float32's range are refused: as features they would be Infinity", async () => {
    const big = file("big.npy", npyBytes("<f8", [3, 1], doubles([1, 1e300, 2])));
    expect(shown(await userError(() => loadTable(npy(big))))).toMatch(
      /big\.npy: record 2: x\[1, 0\]: 1e\+300 is too large for a 32-bit float/,
    );
  });

  it("npy targets holding NaN are refused, for a classifier as for a regression", async () => {
    const x = file("x.npy", npyBytes("<f4", [3, 1], floats([1, 2, 3])));
    const y = file("ynan.npy", npyBytes("<f4", [3], floats([0, NaN, 1])));
    expect(shown(await userError(() => loadTable(npy(x, y))))).toMatch(
      /^error\[NN4020\]: ynan\.npy: record 2: y\[1\]: NaN is not/,
    );
  });

  it("an npy file read by offset is checked in a first pass, across its 1 MiB pieces, before any batch", async () => {
    const values = new Float32Array(300_000 * 2).fill(0.5);
    values[2 * 290_000 + 1] = Infinity;
    const x = file("long.npy", npyBytes("<f4", [300_000, 2], Buffer.from(values.buffer)));
    const y = file("long-y.npy", npyBytes("<u1", [300_000], Buffer.alloc(300_000)));
    const error = await userError(() => openRecords(npy(x, y), { streamAbove: 0, numericTargets: false }));
    expect(shown(error)).toMatch(
      /^error\[NN4020\]: long\.npy: record 290001: x\[290000, 1\]: Infinity is not a finite number/,
    );
  });

  it("CSV cells NaN, inf, -Infinity and 1e39 name the line and the column", async () => {
    for (const cell of ["NaN", "inf", "-Infinity", "1e39"]) {
      const csv = file("cells.csv", `a,b,side\n1,2,left\n3,${cell},right\n`);
      const error = await userError(() => loadTable({ name: "csv", args: { path: csv, label: "side" } }));
      expect(error.code, cell).toBe("NN4020");
      expect(shown(error)).toMatch(
        new RegExp(`cells\\.csv:3: column 'b': '?${cell}'? is (not a finite number|too large for a 32-bit float)`),
      );
    }
  });

  it("JSON numbers that overflow, to Infinity or past float32, name the line and the field", async () => {
    for (const number of ["1e400", "-1e39"]) {
      const jsonl = file("big.jsonl", `{"a": 1, "side": "l"}\n{"a": ${number}, "side": "r"}\n`);
      const error = await userError(() => loadTable({ name: "json", args: { path: jsonl, label: "side" } }));
      expect(shown(error)).toMatch(
        /^error\[NN4020\]: big\.jsonl:2: field 'a': the number is too large for a 32-bit float/,
      );
    }
  });

  it("a validation source, and the rows nnc predict reads, are checked the same way", async () => {
    const model = buildModel(sequentialModel("M", "x", 2, [denseLayer("out", 2, "softmax", "x", 2)]));
    const good = file("good.csv", "a,b,side\n1,2,left\n3,4,right\n");
    const bad = file("bad-valid.csv", "a,b,side\n1,2,left\n3,nan,right\n");
    const csv = (path: string) => ({ name: "csv", args: { path, label: "side" } });
    const settings = {
      data: csv(good),
      validation: csv(bad),
      loss: "categorical_crossentropy",
      validationSplit: 0,
      shuffle: false,
    };
    expect(shown(await userError(() => openTrainingData(model, settings)))).toMatch(
      /bad-valid\.csv:3: column 'b': 'nan' is not a finite/,
    );
    // Rows to predict on are read without a label column.
    const rows = { name: "csv", args: { path: bad, features: ["a", "b"] } };
    expect(shown(await userError(() => loadTable(rows, null, undefined, false)))).toMatch(
      /^error\[NN4020\]: bad-valid\.csv:3: column 'b'/,
    );
  });
});

describe("numbers in text are decimal", () => {
  it("reads the forms a person writes: 1, -1.5, 1e-3, .5, +2, 3., 1E+2", () => {
    const csv = file("forms.csv", "a,side\n1,x\n-1.5,x\n1e-3,x\n.5,x\n+2,x\n3.,x\n1E+2,x\n");
    const table = loadTable({ name: "csv", args: { path: csv, label: "side" } });
    expect(Array.from(table.features)).toEqual([1, -1.5, 1e-3, 0.5, 2, 3, 100].map(Math.fround));
  });

  it("refuses 0x10, 0b1, 0o7, 1_000, 1,5 as text and an empty cell, saying what the cell was and where", async () => {
    const cases: [string, RegExp][] = [
      ["0x10", /forms\.csv:3: column 'a': '0x10' is not a decimal number \(write numbers in decimal/],
      ["0b1", /'0b1' is not a decimal number/],
      ["0o7", /'0o7' is not a decimal number/],
      ["1_000", /'1_000' is not a number$/],
      ['"1,5"', /'1,5' is not a number$/],
      ['"1\n2"', /forms\.csv:4: column 'a': '1\\u000a2' is not a number$/],
      ["", /forms\.csv:3: column 'a': the value is empty \(fill it in, or give the data source missing: drop/],
    ];
    for (const [cell, message] of cases) {
      const csv = file("forms.csv", `a,side\n1,x\n${cell},x\n`);
      const error = await userError(() => loadTable({ name: "csv", args: { path: csv, label: "side" } }));
      expect(error.code, cell).toBe("NN4006");
      expect(shown(error), cell).toMatch(message);
    }
  });

  it("regression targets are read the same way: 0x10 is not a target", async () => {
    const model = buildModel(sequentialModel("M", "x", 1, [denseLayer("out", 1, "linear", "x", 1)]));
    const path = file("targets.csv", "a,price\n1,2.5\n2,0x10\n");
    const settings = {
      data: { name: "csv", args: { path, label: "price" } },
      loss: "mse",
      validationSplit: 0,
      shuffle: false,
    };
    expect(shown(await userError(() => openTrainingData(model, settings)))).toMatch(
      /^error\[NN4006\]: targets\.csv:3: column 'price': '0x10' is not a decimal number, and this loss needs numeric targets/,
    );
  });

  it("any finite float32, written as JavaScript writes it, reads back exactly; any other text is one user error", () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (value) => {
        expect(cellNumber(String(value), "f.csv:2", "column 'a'")).toBe(value === 0 ? 0 : value);
      }),
    );
    fc.assert(
      fc.property(fc.string(), (text) => {
        try {
          expect(cellNumber(text, "f.csv:2", "column 'a'")).toBe(Number(text));
        } catch (error) {
          expect(error).toBeInstanceOf(NncUserError);
        }
      }),
    );
  });
});

describe("CSV column names", () => {
  it("refuse a name used twice, naming both columns' positions, whether or not a feature picks it", async () => {
    const csv = file("twice.csv", "a,x,side,x\n1,2,left,3\n");
    expect(shown(await userError(() => loadTable({ name: "csv", args: { path: csv, label: "side" } })))).toBe(
      "error[NN4006]: twice.csv:1: columns 2 and 4 are both named 'x' (give each column its own name)",
    );
    expect(
      (await userError(() => loadTable({ name: "csv", args: { path: csv, label: "side", features: ["a"] } }))).code,
    ).toBe("NN4006");
  });
});

describe("JSON Lines labels", () => {
  it("refuse an object or an array, which would all be the class '[object Object]'", async () => {
    const objects = file("labels.jsonl", `{"a": 1, "kind": "cat"}\n{"a": 2, "kind": {"name": "dog"}}\n`);
    expect(shown(await userError(() => loadTable({ name: "json", args: { path: objects, label: "kind" } })))).toBe(
      "error[NN4006]: labels.jsonl:2: field 'kind': the label is an object; a label is a string or a number",
    );
    const arrays = file("labels.jsonl", `{"a": 1, "kind": ["cat", "dog"]}\n`);
    expect(shown(await userError(() => loadTable({ name: "json", args: { path: arrays, label: "kind" } })))).toMatch(
      /labels\.jsonl:1: field 'kind': the label is an array of 2 item\(s\)/,
    );
  });
});
