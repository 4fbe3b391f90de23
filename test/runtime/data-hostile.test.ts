/**
 * Data files made to hurt the reader: a device, a FIFO or a folder where a file should be, a small gzip IDX
 * file that promises or inflates to gigabytes, lines past the record limit (a line of commas among them),
 * JSON nested thousands of levels deep. Each is a one-line NN4005, NN4006 or NN4021 naming the file and the
 * record, found before the reader holds more than the limits allow. The limits are lowered by the readers'
 * `limits` option, so every case is proved with a file of a few kilobytes.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { IrCall } from "../../src/compiler/ir/index.js";
import { dataLimits, type DataLimits } from "../../src/runtime/data/files.js";
import { readNpy } from "../../src/runtime/data/npy.js";
import { openRecords } from "../../src/runtime/data/records.js";
import { loadTable, NncUserError } from "../../src/runtime/index.js";
import { nnc } from "../helpers/cli.js";
import { idxBytes, npyBytes, userError } from "../helpers/data-files.js";
import { scratchFolder } from "../helpers/runs.js";

const { dir, file } = scratchFolder("nnc-hostile-");
const shown = (error: NncUserError) => error.format().replaceAll(`${dir}/`, "");

/** The limits of a test: a record of 100 bytes, a whole file of 4 KiB. */
const small: DataLimits = { ...dataLimits, recordBytes: 100, wholeBytes: 4096 };
const csv = (path: string): IrCall => ({ name: "csv", args: { path, label: "side" } });
const json = (path: string): IrCall => ({ name: "json", args: { path, label: "side" } });
const idx = (images: string, labels = images): IrCall => ({ name: "idx", args: { images, labels } });
/** Both ways a source is read: whole (`loadTable`), and streamed record by record (`openRecords`). */
const bothWays = (source: IrCall, limits: DataLimits = small) => [
  () => loadTable(source, undefined, limits),
  () => openRecords(source, { streamAbove: 0, chunkRows: 4, numericTargets: false, limits }),
];

describe("only regular files are read (NN4005)", () => {
  it("refuses /dev/zero, a FIFO and a folder before reading a byte", async () => {
    const fifo = join(dir, "pipe.csv");
    execFileSync("mkfifo", [fifo]);
    const folder = join(dir, "folder.csv");
    mkdirSync(folder);
    const cases: [string, string][] = [
      ["/dev/zero", "a device"],
      [fifo, "a named pipe \\(FIFO\\)"],
      [folder, "a directory"],
    ];
    for (const [path, kind] of cases) {
      for (const read of [
        ...bothWays(csv(path)),
        () => loadTable({ name: "csv", args: { path } }, null, small, false),
      ]) {
        const error = await userError(read);
        expect(shown(error), path).toMatch(new RegExp(`^error\\[NN4005\\]: .*: is ${kind}, not a regular file`));
      }
    }
  });
});

describe("sizes and headers before reading (NN4021)", () => {
  it("a gzip IDX file whose header promises more than the limit is refused before it is inflated", async () => {
    // 37 bytes on disk, a promise of 1.5 GB.
    const promise = file("promise.gz", gzipSync(idxBytes([2_000_000, 28, 28])));
    expect(promise.length).toBeLessThan(100);
    expect(shown(await userError(() => loadTable(idx(promise))))).toBe(
      "error[NN4021]: promise.gz: the header promises 1495.4 MiB of data, more than the 256 MiB nnc inflates" +
        " (gunzip it: training reads a large uncompressed IDX file by offset)",
    );
    const modest = file("modest.gz", gzipSync(idxBytes([100, 8, 8], Buffer.alloc(6400))));
    expect((await userError(() => loadTable(idx(modest), undefined, small))).code).toBe("NN4021");
  });

  it("a small gzip IDX file that inflates past its header's promise stops there (a gzip bomb)", async () => {
    const bomb = file("bomb.gz", gzipSync(idxBytes([2, 2, 2], Buffer.alloc(2 * 1024 * 1024))));
    expect(bomb.length).toBeLessThan(20_000);
    for (const read of bothWays(idx(bomb), dataLimits)) {
      expect(shown(await userError(read))).toBe(
        "error[NN4006]: bomb.gz: the gzip data inflates to more than the 24 bytes its header promises",
      );
    }
    const cut = file("cut.gz", gzipSync(idxBytes([2, 2, 2], Buffer.alloc(4))));
    expect(shown(await userError(() => loadTable(idx(cut))))).toMatch(
      /cut\.gz: record 2: the header promises 2 records/,
    );
  });

  it("a file read whole is refused past the limit: a JSON array, an npy file, what nnc predict reads", async () => {
    const records = Array.from({ length: 200 }, (_, i) => `{"a": ${i}, "side": "l"}`);
    const array = file("array.json", `[${records.join(",\n")}]`);
    for (const read of bothWays(json(array))) {
      expect(shown(await userError(read))).toMatch(
        /^error\[NN4021\]: array\.json: the file is 4\d{3} bytes; nnc reads at most 4096 bytes of a file it reads whole \(write large data as JSON Lines/,
      );
    }
    const x = file("x.npy", npyBytes("<f4", [1100, 1], Buffer.alloc(4400)));
    expect((await userError(() => readNpy(x, null, small))).code).toBe("NN4021");
    const rows = file("rows.csv", `a,side\n${"1,l\n".repeat(1500)}`);
    const unlabelled: IrCall = { name: "csv", args: { path: rows, features: ["a"] } };
    expect((await userError(() => loadTable(unlabelled, null, small, false))).code).toBe("NN4021");
  });
});

describe("records past the record limit (NN4021)", () => {
  const tooLong = /^error\[NN4021\]: .*:3: the record is longer than 100 bytes, the most nnc reads as one record/;

  it("a CSV line just over the limit names its line, read whole or streamed; one at the limit is read", async () => {
    const at = file("at.csv", `a,side\n1,l\n${"0".repeat(97)}2,r\n`);
    expect(loadTable(csv(at), undefined, small).features[1]).toBe(2);
    const over = file("over.csv", `a,side\n1,l\n${"1".repeat(99)},r\n2,l\n`);
    for (const read of bothWays(csv(over))) expect(shown(await userError(read))).toMatch(tooLong);
  });

  it("lines ending in CRLF or a lone CR are measured one by one, and counted as csv-parse counts them", async () => {
    for (const end of ["\r\n", "\r"]) {
      const rows = Array.from({ length: 60 }, (_, i) => `${i},${i % 2 ? "l" : "r"}`);
      const fine = file("ends.csv", `a,side${end}${rows.join(end)}${end}`);
      expect(loadTable(csv(fine), undefined, small).labels).toHaveLength(60);
      const reader = await openRecords(csv(fine), { streamAbove: 0, numericTargets: false, limits: small });
      expect(reader.rows).toBe(60);
      reader.close();
      const long = file("ends.csv", `a,side${end}1,l${end}${"1".repeat(99)},r${end}`);
      for (const read of bothWays(csv(long)))
        expect(shown(await userError(read))).toMatch(/ends\.csv:3: the record is longer/);
    }
  });

  it("a line of commas is refused as a line, before it becomes millions of empty fields", async () => {
    const commas = file("commas.csv", `a,side\n1,l\n${",".repeat(3000)}\n`);
    for (const read of bothWays(csv(commas))) expect(shown(await userError(read))).toMatch(tooLong);
  });

  it("a quoted CSV field spanning short lines is still one record, bounded", async () => {
    const quoted = file("quoted.csv", `a,side\n1,l\n2,"${"word\n".repeat(40)}"\n`);
    for (const read of bothWays(csv(quoted))) {
      expect(shown(await userError(read))).toMatch(
        /^error\[NN4021\]: quoted\.csv:\d+: the record is longer than 100 bytes/,
      );
    }
  });

  it("a JSON Lines line over the limit, or a file with no line end at all, names the line", async () => {
    const long = file(
      "long.jsonl",
      `{"a": 1, "side": "l"}\n{"a": 2, "side": "r"}\n{"a": 3, "side": "${"r".repeat(100)}"}\n`,
    );
    for (const read of bothWays(json(long))) expect(shown(await userError(read))).toMatch(tooLong);
    // Streamed, a line with no end would otherwise be held whole, however long the file.
    const endless = file("endless.jsonl", `{"a": [${"1,".repeat(5000)}1], "side": "l"}`);
    for (const read of bothWays(json(endless), { ...small, wholeBytes: 1024 * 1024 })) {
      expect(shown(await userError(read))).toMatch(
        /^error\[NN4021\]: endless\.jsonl:1: the record is longer than 100 bytes/,
      );
    }
  });
});

describe("deeply nested JSON (NN4021)", () => {
  const deep = (levels: number) => `${"[".repeat(levels)}1${"]".repeat(levels)}`;

  it("is refused at the depth limit, in a feature, the label or a field nothing reads, without a stack overflow", async () => {
    const cases: [string, string][] = [
      [`{"a": ${deep(100_000)}, "side": "l"}`, "a"],
      [`{"a": 1, "side": ${deep(100_000)}}`, "side"],
      [`{"a": 1, "side": "l", "notes": {"x": ${deep(64)}}}`, "notes"],
    ];
    for (const [line, field] of cases) {
      const path = file("deep.jsonl", `{"a": 0, "side": "r"}\n${line}\n`);
      for (const read of bothWays(json(path), { ...dataLimits, recordBytes: 1024 * 1024 })) {
        expect(shown(await userError(read))).toBe(
          `error[NN4021]: deep.jsonl:2: field '${field}' nests deeper than 64 levels, the most nnc reads in one JSON value`,
        );
      }
    }
  });

  it("a value at the limit is read, and described in a few words when it is not a number", async () => {
    const path = file(
      "nested.jsonl",
      `{"a": 1, "side": "l", "notes": {"x": ${deep(61)}}}\n{"a": ${deep(62)}, "side": "r"}\n`,
    );
    const source = { name: "json", args: { path, label: "side", features: ["a"] } };
    expect(shown(await userError(() => loadTable(source)))).toBe(
      "error[NN4006]: nested.jsonl:2: field 'a': an array of 1 item(s) is not a number",
    );
  });
});

describe("npy headers", () => {
  it("a negative or fractional dimension, or a version 2 header cut short, is NN4006", async () => {
    const negative = Buffer.from(
      npyBytes("<f4", [3, 1], Buffer.alloc(12)).toString("latin1").replace("(3, 1)", "(-3, 1)"),
      "latin1",
    );
    expect(shown(await userError(() => readNpy(file("neg.npy", negative), null)))).toMatch(
      /^error\[NN4006\]: neg\.npy: the shape \(-3, 1\) is not a list of whole numbers/,
    );
    const cut = file("cut.npy", Buffer.from("\x93NUMPY\x02\x00\x10\x00", "latin1"));
    expect(shown(await userError(() => readNpy(cut, null)))).toBe("error[NN4006]: cut.npy: the header is cut short");
  });
});

describe("nnc train", () => {
  it("prints a data file's error in one line and exits 1, without a stack trace", () => {
    const spec = (data: string) =>
      `model Tiny {\n  input x: [2]\n  dense(2, activation: softmax)\n}\ntrain Tiny {\n  data: ${data}\n  loss: sparse_categorical_crossentropy\n  optimizer: adam(0.1)\n  epochs: 1\n  batch_size: 2\n}\n`;
    file("nan.npy", npyBytes("<f4", [2, 2], Buffer.from(new Float32Array([1, 2, NaN, 4]).buffer)));
    file("y.npy", npyBytes("<u1", [2], Buffer.from([0, 1])));
    file("nan.nn", spec(`npy(x: "nan.npy", y: "y.npy")`));
    file("zero.nn", spec(`csv("/dev/zero", label: "side")`));
    const cases: [string, string][] = [
      ["nan.nn", "error[NN4020]: nan.npy: record 2: x[1, 0]: NaN is not a finite number"],
      ["zero.nn", "error[NN4005]: /dev/zero: is a device, not a regular file; nnc reads data only from regular files"],
    ];
    for (const [name, message] of cases) {
      const result = nnc(["train", name], { cwd: dir });
      expect(result.status, name).toBe(1);
      expect(result.stderr.trim().split("\n"), name).toHaveLength(1);
      expect(result.stderr, name).toContain(message);
    }
  });
});
